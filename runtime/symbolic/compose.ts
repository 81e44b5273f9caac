/** Functions defined by composition of the primitive nodes (no node kinds of their own). */
import { add, sub } from './add.js';
import { fn, heaviside } from './fns.js';
import { mul } from './mul.js';
import type { Expr } from './nodes.js';
import type { Operand } from './operand.js';

/** `c > 0 ? a : b`, as H(c) a + (1 - H(c)) b with H(0) = 0. */
export function where(c: Operand, a: Operand, b: Operand): Expr {
  const h = heaviside(c);
  return add(mul(h, a), mul(sub(1, h), b));
}

/** log(1 + x): a function node of its own, evaluated with Math.log1p, printed as log(1 + x). */
export function log1p(x: Operand): Expr {
  return fn('log1p', [x]);
}
