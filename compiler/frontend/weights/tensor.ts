/** What every weight reader returns, and the checks all formats share (names, finiteness). */
import { LayergenError } from '../../errors.js';

export interface LoadedTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export type WeightSet = ReadonlyMap<string, LoadedTensor>;

/** Reads one weight file's bytes; `file` is the path as shown in messages. */
/** `budget`: what the net's parameters can take at most (readers that inflate check it first). */
export interface WeightBudget {
  readonly bytes: number;
  readonly why: string;
}

export type WeightReader = (bytes: Buffer, file: string, budget?: WeightBudget) => WeightSet;

/** An error in weight file `file`, about tensor `key` where there is one. */
export function weightError(file: string, detail: string, key?: string): LayergenError {
  return new LayergenError(key === undefined ? detail : `tensor ${JSON.stringify(key)}: ${detail}`, { file });
}

/**
 * PyTorch's BatchNorm keeps an int64 step counter, `<layer>.num_batches_tracked`, in every
 * state_dict; it is not a weight, so readers skip it (only it, and only when it is integer-typed).
 */
export function isStepCounter(key: string): boolean {
  return key.endsWith('.num_batches_tracked');
}

/** The element count of a shape, or an error when a dimension is not a safe integer >= 0. */
export function elementCount(shape: readonly number[], file: string, key: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw weightError(file, `bad dimension ${d} in shape [${shape.join(', ')}]`, key);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw weightError(file, `shape [${shape.join(', ')}] is too large`, key);
  return n;
}

/** Rejects NaN and ±Infinity: a net with non-finite weights is always a mistake. */
export function checkFinite(t: LoadedTensor, file: string, key: string): LoadedTensor {
  const i = t.data.findIndex((x) => !Number.isFinite(x));
  if (i >= 0) {
    throw weightError(file, `non-finite value ${t.data[i]} at index ${fmtIndex(i, t.shape)} (weights must be finite)`, key);
  }
  return t;
}

/** A flat row-major index as `[i, j, ...]`. */
export function fmtIndex(flat: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    idx.unshift(flat % shape[k]!);
    flat = Math.floor(flat / shape[k]!);
  }
  return `[${idx.join(', ')}]`;
}
