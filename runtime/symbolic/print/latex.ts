/**
 * LaTeX (math mode, no packages needed): juxtaposed products (`\cdot` before a digit),
 * `\frac` for negative powers, `\left( \right)` parentheses, `e^{x}`, `\sqrt{x}`,
 * `\operatorname{erf}`, `\max\left(a, b\right)`, the step as `\operatorname{H}` (H(0) = 0),
 * lists as `\left[a, b\right]`.
 */

import type { FnName } from '../fnTable.js';
import { latexName } from './names.js';
import { latexNumber, splitRepr } from './numbers.js';
import { atom, Prec, type Printed, type Syntax } from './syntax.js';

function paren(p: Printed): Printed {
  return { s: `\\left(${p.s}\\right)`, prec: Prec.Atom };
}

function atLeast(p: Printed, prec: Prec): Printed {
  return p.prec >= prec ? p : paren(p);
}

const fn = (name: string) => (a: string): string => `${name}\\left(${a}\\right)`;

const UNARY: Readonly<Record<Exclude<FnName, 'max' | 'min' | 'exp'>, (a: string) => string>> = {
  log: fn('\\log'),
  tanh: fn('\\tanh'),
  erf: fn('\\operatorname{erf}'),
  sqrt: (a) => `\\sqrt{${a}}`,
  abs: (a) => `\\left|${a}\\right|`,
  heaviside: fn('\\operatorname{H}'),
  log1p: (a) => `\\log\\left(1 + ${a}\\right)`,
  sin: fn('\\sin'),
  cos: fn('\\cos'),
};

function call(name: FnName, args: readonly Printed[]): Printed {
  const ss = args.map((a) => a.s);
  if (name === 'exp') return { s: `e^{${ss[0]}}`, prec: Prec.Pow };
  if (name === 'max' || name === 'min') return atom(`\\${name}\\left(${ss.join(', ')}\\right)`);
  return atom(UNARY[name](ss[0]!));
}

function product(factors: readonly Printed[]): Printed {
  if (factors.length === 1) return factors[0]!;
  // A leading coefficient like `1.5 \cdot 10^{-7}` needs no parentheses.
  const fs = factors.map((f, i) => atLeast(f, i === 0 ? Prec.Mul : Prec.Neg).s);
  const s = fs.reduce((acc, f) => `${acc}${/^[0-9.]/.test(f) ? ' \\cdot ' : ' '}${f}`);
  return { s, prec: Prec.Mul };
}

export const LATEX: Syntax = {
  number: (v) => ({ s: latexNumber(v), prec: v === v && v !== Infinity && splitRepr(v).exponent !== null ? Prec.Mul : Prec.Atom }),
  rational: (p, q) => (q === null ? atom(p) : { s: `\\frac{${p}}{${q}}`, prec: Prec.Mul }),
  symbol: (name) => atom(latexName(name)),
  call,
  power: (base, exponent) => ({ s: `${atLeast(base, Prec.Atom).s}^{${exponent.s}}`, prec: Prec.Pow }),
  product,
  quotient: (num, den) => ({ s: `\\frac{${num === null ? '1' : num.s}}{${product(den).s}}`, prec: Prec.Mul }),
  negate: (p) => ({ s: `-${atLeast(p, Prec.Mul).s}`, prec: Prec.Neg }),
  sum: (first, rest) => ({
    s: first.s + rest.map(({ minus, term }) => `${minus ? ' - ' : ' + '}${atLeast(term, Prec.Mul).s}`).join(''),
    prec: Prec.Add,
  }),
  list: (items) => `\\left[${items.map((i) => i.s).join(', ')}\\right]`,
};
