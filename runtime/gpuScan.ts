/**
 * Recurrent scans on the GPU. A scan runs its cells once per time step, each cell one kernel
 * launch over the whole chunk (thread = example * cell size + element), with the time step as a
 * kernel argument, so every cell kernel is compiled once. States stay on the device: a state is
 * the texture (pipeline mode) its cell wrote at the previous step.
 *
 * Emitted rows go into a device-side output in two levels, so a step never copies the whole
 * [steps, width] output: each step writes its row into a block buffer of `rows` rows, and when a
 * block is done (or the scan ends) one launch copies it into the output. With rows ~ sqrt(steps)
 * a step costs O(sqrt(steps) * width) copies instead of O(steps * width); a short scan is one
 * block, the block buffer being the output itself.
 *
 * gpu.js kernels (immutable: false) overwrite their own output on every launch, and a kernel may
 * not read its own output. So every kernel that reads a buffer it also updates (row, merge) and
 * every cell whose previous value is still read (as a state) after it runs again comes as a pair
 * of kernels used on alternate launches; the others are overwritten only once nothing reads them.
 */
import type { IKernelRunShortcut } from 'gpu.js';
import type { PackedColumns } from './gpuPack.js';

/** Where a scan cell kernel's argument comes from. */
export type GpuScanArg =
  /** A net value (the sequence, all steps): its value index. */
  | { readonly value: number }
  /** A state's value from the previous step (its initial value at the first step). */
  | { readonly state: number }
  /** An earlier cell of this step. */
  | { readonly cell: number }
  /** The time step t (a number). */
  | { readonly step: true };

export interface GpuScanCell {
  readonly name: string;
  /** gpu.js kernel source; thread.x = example * size + element. */
  readonly source: string;
  /** Elements per example. */
  readonly size: number;
  readonly args: readonly GpuScanArg[];
  readonly constants: Readonly<Record<string, Float32Array | PackedColumns>>;
  /** Two kernels on alternate steps: its previous value is still read after it runs again. */
  readonly pair: boolean;
  /** A tiled cell (its value packed, `texels` per example; see GpuKernelStep in gpu.ts). */
  readonly texels?: number;
  /** A tiled cell's kernel of one float per thread, for kernel kinds without tiles. */
  readonly untiled?: Pick<GpuScanCell, 'source' | 'args' | 'constants'>;
  /** A pack or unpack cell: without tiles, the value of its one argument passes through. */
  readonly repack?: boolean;
}

export interface GpuScanState {
  /** Elements per example. */
  readonly size: number;
  /** Initial value: a net value (index) of `size` per example, a constant shared by every example, or zeros. */
  readonly init: { readonly value: number } | { readonly constant: Float32Array } | null;
}

/** A recurrent loop: cells per time step; the `emit` cell's value is row t of the output. */
export interface GpuScan {
  readonly kind: 'scan';
  /** The layer name, for messages. */
  readonly layer: string;
  /** Per-example output elements: steps * width. */
  readonly size: number;
  readonly steps: number;
  /** Walk t from steps - 1 down to 0. */
  readonly reverse: boolean;
  /** Elements of one output row (the emitted cell's size). */
  readonly width: number;
  readonly states: readonly GpuScanState[];
  readonly cells: readonly GpuScanCell[];
  /** Per state: the cell whose value it takes after each step. */
  readonly next: readonly number[];
  /** The cell written to row t. */
  readonly emit: number;
}

/** Fixed kernels of the scan machinery; sizes are arguments, so each is compiled once per scan. */
export const SCAN_KERNELS = {
  zero: `function () {
  return 0.0;
}`,
  copy: `function (v) {
  return v[this.thread.x];
}`,
  /** A constant of `size` values, repeated for every example. */
  broadcast: `function (size) {
  const t = this.thread.x;
  const q = Math.floor((t + 0.5) / size);
  const r = t - q * size;
  const b = q + (r >= size ? 1.0 : 0.0) - (r < 0.0 ? 1.0 : 0.0);
  return this.constants.c[t - b * size];
}`,
  /** The block buffer (`block` = rows * width per example) with row `row` replaced by `emit`. */
  row: `function (blk, emit, row, width, block) {
  const t = this.thread.x;
  const q = Math.floor((t + 0.5) / block);
  const r = t - q * block;
  const b = q + (r >= block ? 1.0 : 0.0) - (r < 0.0 ? 1.0 : 0.0);
  const e = t - b * block;
  const lo = row * width;
  if (e >= lo && e < lo + width) {
    return emit[b * width + e - lo];
  }
  return blk[t];
}`,
  /** The output (`total` = steps * width per example) with rows lo..hi-1 taken from the block buffer. */
  merge: `function (out, blk, lo, hi, width, total, block) {
  const t = this.thread.x;
  const q = Math.floor((t + 0.5) / total);
  const r = t - q * total;
  const b = q + (r >= total ? 1.0 : 0.0) - (r < 0.0 ? 1.0 : 0.0);
  const e = t - b * total;
  if (e >= lo * width && e < hi * width) {
    return blk[b * block + e - lo * width];
  }
  return out[t];
}`,
} as const;

/**
 * Rows per block buffer: about sqrt(steps), the whole output for scans of up to 4 steps. (Up to
 * 64 steps used to be one block: on llvmpipe, LSTM(4->128)x50 at batch 256 spent a third of its
 * time rewriting the 50-row block at every step.)
 */
export function scanBlockRows(steps: number): number {
  return steps <= 4 ? steps : Math.ceil(Math.sqrt(steps));
}

/** Per-example sizes of every buffer a scan uses (for chunking). */
export function scanSizes(s: GpuScan): number[] {
  return [s.size, s.width * scanBlockRows(s.steps), ...s.states.map((st) => st.size), ...s.cells.map((c) => c.size)];
}

/** Makes a kernel for `source` with the runner's settings (`packed`: it returns one texel, `Array(4)`). */
export type MakeKernel = (source: string, constants?: GpuScanCell['constants'], packed?: boolean) => IKernelRunShortcut;

/** A scan as a kernel kind without tiles runs it: tiled cells by their one-float kernels, pack and unpack cells passing values through. */
export function untiledScan(s: GpuScan): GpuScan {
  return { ...s, cells: s.cells.map((c) => (c.untiled ? { ...c, ...c.untiled, texels: undefined } : c)) };
}

/** Launches `k` over `size` elements per example of the current chunk, checking what ran. */
export type Launch = (k: IKernelRunShortcut, size: number, args: readonly unknown[]) => Promise<unknown>;

/** The kernels of one scan. */
export interface ScanKernels {
  readonly init: readonly IKernelRunShortcut[];
  /** Per cell, its kernels (one, or a pair); none for a pass-through cell. */
  readonly cells: readonly (readonly IKernelRunShortcut[])[];
  readonly zeroBlock: IKernelRunShortcut;
  readonly row: readonly [IKernelRunShortcut, IKernelRunShortcut];
  /** Absent when the block buffer is the whole output. */
  readonly merge: { readonly zero: IKernelRunShortcut; readonly pair: readonly [IKernelRunShortcut, IKernelRunShortcut] } | null;
  /** Value index -> a copy kernel that puts a host array on the device once (pipeline mode). */
  readonly uploads: ReadonlyMap<number, { readonly kernel: IKernelRunShortcut; readonly size: number }>;
}

/**
 * Creates a scan's kernels. `hostValue(i)` gives the per-example size of value i when it is a
 * host array that the cells would otherwise re-upload on every step (null otherwise).
 */
export function scanKernels(s: GpuScan, make: MakeKernel, hostValue: (i: number) => number | null, tiled = true): ScanKernels {
  const init = s.states.map((st) => {
    if (st.init === null) return make(SCAN_KERNELS.zero);
    if ('value' in st.init) return make(SCAN_KERNELS.copy);
    return make(SCAN_KERNELS.broadcast, { c: st.init.constant });
  });
  const cells = s.cells.map((c) => (c.repack && !tiled ? [] : (c.pair ? [0, 1] : [0]).map(() => make(c.source, c.constants, c.texels !== undefined))));
  const uploads = new Map<number, { kernel: IKernelRunShortcut; size: number }>();
  for (const c of s.cells) {
    for (const a of c.args) {
      if (!('value' in a) || uploads.has(a.value)) continue;
      const size = hostValue(a.value);
      if (size !== null) uploads.set(a.value, { kernel: make(SCAN_KERNELS.copy), size });
    }
  }
  const pair = (src: string) => [make(src), make(src)] as const;
  const merge = scanBlockRows(s.steps) < s.steps ? { zero: make(SCAN_KERNELS.zero), pair: pair(SCAN_KERNELS.merge) } : null;
  return { init, cells, zeroBlock: make(SCAN_KERNELS.zero), row: pair(SCAN_KERNELS.row), merge, uploads };
}

/** Runs a scan over the current chunk; `values` are the net's values so far. Returns its output. */
export async function runScan(s: GpuScan, ks: ScanKernels, values: readonly unknown[], launch: Launch): Promise<unknown> {
  const T = s.steps;
  const rows = scanBlockRows(T);
  const width = s.width;
  const block = rows * width;
  const device = new Map<number, unknown>();
  for (const [i, u] of ks.uploads) device.set(i, await launch(u.kernel, u.size, [values[i]]));
  const states: unknown[] = [];
  for (let j = 0; j < s.states.length; j++) {
    const st = s.states[j]!;
    const args = st.init === null ? [] : 'value' in st.init ? [values[st.init.value]] : [st.size];
    states.push(await launch(ks.init[j]!, st.size, args));
  }
  let blk = await launch(ks.zeroBlock, block, []);
  let out = ks.merge ? await launch(ks.merge.zero, s.size, []) : null;
  const cells: unknown[] = new Array(s.cells.length);
  let merges = 0;
  for (let step = 0; step < T; step++) {
    const t = s.reverse ? T - 1 - step : step;
    for (let c = 0; c < s.cells.length; c++) {
      const cell = s.cells[c]!;
      const pair = ks.cells[c]!;
      const args = cell.args.map((a) => {
        if ('value' in a) return device.has(a.value) ? device.get(a.value) : values[a.value];
        if ('state' in a) return states[a.state];
        if ('cell' in a) return cells[a.cell];
        return t;
      });
      cells[c] = pair.length ? await launch(pair[step % pair.length]!, cell.texels ?? cell.size, args) : args[0];
    }
    const blockStart = Math.floor(t / rows) * rows;
    blk = await launch(ks.row[step % 2], block, [blk, cells[s.emit], t - blockStart, width, block]);
    for (let j = 0; j < s.states.length; j++) states[j] = cells[s.next[j]!];
    const nextT = s.reverse ? t - 1 : t + 1;
    if (ks.merge && (step === T - 1 || nextT < blockStart || nextT >= blockStart + rows)) {
      const hi = Math.min(T, blockStart + rows);
      out = await launch(ks.merge.pair[merges++ % 2], s.size, [out, blk, blockStart, hi, width, s.size, block]);
    }
  }
  return out ?? blk;
}
