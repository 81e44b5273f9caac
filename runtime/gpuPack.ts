/** Packed weights of the gpu module's tiled kernels (the compiler's gpujs/schedule.ts). */

/** A weight W [N, K] (row-major) to be packed four outputs to a texel for tiled kernels (see expandColumns). */
export interface PackedColumns {
  readonly packedColumns: Float32Array;
  readonly N: number;
  readonly K: number;
}

/** The packed form of a weight, described: packed (expandColumns) only when a tiled kernel is built with it. */
export function packColumns(w: Float32Array, N: number, K: number): PackedColumns {
  return { packedColumns: w, N, K };
}

export const isPackedColumns = (v: unknown): v is PackedColumns => typeof v === 'object' && v !== null && 'packedColumns' in v;
const expanded = new WeakMap<PackedColumns, Float32Array[]>();

/** Entry k * ceil(N / 4) + q holds W[4q .. 4q + 3, k], zero past N (once per weight). */
export function expandColumns(p: PackedColumns): Float32Array[] {
  const known = expanded.get(p);
  if (known) return known;
  const { packedColumns: w, N, K } = p;
  const N4 = Math.ceil(N / 4);
  const out: Float32Array[] = [];
  for (let k = 0; k < K; k++) {
    for (let q = 0; q < N4; q++) {
      const t = new Float32Array(4);
      for (let l = 0; l < 4 && 4 * q + l < N; l++) t[l] = w[(4 * q + l) * K + k]!;
      out.push(t);
    }
  }
  expanded.set(p, out);
  return out;
}
