/**
 * WebAssembly set-up for numeric modules with inner-product kernels: their heap (a
 * WebAssembly.Memory) and the kernel instance. Here rather than in the generated code, so the
 * generated .ts needs no WebAssembly typings (lib "dom" or @types/node) to type-check.
 *
 * Where WebAssembly or its SIMD instructions are missing (an old browser, a locked-down engine),
 * the same kernels run as plain JS loops over the same heap: same order of operations, so the
 * same results bit for bit, only slower.
 *
 * Modules whose elementwise steps run in WebAssembly too (compiler/backends/numeric/wasmMap.ts)
 * get those functions (`map_<i>`) only from a WebAssembly instance; the module keeps their JS
 * loops for the fallback and calls a map only when the instance has it.
 */
import { erfNum } from './scalar.js';

/** The part of the WebAssembly API used here (the project's lib settings declare no WebAssembly value). */
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number }) => {
    readonly buffer: ArrayBuffer;
  };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: object,
  ) => { readonly exports: object };
}
const wasm = (): WasmApi | undefined =>
  (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** A kernel heap: the memory object and its ArrayBuffer, which the module's typed arrays view. */
export interface KernelHeap {
  /** The WebAssembly.Memory; null where there is no WebAssembly. */
  readonly memory: object | null;
  readonly buffer: ArrayBuffer;
}

/** A fixed-size heap of `pages` WebAssembly pages (64 KiB each); a plain ArrayBuffer without WebAssembly. */
export function kernelHeap(pages: number): KernelHeap {
  const api = wasm();
  if (api === undefined)
    return { memory: null, buffer: new ArrayBuffer(pages * 65536) };
  const memory = new api.Memory({ initial: pages, maximum: pages });
  return { memory, buffer: memory.buffer };
}

/** A kernel: `gemm_<kind>(wp, xp, yp, M, N, K)` over byte offsets in the heap. */
export type Kernel = (
  wp: number,
  xp: number,
  yp: number,
  M: number,
  N: number,
  K: number,
) => void;

/** An elementwise kernel: `map_<i>(rows, yp, ...operand byte offsets)`. */
export type MapKernel = (...args: number[]) => void;

/** Functions of float64 that kernel modules may import (`math.<name>`), for primitives without an instruction. */
const MATH_IMPORTS = {
  exp: Math.exp,
  log: Math.log,
  sin: Math.sin,
  cos: Math.cos,
  log1p: Math.log1p,
  erf: erfNum,
};

/**
 * Instantiates the kernel module `bytes` (which imports `env.mem`, and functions of `math`) over
 * `heap`, synchronously (the module is a few KiB); `Names` are its inner-product kernels, `Maps`
 * its elementwise ones. With `js: true`, or when WebAssembly cannot run it, the JS versions of
 * the inner-product kernels and no maps.
 */
export function kernelInstance<Names extends string, Maps extends string = never>(
  bytes: Uint8Array,
  heap: KernelHeap,
  opts: { readonly js?: boolean } = {},
): KernelSet<Names, Maps> {
  const api = wasm();
  if (api !== undefined && heap.memory !== null && !opts.js) {
    try {
      return new api.Instance(new api.Module(bytes), {
        env: { mem: heap.memory },
        math: MATH_IMPORTS,
      }).exports as KernelSet<Names, Maps>;
    } catch {
      // no SIMD here: fall through to the JS kernels
    }
  }
  return jsKernels(heap.buffer) as unknown as KernelSet<Names, Maps>;
}

/** A kernel instance: its inner-product kernels, and its maps where it runs WebAssembly. */
export type KernelSet<Names extends string, Maps extends string> = Readonly<Record<Names, Kernel>> &
  Partial<Readonly<Record<Maps, MapKernel>>>;

/**
 * The kernels as JS loops (see compiler/backends/numeric/wasmKernel.ts for the contract):
 * Y[m, o] = sum_k WT[k, o] * X[m, k], summed over k in order, float32 kinds rounding each
 * operation like WebAssembly's f32 instructions.
 */
function jsKernels(
  buffer: ArrayBuffer,
): Record<"gemm_f32" | "gemm_f64w32" | "gemm_f64w64", Kernel> {
  const F32 = new Float32Array(buffer);
  const F64 = new Float64Array(buffer);
  const gemm =
    (
      X: Float32Array | Float64Array,
      W: Float32Array | Float64Array,
      round: (v: number) => number,
    ): Kernel =>
    (wp, xp, yp, M, N, K) => {
      const w0 = wp / W.BYTES_PER_ELEMENT;
      const x0 = xp / X.BYTES_PER_ELEMENT;
      const y0 = yp / X.BYTES_PER_ELEMENT;
      for (let m = 0; m < M; m++) {
        for (let o = 0; o < N; o++) {
          let s = 0;
          for (let k = 0; k < K; k++)
            s = round(s + round(W[w0 + k * N + o]! * X[x0 + m * K + k]!));
          X[y0 + m * N + o] = s;
        }
      }
    };
  const same = (v: number): number => v;
  return {
    gemm_f32: gemm(F32, F32, Math.fround),
    gemm_f64w32: gemm(F64, F32, same),
    gemm_f64w64: gemm(F64, F64, same),
  };
}
