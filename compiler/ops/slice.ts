/** slice: a strided range along one axis, as Python / PyTorch slicing `x[..., start:end:step, ...]`. */
import { ShapeError } from '../errors.js';
import { I, outIndex } from '../ir/formula.js';
import { fmtShape, type Attrs } from '../ir/graph.js';
import { normAxis } from './shapeRules.js';
import type { OpDef } from './types.js';

/** `end`'s default: past any axis, so that clamping makes it the axis size (ONNX's INT_MAX idiom). */
const TO_END = 2147483647;

/** Python's slice bounds: negative counts from the end, then clamped to 0..n. */
function bound(v: number, n: number): number {
  return Math.min(Math.max(v < 0 ? v + n : v, 0), n);
}

/** The resolved first index, step and length of `x[start:end:step]` on an axis of size n. */
export function sliceRange(a: Attrs, n: number): { start: number; step: number; length: number } {
  const step = a.step as number;
  const start = bound(a.start as number, n);
  const end = bound(a.end as number, n);
  return { start, step, length: Math.max(0, Math.ceil((end - start) / step)) };
}

export const slice: OpDef = {
  type: 'slice',
  torch: 'x[:, ..., start:end:step] (on axis + 1; the batch axis is not counted)',
  doc: 'elements start, start+step, ... before end along an axis (negative start / end count from the end, clamped as in Python)',
  attrs: {
    axis: { type: 'int', doc: 'axis to slice (negative counts from the end)' },
    start: { type: 'int', default: 0, doc: 'first index' },
    end: { type: 'int', default: TO_END, shown: 'end', doc: 'index to stop before (the default runs to the end)' },
    step: { type: 'int', min: 1, default: 1, doc: 'stride' },
  },
  arity: { min: 1, max: 1 },
  shape(a, [x]) {
    const axis = normAxis(a.axis as number, x!.shape.length);
    if (!Number.isInteger(a.step) || (a.step as number) < 1) throw new ShapeError(`step ${a.step} must be an integer >= 1`);
    const n = x!.shape[axis]!;
    const { length } = sliceRange(a, n);
    if (length < 1) {
      const end = a.end === TO_END ? '' : String(a.end);
      throw new ShapeError(`slice ${a.start}:${end}:${a.step} of axis ${axis} (size ${n}) of ${fmtShape(x!.shape)} selects no elements`);
    }
    return { shape: x!.shape.map((d, i) => (i === axis ? length : d)), dtype: x!.dtype };
  },
  formula(a, [x], out, b) {
    const axis = normAxis(a.axis as number, x!.shape.length);
    const { start, step } = sliceRange(a, x!.shape[axis]!);
    const at = outIndex(out.shape.length);
    return b.input(0, at.map((v, d) => (d === axis ? I.add(I.scale(v, step), start) : v)));
  },
};
