/**
 * layergen symbolic expression library: hash-consed, canonical-at-construction
 * expression DAGs with evaluation, substitution, differentiation and printing.
 */

export type { Expr, Num, Sym, Add, Mul, Pow, Fn } from './nodes.js';
export { isExpr } from './nodes.js';
export type { Operand } from './operand.js';
export type { Coef } from './coef.js';
export type { FnName } from './fnTable.js';
export { FN_NAMES, heavisideNum } from './fnTable.js';
export { erfNum } from './erf.js';
export { compare } from './order.js';
export { setWeakInterning, isWeakInterning } from './intern.js';

export { num, sym } from './leaves.js';
export { add, addAll, sub, neg, linear } from './add.js';
export { mul, mulAll, div, pow } from './mul.js';
export {
  exp, log, tanh, erf, sqrt, abs, heaviside, max, maxAll, min, minAll, relu, sigmoid, fn,
} from './fns.js';

export { evaluate, evaluateAll, type Env } from './evaluate.js';
export { substitute, type Substitution } from './substitute.js';
export { diff } from './diff.js';
export { countNodes, freeSymbols, sympySymbols, topoOrder } from './traverse.js';
export { format, type Language } from './print/format.js';
export type { PrintOptions } from './print/printer.js';
