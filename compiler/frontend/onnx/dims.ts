/**
 * Shape arithmetic on ONNX dimension lists (the batch size as the symbol 'N'): Unsqueeze,
 * Squeeze and Slice's index ranges, shared by the folders (fold.ts, on known values) and the
 * shape mappers (mappers/shape.ts, on run-time tensors).
 */
import { NodeError } from './model.js';
import { normAxis, type Dim } from './values.js';

export function unsqueezeDims(dims: readonly Dim[], axes: readonly number[]): Dim[] {
  const r = dims.length + axes.length;
  const at = new Set(axes.map((a) => normAxis(a, r, 'axes entry')));
  if (at.size !== axes.length) throw new NodeError(`axes [${axes.join(', ')}] name an axis twice`);
  const out: Dim[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) out.push(at.has(i) ? 1 : dims[k++]!);
  return out;
}

export function squeezeDims(dims: readonly Dim[], axes: readonly number[] | undefined): Dim[] {
  const drop = new Set(axes ? axes.map((a) => normAxis(a, dims.length, 'axes entry')) : dims.flatMap((d, i) => (d === 1 ? [i] : [])));
  for (const a of drop) if (dims[a] !== 1) throw new NodeError(`cannot squeeze axis ${a} of size ${dims[a]}`);
  return dims.filter((_, i) => !drop.has(i));
}

/** Slice's resolved ranges: per axis, the selected indices. */
export function sliceIndices(n: number, start: number, end: number, step: number): number[] {
  if (step === 0) throw new NodeError('slice step 0');
  const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
  let s = start < 0 ? start + n : start;
  let e = end < 0 ? end + n : end;
  s = step > 0 ? clamp(s, 0, n) : clamp(s, -1, n - 1);
  e = step > 0 ? clamp(e, 0, n) : clamp(e, -1, n - 1);
  const out: number[] = [];
  for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(i);
  return out;
}
