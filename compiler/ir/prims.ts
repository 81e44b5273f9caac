/**
 * Scalar primitives: the leaves every op formula is built from. One row per primitive holds
 * all of its meanings: float64 semantics (interpreter, constant folding), the numeric-module
 * snippet, the gpu.js snippet and the name of the runtime's symbolic constructor.
 * Derivatives live with the symbolic runtime (`diff`), which owns the expression nodes.
 */
import { erfNum, expNum, sigmoidNum, tanhNum } from '@layergen/runtime';

export interface Prim {
  readonly arity: 1 | 2 | 3;
  /** float64 semantics. */
  readonly num: (...a: number[]) => number;
  /** Numeric module snippet (the runtime is imported as `R`); each argument appears at most once. */
  readonly js: (...a: string[]) => string;
  /** gpu.js kernel snippet (WebGL-safe; helpers named here are registered by the runtime). */
  readonly gpu: (...a: string[]) => string;
  /** Name of the runtime symbolic constructor (`runtime/symbolic`). */
  readonly sym: SymCtor;
}

export type SymCtor =
  | 'add' | 'sub' | 'mul' | 'div' | 'neg' | 'max' | 'min'
  | 'exp' | 'log' | 'tanh' | 'sigmoid' | 'erf' | 'sqrt' | 'abs' | 'log1p' | 'where' | 'sin' | 'cos';

const same = (js: Prim['js']) => ({ js, gpu: js });

export const PRIMS = {
  add: { arity: 2, num: (a, b) => a + b, ...same((a, b) => `(${a} + ${b})`), sym: 'add' },
  sub: { arity: 2, num: (a, b) => a - b, ...same((a, b) => `(${a} - ${b})`), sym: 'sub' },
  mul: { arity: 2, num: (a, b) => a * b, ...same((a, b) => `(${a} * ${b})`), sym: 'mul' },
  div: { arity: 2, num: (a, b) => a / b, ...same((a, b) => `(${a} / ${b})`), sym: 'div' },
  neg: { arity: 1, num: (a) => -a, ...same((a) => `(-${a})`), sym: 'neg' },
  max: { arity: 2, num: Math.max, ...same((a, b) => `Math.max(${a}, ${b})`), sym: 'max' },
  min: { arity: 2, num: Math.min, ...same((a, b) => `Math.min(${a}, ${b})`), sym: 'min' },
  exp: { arity: 1, num: expNum, js: (a) => `R.expNum(${a})`, gpu: (a) => `lgExp(${a})`, sym: 'exp' },
  log: { arity: 1, num: Math.log, ...same((a) => `Math.log(${a})`), sym: 'log' },
  tanh: { arity: 1, num: tanhNum, js: (a) => `R.tanhNum(${a})`, gpu: (a) => `lgTanh(${a})`, sym: 'tanh' },
  sigmoid: {
    arity: 1,
    num: sigmoidNum,
    js: (a) => `R.sigmoidNum(${a})`,
    gpu: (a) => `lgSigmoid(${a})`,
    sym: 'sigmoid',
  },
  erf: { arity: 1, num: erfNum, js: (a) => `R.erfNum(${a})`, gpu: (a) => `lgErf(${a})`, sym: 'erf' },
  sqrt: { arity: 1, num: Math.sqrt, ...same((a) => `Math.sqrt(${a})`), sym: 'sqrt' },
  abs: { arity: 1, num: Math.abs, ...same((a) => `Math.abs(${a})`), sym: 'abs' },
  sin: { arity: 1, num: Math.sin, ...same((a) => `Math.sin(${a})`), sym: 'sin' },
  cos: { arity: 1, num: Math.cos, ...same((a) => `Math.cos(${a})`), sym: 'cos' },
  log1p: { arity: 1, num: Math.log1p, js: (a) => `Math.log1p(${a})`, gpu: (a) => `lgLog1p(${a})`, sym: 'log1p' },
  /** where(c, a, b) = c > 0 ? a : b */
  where: {
    arity: 3,
    num: (c, a, b) => (c! > 0 ? a! : b!),
    js: (c, a, b) => `(${c} > 0 ? ${a} : ${b})`,
    gpu: (c, a, b) => `(${c} > 0.0 ? ${a} : ${b})`,
    sym: 'where',
  },
} satisfies Record<string, Prim>;

export type PrimName = keyof typeof PRIMS;

export function prim(name: PrimName): Prim {
  return PRIMS[name];
}
