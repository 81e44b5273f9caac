/**
 * The generic printer: walks canonical nodes and asks a `Syntax` to spell them. Signs are
 * pulled out of coefficients (`a - 2*b`, never `a + -2*b`), negative exponents become
 * denominators (`x/y`, `1/x`), sum constants print last.
 *
 * Tree printing: a shared subexpression is printed at each use (output can grow
 * exponentially for deep DAGs). The `names` hook prints a named node as its name instead
 * of its body (the root itself is always expanded), for definition-style output
 * (`t12 = ...`) of large DAGs.
 */

import { cAbs, cIsNegative, cIsOne, cToFloat, type Coef } from '../coef.js';
import type { Expr } from '../nodes.js';
import { topoOrder } from '../traverse.js';
import type { Printed, SumPart, Syntax } from './syntax.js';

export interface PrintOptions {
  /** Nodes to print as a symbol of the given name instead of expanding them. */
  readonly names?: ReadonlyMap<Expr, string>;
}

export class Printer {
  private readonly memo = new Map<Expr, Printed>();

  constructor(private readonly syntax: Syntax, private readonly options: PrintOptions = {}) {}

  /**
   * Prints `e`, expanding it even when it is named. Works bottom-up over the DAG in
   * topological order (no recursion, so arbitrarily deep expressions print).
   */
  root(e: Expr): Printed {
    const names = this.options.names;
    const done = (n: Expr): boolean => n !== e && (this.memo.has(n) || names?.has(n) === true);
    for (const n of topoOrder([e], done)) {
      if (!done(n) && n !== e) this.memo.set(n, this.body(n));
    }
    return this.body(e);
  }

  /** A child as printed inside its parent: its name if it has one, else its text. */
  private node(e: Expr): Printed {
    const name = this.options.names?.get(e);
    return name !== undefined ? this.syntax.symbol(name) : this.memo.get(e)!;
  }

  private body(e: Expr): Printed {
    switch (e.kind) {
      case 'num':
        return this.signedNumber(cToFloat(e.value));
      case 'sym':
        return this.syntax.symbol(e.name);
      case 'add':
        return this.sum(e.constant, e.terms, e.coefs);
      case 'mul':
        return this.product(e.coef, e.bases, e.exps);
      case 'pow':
        return this.syntax.power(this.node(e.base), this.node(e.exponent));
      case 'fn':
        return this.syntax.call(e.name, e.args.map((a) => this.node(a)));
    }
  }

  private signedNumber(v: number): Printed {
    return v < 0 ? this.syntax.negate(this.syntax.number(-v)) : this.syntax.number(v);
  }

  /** |coef| * term as a product (a Mul term's factors are spliced in). */
  private magnitudeTimes(coef: Coef, term: Expr): Printed {
    const c = cAbs(coef);
    return term.kind === 'mul' ? this.product(c, term.bases, term.exps) : this.product(c, [term], [1]);
  }

  private product(coef: Coef, bases: readonly Expr[], exps: readonly Coef[]): Printed {
    const numer: Printed[] = [];
    const denom: Printed[] = [];
    const c = cAbs(coef);
    if (!cIsOne(c)) numer.push(this.syntax.number(cToFloat(c)));
    bases.forEach((b, i) => {
      const e = exps[i]!;
      const into = cIsNegative(e) ? denom : numer;
      const k = cAbs(e);
      into.push(cIsOne(k) ? this.node(b) : this.syntax.power(this.node(b), this.syntax.number(cToFloat(k))));
    });
    const body = denom.length === 0
      ? this.syntax.product(numer)
      : this.syntax.quotient(numer.length === 0 ? null : this.syntax.product(numer), denom);
    return cIsNegative(coef) ? this.syntax.negate(body) : body;
  }

  private sum(constant: Coef, terms: readonly Expr[], coefs: readonly Coef[]): Printed {
    const parts: SumPart[] = terms.map((t, i) => ({
      minus: cIsNegative(coefs[i]!),
      term: this.magnitudeTimes(coefs[i]!, t),
    }));
    if (constant !== 0) {
      parts.push({ minus: cIsNegative(constant), term: this.syntax.number(cToFloat(cAbs(constant))) });
    }
    const [first, ...rest] = parts;
    const head = first!.minus ? this.syntax.negate(first!.term) : first!.term;
    return this.syntax.sum(head, rest);
  }
}
