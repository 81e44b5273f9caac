/**
 * layergen symbolic expression library: hash-consed, canonical-at-construction
 * expression DAGs with evaluation, substitution, differentiation and printing.
 *
 * - Nodes (nodes.ts) are immutable and interned weakly (InternTable.ts): equal structure
 *   means the same object. Canonical forms: add.ts (sums), mul.ts (products, powers),
 *   fns.ts (functions); the canonical order is structural (order.ts).
 * - One exception to `===`: a product `mul(c, x)` of a number and a non-sum is returned
 *   *loose* (not interned) unless an equal node is already interned, so that the common
 *   `addAll(row.map((w, j) => mul(w, x[j])))` of dense layers puts nothing in the intern
 *   table. Two such results built separately may be distinct objects (the same object when
 *   built one after the other); `compare(a, b) === 0` tests structural equality, and
 *   `intern(e)` returns the canonical node. A loose node is interned as soon as it becomes
 *   part of another node, so nodes inside expressions are always canonical.
 * - `linear(coefs, terms, constant)` builds a linear combination without a product per
 *   term (about 2x faster than addAll of products; see bench/symbolic-construction.ts).
 * - Numbers are float64 or exact rationals (`rational`, `exact`; coef.ts has the rules).
 * - evaluate / substitute / diff / jacobian / prune / format work over the DAG without
 *   recursion; each shared node is processed once per call. `format` names shared
 *   subexpressions above an inline budget (print/format.ts), so output is linear in size.
 */

export type { Expr, Num, Sym, Add, Mul, Pow, Fn } from './nodes.js';
export { isExpr } from './nodes.js';
export type { Operand } from './operand.js';
export type { Coef } from './coef.js';
export type { FnName } from './fnTable.js';
export { FN_NAMES, heavisideNum } from './fnTable.js';
export { erfNum } from './erf.js';
export { compare } from './order.js';
export { setWeakInterning, isWeakInterning } from './InternTable.js';

export { num, sym, rational, exact } from './leaves.js';
export { Rational, isRational } from './rational.js';
export { intern } from './make.js';
export { add, addAll, sub, neg, linear } from './add.js';
export { mul, mulAll, div, pow } from './mul.js';
export {
  exp, log, tanh, erf, sin, cos, sqrt, abs, heaviside, max, maxAll, min, minAll, relu, sigmoid, fn,
} from './fns.js';

export { evaluate, evaluateAll, type Env } from './evaluate.js';
export { substitute, type Substitution } from './substitute.js';
export { diff } from './diff.js';
export { jacobian } from './jacobian.js';
export { prune } from './prune.js';
export { where, log1p } from './compose.js';
export { countNodes, freeSymbols, sympySymbols, topoOrder } from './traverse.js';
export { format, DEFAULT_INLINE_MAX, type Language } from './print/format.js';
export type { PrintOptions } from './print/Printer.js';
