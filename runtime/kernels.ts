/**
 * WebAssembly set-up for numeric modules with inner-product kernels: their heap (a
 * WebAssembly.Memory) and the kernel instance. Here rather than in the generated code, so the
 * generated .ts needs no WebAssembly typings (lib "dom" or @types/node) to type-check.
 */

/** The part of the WebAssembly API used here (the project's lib settings declare no WebAssembly value). */
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}
const wasm = (): WasmApi => (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A kernel heap: the memory object and its ArrayBuffer, which the module's typed arrays view. */
export interface KernelHeap {
  readonly memory: object;
  readonly buffer: ArrayBuffer;
}

/** A fixed-size heap of `pages` WebAssembly pages (64 KiB each). */
export function kernelHeap(pages: number): KernelHeap {
  const memory = new (wasm().Memory)({ initial: pages, maximum: pages });
  return { memory, buffer: memory.buffer };
}

/** A kernel: `gemm_<kind>(wp, xp, yp, M, N, K)` over byte offsets in the heap. */
export type Kernel = (wp: number, xp: number, yp: number, M: number, N: number, K: number) => void;

/**
 * Instantiates the kernel module `bytes` (which imports `env.mem`) over `heap`, synchronously
 * (the module is a few KiB); `Names` are its exports.
 */
export function kernelInstance<Names extends string>(bytes: Uint8Array, heap: KernelHeap): Readonly<Record<Names, Kernel>> {
  const { Module, Instance } = wasm();
  return new Instance(new Module(bytes), { env: { mem: heap.memory } }).exports as Record<Names, Kernel>;
}
