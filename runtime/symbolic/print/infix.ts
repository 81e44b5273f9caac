/** A Syntax for ASCII infix languages (text, SymPy, JavaScript, Mathematica). */

import type { FnName } from '../fnTable.js';
import { atom, Prec, type Printed, type SumPart, type Syntax } from './syntax.js';

export interface InfixSpec {
  /** Power operator, e.g. `^`, `**`, ` ** `. */
  readonly powOp: string;
  /** JavaScript: `-x ** 2` is a syntax error, so a negated leading power gets parentheses. */
  readonly parenNegatedPower: boolean;
  readonly number: (v: number) => string;
  /** Precedence of a printed number (default Atom); Mathematica's `1.5*^-7` is kept out of `^`. */
  readonly numberPrec?: (s: string) => Prec;
  /** An exact fraction p/q (q > 1): its text and whether it binds like a product (`1/3`). */
  readonly rational: (p: string, q: string) => { s: string; quotient: boolean };
  readonly symbol: (name: string) => string;
  readonly calls: Readonly<Record<FnName, (args: readonly string[]) => string>>;
  readonly list: (items: readonly string[]) => string;
  /**
   * Sums of at least `min` terms as one n-ary call (`Add(a, b, -c)`): SymPy would otherwise
   * parse `a + b + ...` into a binary tree as deep as the sum is long (2400 terms of a linear
   * layer exceed Python's recursion limit).
   */
  readonly naryAdd?: { readonly min: number; readonly call: string };
}

/** Function-call spelling `name(a, b)` (or with other brackets). */
export const callAs = (name: string, open = '(', close = ')') =>
  (args: readonly string[]): string => `${name}${open}${args.join(', ')}${close}`;

function paren(p: Printed): Printed {
  return { s: `(${p.s})`, prec: Prec.Atom };
}

function atLeast(p: Printed, prec: Prec): Printed {
  return p.prec >= prec ? p : paren(p);
}

export function infixSyntax(spec: InfixSpec): Syntax {
  const product = (factors: readonly Printed[]): Printed => {
    if (factors.length === 1) return factors[0]!;
    const fs = factors.map((f) => atLeast(f, Prec.Neg));
    return { s: fs.map((f) => f.s).join('*'), prec: Prec.Mul, leadPow: fs[0]!.leadPow };
  };
  return {
    number: (v) => {
      const s = spec.number(v);
      return { s, prec: spec.numberPrec?.(s) ?? Prec.Atom };
    },
    rational: (p, q) => {
      if (q === null) return atom(p);
      const r = spec.rational(p, q);
      return { s: r.s, prec: r.quotient ? Prec.Mul : Prec.Atom };
    },
    symbol: (name) => atom(spec.symbol(name)),
    call: (name, args) => atom(spec.calls[name](args.map((a) => a.s))),
    power: (base, exponent) => ({
      s: `${atLeast(base, Prec.Atom).s}${spec.powOp}${atLeast(exponent, Prec.Pow).s}`,
      prec: Prec.Pow,
      leadPow: true,
    }),
    product,
    quotient(numerator, denominator) {
      const num = numerator === null ? atom('1') : atLeast(numerator, Prec.Mul);
      const den = denominator.length === 1 ? atLeast(denominator[0]!, Prec.Pow) : paren(product(denominator));
      return { s: `${num.s}/${den.s}`, prec: Prec.Mul, leadPow: num.leadPow };
    },
    negate(p) {
      const wrap = p.prec < Prec.Mul || (spec.parenNegatedPower && p.leadPow === true);
      return { s: `-${wrap ? paren(p).s : p.s}`, prec: Prec.Neg };
    },
    sum(first, rest: readonly SumPart[]) {
      const nary = spec.naryAdd;
      if (nary && rest.length + 1 >= nary.min) {
        const terms = [first.s, ...rest.map(({ minus, term }) => (minus ? `-${atLeast(term, Prec.Mul).s}` : term.s))];
        return atom(`${nary.call}(${terms.join(', ')})`);
      }
      const tail = rest.map(({ minus, term }) => `${minus ? ' - ' : ' + '}${atLeast(term, Prec.Mul).s}`);
      return { s: first.s + tail.join(''), prec: Prec.Add, leadPow: first.leadPow };
    },
    list: (items) => spec.list(items.map((i) => i.s)),
  };
}
