/** Shape ops: flatten, reshape, permute (row-major, over the per-example axes). */
import { ShapeError } from '../errors.js';
import type { Ix } from '../ir/formula.js';
import { I, flatIndex, outIndex } from '../ir/formula.js';
import { fmtShape, size } from '../ir/graph.js';
import { normAxis } from './shapeRules.js';
import type { OpDef } from './types.js';

/** The input multi-index of a row-major element whose flat index is `flat`. */
function unflatten(flat: Ix, shape: readonly number[]): Ix[] {
  return shape.map((_, d) => {
    const q = I.div(flat, size(shape.slice(d + 1)));
    return d === 0 ? q : I.mod(q, shape[d]!);
  });
}

/** Ops that only reinterpret the row-major data: out element k is in element k. */
function sameData(outShape: readonly number[], inShape: readonly number[]): Ix[] {
  return unflatten(flatIndex(outIndex(outShape.length), outShape), inShape);
}

export const flatten: OpDef = {
  type: 'flatten',
  torch: 'nn.Flatten(start_dim=start+1, end_dim=end) (axes counted without the batch)',
  doc: 'merges axes start..end into one',
  attrs: {
    start: { type: 'int', default: 0, doc: 'first axis to merge' },
    end: { type: 'int', default: -1, doc: 'last axis to merge' },
  },
  arity: { min: 1, max: 1 },
  shape(a, [x]) {
    const r = x!.shape.length;
    const s = normAxis(a.start as number, r, 'start');
    const e = normAxis(a.end as number, r, 'end');
    if (s > e) throw new ShapeError(`start axis ${a.start} comes after end axis ${a.end}`);
    return { shape: [...x!.shape.slice(0, s), size(x!.shape.slice(s, e + 1)), ...x!.shape.slice(e + 1)], dtype: x!.dtype };
  },
  formula: (_a, [x], out, b) => b.input(0, sameData(out.shape, x!.shape)),
};

export const reshape: OpDef = {
  type: 'reshape',
  torch: 'x.reshape(batch, *shape)',
  doc: 'the same row-major data in a new shape (one -1 allowed)',
  attrs: { shape: { type: 'ints', doc: 'new per-example shape; one -1 is inferred' } },
  arity: { min: 1, max: 1 },
  shape(a, [x]) {
    const want = a.shape as readonly number[];
    const n = size(x!.shape);
    const free = want.filter((d) => d === -1).length;
    if (free > 1 || want.some((d) => d === 0 || d < -1)) throw new ShapeError(`shape ${fmtShape(want)}: dimensions must be positive, with at most one -1`);
    const known = size(want.filter((d) => d !== -1));
    if (free ? n % known !== 0 : known !== n) {
      throw new ShapeError(`cannot reshape ${fmtShape(x!.shape)} (${n} elements) to ${fmtShape(want)}`);
    }
    return { shape: want.map((d) => (d === -1 ? n / known : d)), dtype: x!.dtype };
  },
  formula: (_a, [x], out, b) => b.input(0, sameData(out.shape, x!.shape)),
};

export const permute: OpDef = {
  type: 'permute',
  torch: 'x.permute(0, *[d + 1 for d in dims])',
  doc: 'reorders axes: output axis k is input axis dims[k]',
  attrs: { dims: { type: 'ints', doc: 'a permutation of the per-example axes' } },
  arity: { min: 1, max: 1 },
  shape(a, [x]) {
    const r = x!.shape.length;
    const dims = (a.dims as readonly number[]).map((d) => normAxis(d, r, 'dims entry'));
    if (dims.length !== r || new Set(dims).size !== r) throw new ShapeError(`dims ${fmtShape(a.dims as number[])} is not a permutation of the ${r} axes`);
    return { shape: dims.map((d) => x!.shape[d]!), dtype: x!.dtype };
  },
  formula(a, [x], out, b) {
    const r = x!.shape.length;
    const dims = (a.dims as readonly number[]).map((d) => normAxis(d, r));
    const at = outIndex(out.shape.length);
    const src: Ix[] = new Array(r);
    dims.forEach((d, k) => (src[d] = at[k]!));
    return b.input(0, src);
  },
};

export const squeeze: OpDef = {
  type: 'squeeze',
  torch: 'x.squeeze(dims) (per-example axes)',
  doc: 'drops axes of size 1: the given ones, or every one (a tensor of one element keeps [1])',
  attrs: { axes: { type: 'ints', default: [], doc: 'per-example axes to drop, each of size 1 (negative counts from the end); empty: all of size 1' } },
  arity: { min: 1, max: 1 },
  shape(a, [x]) {
    const r = x!.shape.length;
    const given = (a.axes as readonly number[]).map((d) => normAxis(d, r, 'axes entry'));
    for (const d of given) if (x!.shape[d] !== 1) throw new ShapeError(`axis ${d} of ${fmtShape(x!.shape)} has size ${x!.shape[d]}, not 1`);
    const drop = new Set(given.length ? given : x!.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
    const shape = x!.shape.filter((_, i) => !drop.has(i));
    return { shape: shape.length ? shape : [1], dtype: x!.dtype };
  },
  formula: (_a, [x], out, b) => b.input(0, sameData(out.shape, x!.shape)),
};

export const unsqueeze: OpDef = {
  type: 'unsqueeze',
  torch: 'x.unsqueeze(axis + 1)',
  doc: 'inserts an axis of size 1 at a per-example position (negative counts from the end of the result)',
  attrs: { axis: { type: 'int', doc: 'where the new axis goes in the result (0 .. rank; negative from the end)' } },
  arity: { min: 1, max: 1 },
  shape(a, [x]) {
    const axis = normAxis(a.axis as number, x!.shape.length + 1);
    return { shape: [...x!.shape.slice(0, axis), 1, ...x!.shape.slice(axis)], dtype: x!.dtype };
  },
  formula: (_a, [x], out, b) => b.input(0, sameData(out.shape, x!.shape)),
};
