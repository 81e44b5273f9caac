/**
 * The named functions: one row per function with its float64 semantics. The same row
 * serves constant folding at construction and the `evaluate` interpreter, so the two
 * can never disagree; exp and tanh are the numeric modules' own (`runtime/scalar.ts`, within
 * 2 ulps, the same functions the compiler's PRIMS table folds constants with), so symbolic and
 * numeric evaluations share one float64 meaning. Derivative rules live in `diffRules.ts`,
 * printing in `print/`.
 */

import { expNum, tanhNum } from '../scalar.js';
import { erfNum } from './erf.js';

export type FnName = 'exp' | 'log' | 'tanh' | 'erf' | 'sqrt' | 'abs' | 'heaviside' | 'max' | 'min' | 'log1p' | 'sin' | 'cos';

export interface FnInfo {
  /** Position in the canonical order of functions (used when sorting). */
  readonly order: number;
  /** Number of arguments, or 'n' for n-ary commutative functions (max, min). */
  readonly arity: 1 | 'n';
  /** float64 value. */
  readonly eval: (args: readonly number[]) => number;
}

/** Heaviside step with H(0) = 0 (PyTorch's relu'(0) = 0) and H(NaN) = NaN. */
export function heavisideNum(x: number): number {
  return x > 0 ? 1 : x <= 0 ? 0 : NaN;
}

/** Math.max / Math.min semantics (NaN wins) without spreading (safe for huge arrays). */
function extremumNum(a: readonly number[], sign: 1 | -1): number {
  let m = -sign * Infinity;
  for (const v of a) {
    if (v !== v) return NaN;
    if (sign * v > sign * m) m = v;
  }
  return m;
}

const unary = (order: number, f: (x: number) => number): FnInfo => ({
  order,
  arity: 1,
  eval: (a) => f(a[0]!),
});

export const FN_TABLE: Readonly<Record<FnName, FnInfo>> = {
  exp: unary(0, expNum),
  log: unary(1, Math.log),
  tanh: unary(2, tanhNum),
  erf: unary(3, erfNum),
  sqrt: unary(4, Math.sqrt),
  abs: unary(5, Math.abs),
  heaviside: unary(6, heavisideNum),
  max: { order: 7, arity: 'n', eval: (a) => extremumNum(a, 1) },
  min: { order: 8, arity: 'n', eval: (a) => extremumNum(a, -1) },
  /** log(1 + x), its own node so that it evaluates accurately for tiny x (softplus's tail). */
  log1p: unary(9, Math.log1p),
  sin: unary(10, Math.sin),
  cos: unary(11, Math.cos),
};

export const FN_NAMES: readonly FnName[] = Object.keys(FN_TABLE) as FnName[];

export function isFnName(s: string): s is FnName {
  return Object.prototype.hasOwnProperty.call(FN_TABLE, s);
}
