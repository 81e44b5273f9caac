/** The ASCII target languages: text, SymPy, JavaScript, Mathematica. */

import { callAs, infixSyntax } from './infix.js';
import { mathematicaName, sympyName } from './names.js';
import { jsNumber, mathematicaNumber, sympyNumber } from './numbers.js';
import { Prec, type Syntax } from './syntax.js';

const squareList = (items: readonly string[]): string => `[${items.join(', ')}]`;
const slash = (p: string, q: string) => ({ s: `${p}/${q}`, quotient: true });

/** Readable plain text: `exp(x)`, `max(0, x)`, `x^2`, `heaviside(x)`. */
export const TEXT: Syntax = infixSyntax({
  powOp: '^',
  parenNegatedPower: false,
  number: jsNumber,
  rational: slash,
  symbol: (n) => n,
  calls: {
    exp: callAs('exp'), log: callAs('log'), tanh: callAs('tanh'), erf: callAs('erf'),
    sqrt: callAs('sqrt'), abs: callAs('abs'), heaviside: callAs('heaviside'),
    max: callAs('max'), min: callAs('min'), log1p: (a) => `log(1 + ${a[0]})`, sin: callAs('sin'), cos: callAs('cos'),
  },
  list: squareList,
});

/** Text for `sympy.parse_expr` (Heaviside with H(0) = 0). */
export const SYMPY: Syntax = infixSyntax({
  powOp: '**',
  parenNegatedPower: false,
  number: sympyNumber,
  rational: (p, q) => ({ s: `Rational(${p}, ${q})`, quotient: false }),
  symbol: sympyName,
  calls: {
    exp: callAs('exp'), log: callAs('log'), tanh: callAs('tanh'), erf: callAs('erf'),
    sqrt: callAs('sqrt'), abs: callAs('Abs'), heaviside: (a) => `Heaviside(${a[0]}, 0)`,
    max: callAs('Max'), min: callAs('Min'), log1p: (a) => `log(1 + ${a[0]})`, sin: callAs('sin'), cos: callAs('cos'),
  },
  list: squareList,
  naryAdd: { min: 8, call: 'Add' },
});

/**
 * A JavaScript expression. `erf(x)` needs a function `erf` in scope (use `erfNum`);
 * the Heaviside step is spelt `Math.sign(Math.max(0, x))` (0 at 0, NaN for NaN).
 * Exact rationals print as float divisions `p/q` (integers past 2^53 and the division
 * round: the value is within an ulp or two of the exact one).
 */
export const JS: Syntax = infixSyntax({
  powOp: ' ** ',
  parenNegatedPower: true,
  number: jsNumber,
  rational: slash,
  symbol: (n) => n,
  calls: {
    exp: callAs('Math.exp'), log: callAs('Math.log'), tanh: callAs('Math.tanh'), erf: callAs('erf'),
    sqrt: callAs('Math.sqrt'), abs: callAs('Math.abs'),
    heaviside: (a) => `Math.sign(Math.max(0, ${a[0]}))`,
    max: callAs('Math.max'), min: callAs('Math.min'), log1p: callAs('Math.log1p'), sin: callAs('Math.sin'), cos: callAs('Math.cos'),
  },
  list: squareList,
});

const wl = (name: string) => callAs(name, '[', ']');

/** Wolfram Language; the Heaviside step is `Boole[x > 0]` (UnitStep[0] would be 1). */
export const MATHEMATICA: Syntax = infixSyntax({
  powOp: '^',
  parenNegatedPower: false,
  number: mathematicaNumber,
  rational: slash,
  numberPrec: (s) => (s.includes('*^') ? Prec.Neg : Prec.Atom),
  symbol: mathematicaName,
  calls: {
    exp: wl('Exp'), log: wl('Log'), tanh: wl('Tanh'), erf: wl('Erf'), sqrt: wl('Sqrt'),
    abs: wl('Abs'), heaviside: (a) => `Boole[${a[0]} > 0]`, max: wl('Max'), min: wl('Min'),
    log1p: (a) => `Log[1 + ${a[0]}]`, sin: wl('Sin'), cos: wl('Cos'),
  },
  list: (items) => `{${items.join(', ')}}`,
});
