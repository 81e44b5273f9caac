/**
 * layergen symbolic expression library: hash-consed, canonical-at-construction
 * expression DAGs with evaluation, substitution, differentiation and printing.
 *
 * - Nodes (nodes.ts) are immutable and interned weakly (InternTable.ts): equal structure
 *   means the same object. Canonical forms: add.ts (sums), mul.ts (products, powers),
 *   fns.ts (functions); the canonical order is structural (order.ts).
 * - For large linear combinations use `linear(coefs, terms, constant)`: it builds no node
 *   per product (about 15x faster than `addAll(terms.map((t, i) => mul(coefs[i], t)))`).
 * - evaluate / substitute / diff / format work over the DAG without recursion; each
 *   shared node is processed once per call (format prints a tree unless given `names`).
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

export { num, sym } from './leaves.js';
export { add, addAll, sub, neg, linear } from './add.js';
export { mul, mulAll, div, pow } from './mul.js';
export {
  exp, log, tanh, erf, sqrt, abs, heaviside, max, maxAll, min, minAll, relu, sigmoid, fn,
} from './fns.js';

export { evaluate, evaluateAll, type Env } from './evaluate.js';
export { substitute, type Substitution } from './substitute.js';
export { diff } from './diff.js';
export { where, log1p } from './compose.js';
export { countNodes, freeSymbols, sympySymbols, topoOrder } from './traverse.js';
export { format, type Language } from './print/format.js';
export type { PrintOptions } from './print/Printer.js';
