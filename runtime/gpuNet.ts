/**
 * The net a generated gpu module describes to the runner (gpu.ts): its steps (kernel sources,
 * where their arguments come from, tiled and GLSL forms), inputs and outputs.
 */
import type { GpuScan } from './gpuScan.js';
import type { PackedColumns } from './gpuPack.js';

/** One compute step: a kernel source and where its arguments come from. */
export interface GpuKernelStep {
  readonly kind?: 'kernel';
  /** The layer name, for messages. */
  readonly layer: string;
  /** gpu.js kernel source (starts with `function`); thread.x indexes the flat chunk output. */
  readonly source: string;
  /** Per-example output elements. */
  readonly size: number;
  /** Value index of each kernel argument (inputs first, then step outputs in order). */
  readonly args: readonly number[];
  /** `this.constants` of the kernel: parameters and constant tensors (a tiled kernel's weight: packed, see packColumns). */
  readonly constants: Readonly<Record<string, Float32Array | PackedColumns>>;
  /**
   * A tiled step (the compiler's gpujs/schedule.ts): its value is packed, `texels` RGBA texels
   * per example (four floats each, the lanes past `size` zero), one per thread (gpu.js `Array(4)`).
   */
  readonly texels?: number;
  /** A tiled step's kernel of one float per thread, reading its inputs flat, for kernel kinds without tiles. */
  readonly untiled?: Pick<GpuKernelStep, 'source' | 'args' | 'constants'>;
  /** A pack or unpack kernel: without tiles, the value passes through. */
  readonly repack?: boolean;
  /**
   * A tiled step's epilogue as GLSL (`vec4 lg_epilogue(vec4 s, float q)`: outputs 4q .. 4q + 3
   * from their sums s, reading `params[i]` at a flat index through `lg_p<i>(index)`), for the
   * shader chain (gpuShaders.ts); absent where the epilogue has no GLSL form.
   */
  readonly glsl?: { readonly epilogue: string; readonly params: readonly Float32Array[] };
}

/** A compute step: one kernel, or a recurrent scan (kernels per time step). */
export type GpuStep = GpuKernelStep | GpuScan;

export type GpuOutput =
  /** `texels`: a packed value (see GpuKernelStep), unpacked as it is read back. */
  | { readonly name: string; readonly size: number; readonly value: number; readonly texels?: number }
  /** An output that is a compile-time constant: the same for every example. */
  | { readonly name: string; readonly size: number; readonly constant: Float32Array };

/** A compiled net as the generated module describes it to the runner. */
export interface GpuNet {
  /** e.g. `mlp.gpu`, for messages. */
  readonly module: string;
  readonly inputs: readonly { readonly name: string; readonly size: number }[];
  readonly steps: readonly GpuStep[];
  readonly outputs: readonly GpuOutput[];
}
