/**
 * Shape ops on run-time tensors. Most are views: the same per-example data in another ONNX shape
 * (Flatten, Reshape, Squeeze, Unsqueeze, a Transpose that keeps the non-batch axes in order) and
 * need no layer; the rest become permute / concat / slice layers. Gather / Slice with constant
 * indices select whole rows of the data (segments), which is how exporters pick a recurrent
 * layer's last state; other Slices become slice layers, and a Gather that layergen cannot
 * compute is an error where it is used.
 */
import { attrInt, attrInts, NodeError } from '../model.js';
import { resolvesWhole, sliceSegs } from '../net.js';
import { sliceIndices, squeezeDims, unsqueezeDims } from '../dims.js';
import { sliceArgs } from '../fold.js';
import { dimsOf, fmt, nums, normAxis, size, view, type Dim, type Seg, type Tensor, type Value } from '../values.js';
import { exampleAxis, layer, result, type Cx, type Mapper } from './common.js';

/** Resolves a Reshape target against a tensor: 0 copies, -1 infers, the batch stays one axis. */
function reshapeTarget(t: Tensor, target: readonly Dim[], allowZero: boolean, staticBatch: boolean): Dim[] {
  const from = dimsOf(t);
  if (t.batchAxis < 0) {
    // The batch is fixed: every dimension is known, and -1 takes what is left.
    const out = target.map((d, i) => (d === 0 && !allowZero ? from[i]! : d)) as number[];
    const free = out.indexOf(-1);
    const known = size(out.filter((d) => d !== -1));
    if (free >= 0) out[free] = size(t.shape) / known;
    if (size(out) !== size(t.shape) || out.some((d) => !Number.isInteger(d) || d < 1) || target.includes('N')) throw new NodeError(`cannot reshape ${fmt(from)} to ${fmt(target)}`);
    return out;
  }
  const out = target.map((d, i) => (d === 0 && !allowZero ? from[i]! : d));
  const per = size(t.shape);
  const known = size(out.filter((d): d is number => d !== 'N' && d !== -1));
  if (!out.includes('N') && staticBatch) {
    // A model exported with a fixed batch of 1 has a literal 1 (or the -1) where the batch goes.
    const before = size(t.shape.slice(0, t.batchAxis));
    const p = out.findIndex((d, i) => (d === 1 || (d === -1 && known === per)) && size(out.slice(0, i).map((x) => (x === -1 ? 1 : x)) as number[]) === before);
    if (p >= 0) out[p] = 'N';
  }
  const free = out.indexOf(-1);
  const hasN = out.includes('N');
  const knownNow = size(out.filter((d): d is number => d !== 'N' && d !== -1));
  if (free >= 0) {
    if (hasN) {
      if (per % knownNow !== 0) throw new NodeError(`cannot reshape ${fmt(from)} to ${fmt(target)}`);
      out[free] = per / knownNow;
    } else if (knownNow === per) out[free] = 'N';
    else throw new NodeError(`reshape of ${fmt(from)} to ${fmt(target)} merges the batch axis with other axes`);
  } else if (!hasN) throw new NodeError(`reshape of ${fmt(from)} to ${fmt(target)} does not keep the batch axis`);
  const outPer = out.filter((d): d is number => d !== 'N');
  if (size(outPer) !== per || outPer.some((d) => d < 1)) throw new NodeError(`cannot reshape ${fmt(from)} to ${fmt(target)}`);
  // The data of one example stays in order only if the axes before the batch hold as many elements.
  const b = out.indexOf('N');
  if (size(out.slice(0, b) as number[]) !== size(t.shape.slice(0, t.batchAxis))) {
    throw new NodeError(`reshape of ${fmt(from)} to ${fmt(out)} moves data across the batch axis`);
  }
  return out;
}

/** Rows [i*Q, (i+1)*Q) of the data when the axes before `axis` hold one element (P = 1). */
function selectRows(t: Tensor, axis: number, indices: readonly number[], dims: readonly Dim[]): Tensor {
  const before = size(t.shape.slice(0, axis));
  if (before !== 1) {
    throw new NodeError(`selecting along axis ${axis} of ${fmt(dimsOf(t))} picks scattered elements; layergen has no slice or gather layer`);
  }
  const q = size(t.shape.slice(axis + 1));
  const segs: Seg[] = indices.flatMap((i) => sliceSegs(t.segs, i * q, q));
  return view({ ...t, segs, shape: t.shape.map((d, i) => (i === axis ? indices.length : d)) }, dims);
}

const flatten: Mapper = (cx) => {
  const t = cx.tensor(0);
  const dims = dimsOf(t);
  const raw = attrInt(cx.node, 'axis', 1);
  const a = raw < 0 ? raw + dims.length : raw;
  const groups = [dims.slice(0, a), dims.slice(a)];
  const out = groups.map((g) => (g.includes('N') ? (size(g.filter((d): d is number => d !== 'N')) === 1 ? 'N' : -1) : size(g as number[])));
  if (out.includes(-1)) throw new NodeError(`Flatten at axis ${raw} of ${fmt(dims)} merges the batch axis with other axes`);
  return [view(t, out as Dim[])];
};

const reshape: Mapper = (cx) => {
  const t = cx.tensor(0);
  const target = cx.constant(1, 'the shape').data;
  return [view(t, reshapeTarget(t, target, attrInt(cx.node, 'allowzero', 0) === 1, cx.staticBatch))];
};

const transpose: Mapper = (cx) => {
  const t = cx.tensor(0);
  const dims = dimsOf(t);
  const perm = cx.node.attrs.has('perm') ? attrInts(cx.node, 'perm').map((p) => normAxis(p, dims.length, 'perm entry')) : dims.map((_, i) => dims.length - 1 - i);
  if (perm.length !== dims.length || new Set(perm).size !== perm.length) throw new NodeError(`perm [${perm.join(', ')}] is not a permutation of ${dims.length} axes`);
  const outDims = perm.map((p) => dims[p]!);
  const b = t.batchAxis;
  const q = b < 0 ? perm : perm.filter((p) => p !== b).map((p) => (p > b ? p - 1 : p));
  if (q.every((p, i) => p === i)) return [view(t, outDims)];
  const src = cx.net.materialize(t, cx.node.name);
  return [result(layer(cx, 'permute', [src], { dims: q }), outDims.filter((d): d is number => d !== 'N'), b < 0 ? -1 : perm.indexOf(b))];
};

const squeeze: Mapper = (cx) => {
  const t = cx.tensor(0);
  const axes = cx.opset >= 13 ? (cx.has(1) ? nums(cx.constant(1, 'axes')) : undefined) : cx.node.attrs.has('axes') ? [...attrInts(cx.node, 'axes')] : undefined;
  return [view(t, squeezeDims(dimsOf(t), axes))];
};

const unsqueeze: Mapper = (cx) => {
  const t = cx.tensor(0);
  const axes = cx.opset >= 13 ? nums(cx.constant(1, 'axes')) : [...attrInts(cx.node, 'axes')];
  return [view(t, unsqueezeDims(dimsOf(t), axes))];
};

const concat: Mapper = (cx) => {
  const ts = cx.ins.map((_, i) => cx.tensor(i));
  const first = ts[0]!;
  const axis = exampleAxis(first, attrInt(cx.node, 'axis'));
  ts.forEach((t, i) => {
    const same = t.batchAxis === first.batchAxis && t.shape.length === first.shape.length && t.shape.every((d, j) => j === axis || d === first.shape[j]);
    if (!same) throw new NodeError(`input ${i} of shape ${fmt(dimsOf(t))} does not match ${fmt(dimsOf(first))} outside the concat axis`);
    if (t.dtype !== first.dtype) throw new NodeError('inputs of different types');
  });
  const shape = first.shape.map((d, j) => (j === axis ? ts.reduce((a, t) => a + t.shape[axis]!, 0) : d));
  if (size(first.shape.slice(0, axis)) === 1) {
    // Joining along the first per-example axis concatenates the data: kept as segments (so that
    // rows picked later, e.g. one layer's final state out of h_n, still resolve), concatenated when used.
    return [{ ...first, shape, segs: ts.flatMap((t) => t.segs) }];
  }
  const srcs = ts.map((t) => cx.net.materialize(t, cx.node.name));
  return [result(layer(cx, 'concat', srcs, { axis: axis === first.shape.length - 1 ? -1 : axis }), shape, first.batchAxis)];
};

const gather: Mapper = (cx) => {
  if (cx.known(0)) return embedding(cx);
  const t = cx.tensor(0);
  const idx = cx.known(1);
  if (!idx || idx.kind !== 'const') throw new NodeError('Gather with run-time indices from a run-time tensor: only Gather(constant table, token ids) (an embedding) is supported');
  const a = exampleAxis(t, attrInt(cx.node, 'axis', 0));
  const n = t.shape[a]!;
  const indices = nums(idx, 'indices').map((i) => (i < 0 ? i + n : i));
  if (indices.some((i) => i < 0 || i >= n)) throw new NodeError(`indices out of range for an axis of size ${n}`);
  const dims = dimsOf(t);
  const onnxAxis = t.batchAxis >= 0 && a >= t.batchAxis ? a + 1 : a;
  const outDims = [...dims.slice(0, onnxAxis), ...idx.shape, ...dims.slice(onnxAxis + 1)];
  return [selectRows(t, a, indices, outDims)];
};

/**
 * Slice: rows of states and rows that are whole layers stay segments (a recurrent layer's last
 * state picked out of its sequence or h_n); any other selection is a `slice` layer per axis.
 */
const slice: Mapper = (cx) => {
  let t = cx.tensor(0);
  for (const s of sliceArgs(cx.node, cx.ins, cx.opset, dimsOf(t).length)) {
    if (s.axis === t.batchAxis) {
      if (s.start === 0 && s.step === 1 && s.end >= 2 ** 31) continue;
      throw new NodeError('Slice along the batch axis');
    }
    const a = exampleAxis(t, s.axis);
    const n = t.shape[a]!;
    const indices = sliceIndices(n, s.start, s.end, s.step);
    if (indices.length === n && indices.every((i, k) => i === k)) continue;
    if (indices.length === 0) throw new NodeError(`Slice ${s.start}:${s.end}:${s.step} of an axis of size ${n} selects no elements`);
    const dims = dimsOf(t);
    dims[s.axis] = indices.length;
    const rows = size(t.shape.slice(0, a)) === 1 ? selectRows(t, a, indices, dims) : undefined;
    // Rows of a state tensor (axes before the batch: h0 / h_n's layers and directions) stay
    // segments for the recurrent layers that take them; so do rows that resolve to whole layers,
    // and negative steps (usable only where they resolve, an error where used otherwise).
    if (rows && (s.axis < t.batchAxis || s.step < 0 || resolvesWhole(rows.segs))) {
      t = rows;
      continue;
    }
    if (s.step < 0) throw new NodeError(`Slice with step ${s.step}: the slice layer steps forwards only`);
    const src = cx.net.materialize(t, cx.node.name);
    const last = indices[indices.length - 1]!;
    const attrs = {
      axis: a === t.shape.length - 1 ? -1 : a,
      ...(indices[0] !== 0 ? { start: indices[0]! } : {}),
      ...(last + s.step < n ? { end: last + 1 } : {}),
      ...(s.step !== 1 ? { step: s.step } : {}),
    };
    t = result(layer(cx, 'slice', [src], attrs), t.shape.map((d, i) => (i === a ? indices.length : d)), t.batchAxis);
  }
  return [t];
};

/** Gather(weight [V, U], token ids) -> embedding. */
function embedding(cx: Cx): Value[] {
  const w = cx.constant(0, 'the table');
  const tokens = cx.tensor(1);
  if (attrInt(cx.node, 'axis', 0) !== 0) throw new NodeError('Gather of a constant table along an axis other than 0');
  if (w.shape.length !== 2) throw new NodeError(`embedding table of shape ${fmt(w.shape)}: expected [vocab, units]`);
  if (tokens.dtype !== 'int') throw new NodeError('embedding indices must be an integer input');
  const [vocab, units] = w.shape as [number, number];
  const src = cx.net.materialize(tokens, cx.node.name);
  const out = layer(cx, 'embedding', [src], { vocab, units }, { weight: { shape: [vocab, units], data: Float64Array.from(nums(w, 'table')) } });
  return [result(out, [...tokens.shape, units], tokens.batchAxis)];
}

const cast: Mapper = (cx) => {
  const t = cx.tensor(0);
  const to = attrInt(cx.node, 'to');
  const float = to === 1 || to === 10 || to === 11 || to === 16;
  if (float && t.dtype === 'float') return [t];
  if (!float && t.dtype === 'int' && (to === 6 || to === 7)) return [t];
  throw new NodeError(`Cast of a ${t.dtype} tensor to type ${to}: layergen converts no tensor types`);
};

export const SHAPE: Readonly<Record<string, Mapper>> = {
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Gather: gather,
  Slice: slice,
  Cast: cast,
};
