/**
 * Constant propagation of the shape-helper subgraphs exporters write (Shape / Gather / Unsqueeze /
 * Concat / ConstantOfShape / Expand / Slice / Cast building reshape targets and initial states):
 * each op here runs at import time on known values. The batch size stays the symbol 'N'; a
 * constant of a batch-dependent shape stays a `fill`. What cannot be folded (arithmetic on the
 * batch size, say) is an error naming the node.
 */
import { NodeError, attrInt, attrInts, attrTensor, attrFloat, type OnnxNode } from './model.js';
import { sliceIndices, squeezeDims, unsqueezeDims } from './dims.js';
import { constant, dimsOf, fmt, nums, normAxis, size, type Const, type ConstDType, type Dim, type Fill, type Value } from './values.js';

export type Folder = (n: OnnxNode, ins: readonly (Value | undefined)[], opset: number) => Value[];

const need = (ins: readonly (Value | undefined)[], i: number, what = `input ${i}`): Const | Fill => {
  const v = ins[i];
  if (!v || (v.kind !== 'const' && v.kind !== 'fill')) throw new NodeError(`${what} must be a constant`);
  return v;
};

/** A fill whose dims are all known becomes an ordinary constant. */
function settle(v: Const | Fill): Const | Fill {
  if (v.kind === 'fill' && v.dims.every((d) => d !== 'N')) return constant(v.dtype, v.dims as number[], new Array<Dim>(size(v.dims as number[])).fill(v.value));
  return v;
}

function dimsOfKnown(v: Const | Fill): readonly Dim[] {
  return v.kind === 'const' ? v.shape : v.dims;
}

/** Ints from an input or an attribute (opset-dependent placement of axes and the like). */
function intsFrom(n: OnnxNode, ins: readonly (Value | undefined)[], i: number, key: string): number[] | undefined {
  if (ins[i]) return nums(need(ins, i) as Const, key);
  return n.attrs.has(key) ? [...attrInts(n, key)] : undefined;
}

/** intsFrom for an argument the op requires. */
function requiredInts(n: OnnxNode, ins: readonly (Value | undefined)[], i: number, key: string): number[] {
  const v = intsFrom(n, ins, i, key);
  if (!v) throw new NodeError(`${n.opType} needs its ${key} (input ${i}, or the attribute)`);
  return v;
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1]! * shape[d + 1]!;
  return s;
}

/** Element indices of a row-major shape, as multi-indices. */
function unravel(flat: number, shape: readonly number[]): number[] {
  const st = strides(shape);
  return shape.map((_, d) => Math.floor(flat / st[d]!) % shape[d]!);
}

function asConst(v: Const | Fill, what: string): Const {
  const s = settle(v);
  if (s.kind === 'fill') throw new NodeError(`${what} has a batch-dependent shape ${fmt(s.dims)}, which layergen cannot compute with here`);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Elementwise arithmetic with numpy broadcasting; the batch symbol passes only through identities.

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new NodeError(`cannot broadcast ${fmt(a)} with ${fmt(b)}`);
    return Math.max(x, y);
  });
}

function at(c: Const, idx: readonly number[]): Dim {
  const off = idx.length - c.shape.length;
  const st = strides(c.shape);
  let k = 0;
  c.shape.forEach((d, i) => (k += (d === 1 ? 0 : idx[i + off]!) * st[i]!));
  return c.data[k]!;
}

function elementwise(cs: readonly Const[], dtype: ConstDType, f: (...xs: Dim[]) => Dim): Const {
  const shape = cs.map((c) => c.shape).reduce(broadcastShape);
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    return f(...cs.map((c) => at(c, idx)));
  });
  return constant(dtype, shape, data);
}

const sym = (what: string): never => {
  throw new NodeError(`${what} of the batch size cannot be folded`);
};

function arith(op: string, x: Dim, y: Dim, isInt: boolean): Dim {
  if (x === 'N' || y === 'N') {
    if (op === 'Mul' && (x === 1 || y === 1)) return x === 1 ? y : x;
    if ((op === 'Add' && (x === 0 || y === 0)) || (op === 'Sub' && y === 0)) return x === 0 && op === 'Add' ? y : x;
    if (op === 'Div' && y === 1) return x;
    if (op === 'Max' && (x === 1 || y === 1 || x === 0 || y === 0)) return x === 'N' ? x : y;
    return sym(op);
  }
  switch (op) {
    case 'Add':
      return x + y;
    case 'Sub':
      return x - y;
    case 'Mul':
      return x * y;
    case 'Div':
      return isInt ? Math.trunc(x / y) : x / y;
    case 'Pow':
      return x ** y;
    case 'Max':
      return Math.max(x, y);
    case 'Min':
      return Math.min(x, y);
  }
  return sym(op);
}

function compare(op: string, x: Dim, y: Dim): number {
  if (x === 'N' || y === 'N') {
    // The batch size is >= 1: it differs from every number below 1 (PyTorch's -1 and 0 markers).
    const other = x === 'N' ? y : x;
    if (op === 'Equal' && other !== 'N' && other < 1) return 0;
    return sym(op);
  }
  return op === 'Equal' ? +(x === y) : op === 'Less' ? +(x < y) : +(x > y);
}

const binary =
  (op: string): Folder =>
  (_n, ins) => {
    const [a, b] = [asConst(need(ins, 0), 'input 0'), asConst(need(ins, 1), 'input 1')];
    const isInt = a.dtype !== 'float';
    return [elementwise([a, b], a.dtype, (x, y) => arith(op, x!, y!, isInt))];
  };

const comparison =
  (op: string): Folder =>
  (_n, ins) =>
    [elementwise([asConst(need(ins, 0), 'input 0'), asConst(need(ins, 1), 'input 1')], 'bool', (x, y) => compare(op, x!, y!))];

const unary =
  (f: (x: number) => number): Folder =>
  (_n, ins) => {
    const a = asConst(need(ins, 0), 'input 0');
    return [elementwise([a], a.dtype, (x) => (x === 'N' ? sym('this op') : f(x!)))];
  };

// ---------------------------------------------------------------------------------------------
// Shape ops on constants (data moved) and fills (dims only).

function reshapeDims(from: readonly Dim[], target: readonly Dim[], allowZero: boolean): Dim[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? from[i]! : d));
  const free = out.indexOf(-1);
  if (free >= 0) {
    const known = out.filter((_, i) => i !== free);
    const nIn = from.filter((d) => d === 'N').length - known.filter((d) => d === 'N').length;
    const numIn = size(from.filter((d): d is number => d !== 'N'));
    const numKnown = size(known.filter((d): d is number => d !== 'N'));
    if (nIn < 0 || nIn > 1 || numIn % numKnown !== 0) throw new NodeError(`cannot reshape ${fmt(from)} to ${fmt(target)}`);
    const rest = numIn / numKnown;
    out[free] = nIn === 1 ? (rest === 1 ? 'N' : sym('a multiple')) : rest;
  }
  return out;
}

function transposeConst(c: Const, perm: readonly number[]): Const {
  const shape = perm.map((p) => c.shape[p]!);
  const st = strides(c.shape);
  const data = Array.from({ length: c.data.length }, (_, i) => {
    const idx = unravel(i, shape);
    let k = 0;
    perm.forEach((p, d) => (k += idx[d]! * st[p]!));
    return c.data[k]!;
  });
  return constant(c.dtype, shape, data);
}

/** Selects along `axis` the given indices (Gather; Slice with a step), for consts and fills. */
function select(v: Const | Fill, axis: number, indices: readonly number[], keepAxis: boolean): Const | Fill {
  const dims = [...dimsOfKnown(v)];
  const n = dims[axis]!;
  if (n === 'N') {
    if (v.kind === 'fill' && indices.length === 1 && keepAxis) return v; // one row of a fill: still the fill
    throw new NodeError('cannot select along the batch axis');
  }
  const idx = indices.map((i) => {
    const j = i < 0 ? i + n : i;
    if (j < 0 || j >= n) throw new NodeError(`index ${i} is out of range for axis ${axis} of size ${n}`);
    return j;
  });
  const outDims = [...dims.slice(0, axis), ...(keepAxis ? [idx.length] : []), ...dims.slice(axis + 1)];
  if (v.kind === 'fill') return settle({ ...v, dims: outDims });
  const inner = size(v.shape.slice(axis + 1));
  const outer = size(v.shape.slice(0, axis));
  const data: Dim[] = [];
  for (let o = 0; o < outer; o++) for (const j of idx) for (let k = 0; k < inner; k++) data.push(v.data[(o * n + j) * inner + k]!);
  return constant(v.dtype, outDims as number[], data);
}

function withDims(v: Const | Fill, dims: readonly Dim[]): Const | Fill {
  if (v.kind === 'fill') return settle({ ...v, dims });
  if (dims.some((d) => d === 'N')) throw new NodeError('internal: a constant cannot take a batch-dependent shape');
  return constant(v.dtype, dims as number[], v.data);
}

export function sliceArgs(n: OnnxNode, ins: readonly (Value | undefined)[], opset: number, rank: number) {
  const starts = opset >= 10 ? requiredInts(n, ins, 1, 'starts') : [...attrInts(n, 'starts')];
  const ends = opset >= 10 ? requiredInts(n, ins, 2, 'ends') : [...attrInts(n, 'ends')];
  const axes = (opset >= 10 ? intsFrom(n, ins, 3, 'axes') : n.attrs.has('axes') ? [...attrInts(n, 'axes')] : undefined) ?? starts.map((_, i) => i);
  const steps = (opset >= 10 ? intsFrom(n, ins, 4, 'steps') : undefined) ?? starts.map(() => 1);
  if ([ends, axes, steps].some((v) => v.length !== starts.length)) {
    throw new NodeError(`starts, ends, axes and steps have different lengths (${[starts, ends, axes, steps].map((v) => v.length).join(', ')})`);
  }
  return axes.map((a, i) => ({ axis: normAxis(a, rank), start: starts[i]!, end: ends[i]!, step: steps[i]! }));
}

function castTo(n: OnnxNode): ConstDType {
  const to = attrInt(n, 'to');
  return to === 1 || to === 10 || to === 11 || to === 16 ? 'float' : to === 9 ? 'bool' : 'int';
}

export const FOLDERS: Readonly<Record<string, Folder>> = {
  Constant: (n) => {
    const t = attrTensor(n, 'value');
    if (t) return [t];
    if (n.attrs.has('value_float')) return [constant('float', [], [attrFloat(n, 'value_float')])];
    if (n.attrs.has('value_int')) return [constant('int', [], [attrInt(n, 'value_int')])];
    if (n.attrs.has('value_ints')) return [constant('int', [attrInts(n, 'value_ints').length], attrInts(n, 'value_ints'))];
    const fs = n.attrs.get('value_floats');
    if (fs && fs.type === 'floats') return [constant('float', [fs.value.length], fs.value)];
    throw new NodeError('Constant without a supported value attribute (value, value_float(s), value_int(s))');
  },
  Identity: (_n, ins) => [need(ins, 0)],
  Dropout: (_n, ins) => [need(ins, 0)],
  Shape: (n, ins) => {
    const v = ins[0];
    if (!v || v.kind === 'poison') throw new NodeError('input 0 is missing');
    const dims = v.kind === 'tensor' ? dimsOf(v) : dimsOfKnown(v);
    const r = dims.length;
    const start = normAxis(Math.max(-r, Math.min(attrInt(n, 'start', 0), r - 1)), r);
    const endRaw = attrInt(n, 'end', r);
    const end = Math.min(endRaw < 0 ? endRaw + r : endRaw, r);
    const out = dims.slice(start, Math.max(start, end));
    return [constant('int', [out.length], out)];
  },
  Gather: (n, ins) => {
    const data = need(ins, 0, 'data');
    const idx = asConst(need(ins, 1, 'indices'), 'indices');
    const axis = normAxis(attrInt(n, 'axis', 0), dimsOfKnown(data).length);
    const sel = select(data, axis, nums(idx, 'indices'), true);
    const dims = [...dimsOfKnown(sel)];
    dims.splice(axis, 1, ...idx.shape);
    return [withDims(sel, dims)];
  },
  Unsqueeze: (n, ins, opset) => {
    const v = need(ins, 0);
    const axes = opset >= 13 ? requiredInts(n, ins, 1, 'axes') : [...attrInts(n, 'axes')];
    return [withDims(v, unsqueezeDims(dimsOfKnown(v), axes))];
  },
  Squeeze: (n, ins, opset) => {
    const v = need(ins, 0);
    const axes = opset >= 13 ? intsFrom(n, ins, 1, 'axes') : n.attrs.has('axes') ? [...attrInts(n, 'axes')] : undefined;
    return [withDims(v, squeezeDims(dimsOfKnown(v), axes))];
  },
  Concat: (n, ins) => {
    const vs = ins.map((_, i) => need(ins, i));
    const rank = dimsOfKnown(vs[0]!).length;
    const axis = normAxis(attrInt(n, 'axis'), rank);
    if (vs.every((v) => v.kind === 'fill' && v.value === (vs[0] as Fill).value)) {
      const dims = [...(vs[0] as Fill).dims];
      const along = vs.map((v) => (v as Fill).dims[axis]!);
      dims[axis] = along.every((d) => d !== 'N') ? (along as number[]).reduce((a, b) => a + b, 0) : sym('Concat');
      return [{ ...(vs[0] as Fill), dims }];
    }
    const cs = vs.map((v, i) => asConst(v, `input ${i}`));
    const outer = size(cs[0]!.shape.slice(0, axis));
    const data: Dim[] = [];
    for (let o = 0; o < outer; o++) {
      for (const c of cs) {
        const chunk = size(c.shape.slice(axis));
        data.push(...c.data.slice(o * chunk, (o + 1) * chunk));
      }
    }
    const shape = [...cs[0]!.shape];
    shape[axis] = cs.reduce((a, c) => a + c.shape[axis]!, 0);
    return [constant(cs[0]!.dtype, shape, data)];
  },
  Slice: (n, ins, opset) => {
    let v = need(ins, 0);
    for (const s of sliceArgs(n, ins, opset, dimsOfKnown(v).length)) {
      const d = dimsOfKnown(v)[s.axis]!;
      if (d === 'N') {
        if (s.start === 0 && s.end >= 2 ** 31 && s.step === 1) continue; // the whole batch axis
        throw new NodeError('cannot slice along the batch axis');
      }
      v = select(v, s.axis, sliceIndices(d, s.start, s.end, s.step), true);
    }
    return [v];
  },
  ConstantOfShape: (n, ins) => {
    const shape = asConst(need(ins, 0, 'shape'), 'shape');
    const t = attrTensor(n, 'value') ?? constant('float', [1], [0]);
    const value = nums(t)[0]!;
    return [settle({ kind: 'fill', dtype: t.dtype, dims: shape.data, value })];
  },
  Expand: (_n, ins) => {
    const v = need(ins, 0);
    const target = asConst(need(ins, 1, 'shape'), 'shape').data;
    const from = dimsOfKnown(v);
    const r = Math.max(from.length, target.length);
    const dims = Array.from({ length: r }, (_, i): Dim => {
      const x = from[from.length - r + i] ?? 1;
      const y = target[target.length - r + i] ?? 1;
      return x === 1 ? y : x;
    });
    const c = settle(v);
    if (c.kind === 'const') {
      if (dims.every((d) => d !== 'N')) return [elementwise([c, constant(c.dtype, dims as number[], new Array(size(dims as number[])).fill(0))], c.dtype, (x) => x!)];
      const first = c.data[0];
      if (first === undefined || first === 'N' || !c.data.every((d) => d === first)) throw new NodeError('cannot expand a non-uniform constant to a batch-dependent shape');
      return [{ kind: 'fill', dtype: c.dtype, dims, value: first }];
    }
    return [settle({ ...c, dims })];
  },
  Cast: (n, ins) => {
    const v = need(ins, 0);
    const to = castTo(n);
    if (v.kind === 'fill') return [{ ...v, dtype: to, value: to === 'int' ? Math.trunc(v.value) : to === 'bool' ? +(v.value !== 0) : v.value }];
    return [constant(to, v.shape, v.data.map((d) => (d === 'N' ? (to === 'bool' ? 1 : d) : to === 'int' ? Math.trunc(d) : to === 'bool' ? +(d !== 0) : d)))];
  },
  Reshape: (n, ins) => {
    const v = need(ins, 0);
    const target = asConst(need(ins, 1, 'shape'), 'shape').data;
    return [withDims(v, reshapeDims(dimsOfKnown(v), target, attrInt(n, 'allowzero', 0) === 1))];
  },
  Transpose: (n, ins) => {
    const c = asConst(need(ins, 0), 'input 0');
    const perm = n.attrs.has('perm') ? attrInts(n, 'perm') : c.shape.map((_, i) => c.shape.length - 1 - i);
    return [transposeConst(c, perm)];
  },
  Flatten: (n, ins) => {
    const c = asConst(need(ins, 0), 'input 0');
    const axis = attrInt(n, 'axis', 1);
    const a = axis < 0 ? axis + c.shape.length : axis;
    return [constant(c.dtype, [size(c.shape.slice(0, a)), size(c.shape.slice(a))], c.data)];
  },
  Range: (_n, ins) => {
    const [s, l, d] = [0, 1, 2].map((i) => nums(asConst(need(ins, i), `input ${i}`))[0]!) as [number, number, number];
    const out: number[] = [];
    for (let x = s; d > 0 ? x < l : x > l; x += d) out.push(x);
    return [constant(asConst(need(ins, 0), 'start').dtype, [out.length], out)];
  },
  Where: (_n, ins) => {
    const [c, a, b] = [0, 1, 2].map((i) => asConst(need(ins, i), `input ${i}`)) as [Const, Const, Const];
    return [elementwise([c, a, b], a.dtype, (x, y, z) => (x === 0 ? z! : y!))];
  },
  Size: (_n, ins) => {
    const v = ins[0];
    if (!v || v.kind === 'poison') throw new NodeError('input 0 is missing');
    const dims = v.kind === 'tensor' ? dimsOf(v) : dimsOfKnown(v);
    if (dims.includes('N')) return sym('Size');
    return [constant('int', [], [size(dims as number[])])];
  },
  And: (_n, ins) => [elementwise([asConst(need(ins, 0), 'input 0'), asConst(need(ins, 1), 'input 1')], 'bool', (x, y) => +(x !== 0 && y !== 0))],
  Or: (_n, ins) => [elementwise([asConst(need(ins, 0), 'input 0'), asConst(need(ins, 1), 'input 1')], 'bool', (x, y) => +(x !== 0 || y !== 0))],
  Not: (_n, ins) => [elementwise([asConst(need(ins, 0), 'input 0')], 'bool', (x) => (x === 'N' ? 0 : +(x === 0)))],
  Add: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  Div: binary('Div'),
  Pow: binary('Pow'),
  Max: binary('Max'),
  Min: binary('Min'),
  Equal: comparison('Equal'),
  Less: comparison('Less'),
  Greater: comparison('Greater'),
  Neg: unary((x) => -x),
  Abs: unary(Math.abs),
  Sqrt: unary(Math.sqrt),
  Reciprocal: unary((x) => 1 / x),
  Exp: unary(Math.exp),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
};

/** Ops that fold even with a run-time tensor input (they only look at its shape). */
export const SHAPE_ONLY = new Set(['Shape', 'Size']);
