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
  /** How WebAssembly kernels compute it (compiler/backends/numeric/wasmMap.ts). */
  readonly wasm: WasmPrim;
}

/**
 * A primitive in WebAssembly: one instruction (opcodes of its f32 and f64 forms, the arguments
 * on the stack in order), a helper function of the kernel module (float64, bit for bit the
 * runtime's `expNum` / `tanhNum` / `sigmoidNum`), an imported JS function of float64
 * (`Math.log`, ..., the runtime's `erfNum`), or `where`'s select.
 */
export type WasmPrim =
  | { readonly ins: { readonly f32: number; readonly f64: number }; readonly lanes?: { readonly f32x4: number; readonly f64x2: number } }
  | { readonly helper: 'exp' | 'tanh' | 'sigmoid' }
  | { readonly js: 'log' | 'sin' | 'cos' | 'log1p' | 'erf' }
  | { readonly select: true };

/**
 * An instruction: its f32 and f64 opcodes and, where 128-bit SIMD has the same operation lane by
 * lane (the same IEEE rounding, NaN and signed-zero rules), the SIMD opcodes of its f32x4 and f64x2
 * forms (after the 0xfd prefix), with which maps compute several elements at once.
 */
const ins = (f32: number, f64: number, lanes?: readonly [number, number]): WasmPrim => ({
  ins: { f32, f64 },
  ...(lanes ? { lanes: { f32x4: lanes[0], f64x2: lanes[1] } } : {}),
});

export type SymCtor =
  | 'add' | 'sub' | 'mul' | 'div' | 'neg' | 'max' | 'min'
  | 'exp' | 'log' | 'tanh' | 'sigmoid' | 'erf' | 'sqrt' | 'abs' | 'log1p' | 'where' | 'sin' | 'cos';

const same = (js: Prim['js']) => ({ js, gpu: js });

export const PRIMS = {
  add: { arity: 2, num: (a, b) => a + b, ...same((a, b) => `(${a} + ${b})`), sym: 'add', wasm: ins(0x92, 0xa0, [0xe4, 0xf0]) },
  sub: { arity: 2, num: (a, b) => a - b, ...same((a, b) => `(${a} - ${b})`), sym: 'sub', wasm: ins(0x93, 0xa1, [0xe5, 0xf1]) },
  mul: { arity: 2, num: (a, b) => a * b, ...same((a, b) => `(${a} * ${b})`), sym: 'mul', wasm: ins(0x94, 0xa2, [0xe6, 0xf2]) },
  div: { arity: 2, num: (a, b) => a / b, ...same((a, b) => `(${a} / ${b})`), sym: 'div', wasm: ins(0x95, 0xa3, [0xe7, 0xf3]) },
  neg: { arity: 1, num: (a) => -a, ...same((a) => `(-${a})`), sym: 'neg', wasm: ins(0x8c, 0x9a, [0xe1, 0xed]) },
  max: { arity: 2, num: Math.max, ...same((a, b) => `Math.max(${a}, ${b})`), sym: 'max', wasm: ins(0x97, 0xa5, [0xe9, 0xf5]) },
  min: { arity: 2, num: Math.min, ...same((a, b) => `Math.min(${a}, ${b})`), sym: 'min', wasm: ins(0x96, 0xa4, [0xe8, 0xf4]) },
  exp: { arity: 1, num: expNum, js: (a) => `R.expNum(${a})`, gpu: (a) => `lgExp(${a})`, sym: 'exp', wasm: { helper: 'exp' } },
  log: { arity: 1, num: Math.log, ...same((a) => `Math.log(${a})`), sym: 'log', wasm: { js: 'log' } },
  tanh: { arity: 1, num: tanhNum, js: (a) => `R.tanhNum(${a})`, gpu: (a) => `lgTanh(${a})`, sym: 'tanh', wasm: { helper: 'tanh' } },
  sigmoid: {
    arity: 1,
    num: sigmoidNum,
    js: (a) => `R.sigmoidNum(${a})`,
    gpu: (a) => `lgSigmoid(${a})`,
    sym: 'sigmoid',
    wasm: { helper: 'sigmoid' },
  },
  erf: { arity: 1, num: erfNum, js: (a) => `R.erfNum(${a})`, gpu: (a) => `lgErf(${a})`, sym: 'erf', wasm: { js: 'erf' } },
  sqrt: { arity: 1, num: Math.sqrt, ...same((a) => `Math.sqrt(${a})`), sym: 'sqrt', wasm: ins(0x91, 0x9f, [0xe3, 0xef]) },
  abs: { arity: 1, num: Math.abs, ...same((a) => `Math.abs(${a})`), sym: 'abs', wasm: ins(0x8b, 0x99, [0xe0, 0xec]) },
  sin: { arity: 1, num: Math.sin, ...same((a) => `Math.sin(${a})`), sym: 'sin', wasm: { js: 'sin' } },
  cos: { arity: 1, num: Math.cos, ...same((a) => `Math.cos(${a})`), sym: 'cos', wasm: { js: 'cos' } },
  log1p: { arity: 1, num: Math.log1p, js: (a) => `Math.log1p(${a})`, gpu: (a) => `lgLog1p(${a})`, sym: 'log1p', wasm: { js: 'log1p' } },
  /** where(c, a, b) = c > 0 ? a : b */
  where: {
    arity: 3,
    num: (c, a, b) => (c! > 0 ? a! : b!),
    js: (c, a, b) => `(${c} > 0 ? ${a} : ${b})`,
    gpu: (c, a, b) => `(${c} > 0.0 ? ${a} : ${b})`,
    sym: 'where',
    wasm: { select: true },
  },
} satisfies Record<string, Prim>;

export type PrimName = keyof typeof PRIMS;

export function prim(name: PrimName): Prim {
  return PRIMS[name];
}
