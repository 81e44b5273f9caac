/**
 * Elementwise math on one input (out[i] = f(x[i])), as torch.sqrt / log / exp / abs / neg and
 * x ** exponent for a constant exponent; reductions over per-example axes (mean, sum, amax,
 * amin), as torch.mean(x, dim, keepdim) and friends.
 */
import { ShapeError } from '../errors.js';
import type { F, FormulaBuilder, Ix } from '../ir/formula.js';
import { I, ix, outIndex, outVar } from '../ir/formula.js';
import { fmtShape, size, type Attrs, type TensorType } from '../ir/graph.js';
import type { PrimName } from '../ir/prims.js';
import { needFloat, normAxis } from './shapeRules.js';
import { pointwise } from './activations.js';
import type { OpDef } from './types.js';

const prim1 = (p: PrimName) => (x: F, b: FormulaBuilder) => b.prim(p, x);

export const sqrt = pointwise('sqrt', 'torch.sqrt', 'sqrt(x) (NaN below 0)', prim1('sqrt'));
export const log = pointwise('log', 'torch.log', 'natural logarithm (-inf at 0, NaN below 0)', prim1('log'));
export const exp = pointwise('exp', 'torch.exp', 'e^x', prim1('exp'));
export const abs = pointwise('abs', 'torch.abs', '|x|', prim1('abs'));
export const neg = pointwise('neg', 'torch.neg', '-x', prim1('neg'));
export const sin = pointwise('sin', 'torch.sin', 'sin(x)', prim1('sin'));
export const cos = pointwise('cos', 'torch.cos', 'cos(x)', prim1('cos'));
export const reciprocal = pointwise('reciprocal', 'torch.reciprocal', '1 / x', (x, b) => b.prim('div', b.num(1), x));

export const clamp = pointwise(
  'clamp',
  'torch.clamp(x, min, max)',
  'min(max(x, min), max); either bound may be left out',
  (x, b, a) => {
    const lo = a.min as number;
    const hi = a.max as number;
    const low = lo === -Infinity ? x : b.prim('max', x, b.num(lo));
    return hi === Infinity ? low : b.prim('min', low, b.num(hi));
  },
  {
    min: { type: 'float', default: -Infinity, doc: 'lower bound (default: none)' },
    max: { type: 'float', default: Infinity, doc: 'upper bound (default: none)' },
  },
);

/** x^e: repeated products for small integer e (exact as torch.pow), sqrt for 1/2, else exp(e log x). */
function power(x: F, e: number, b: FormulaBuilder): F {
  if (e === 0) return b.num(1);
  if (e === 0.5) return b.prim('sqrt', x);
  if (e === -0.5) return b.prim('div', b.num(1), b.prim('sqrt', x));
  if (Number.isInteger(e) && Math.abs(e) <= 8) {
    // square-and-multiply keeps the product count at log2(e) and matches pow's rounding for e = 2, 3
    let acc: F | undefined;
    let sq = x;
    for (let k = Math.abs(e); k > 0; k >>= 1) {
      if (k & 1) acc = acc ? b.prim('mul', acc, sq) : sq;
      if (k > 1) sq = b.prim('mul', sq, sq);
    }
    return e < 0 ? b.prim('div', b.num(1), acc!) : acc!;
  }
  // x^e = exp(e log x): NaN for x < 0 (as torch.pow with a non-integer exponent), 0 at x = 0 for e > 0
  return b.prim('exp', b.prim('mul', b.num(e), b.prim('log', x)));
}

export const pow = pointwise(
  'pow',
  'torch.pow(x, exponent)',
  'x ** exponent for a constant exponent (integers up to 8 as products, 0.5 as sqrt, others as exp(exponent log x), NaN for x < 0)',
  (x, b, a) => power(x, a.exponent as number, b),
  { exponent: { type: 'float', doc: 'the constant exponent' } },
);

// ---------------------------------------------------------------------------------------------
// Reductions over per-example axes.

type Reduce = 'mean' | 'sum' | 'amax' | 'amin' | 'prod';

/** The most factors a prod reduction multiplies out (it is written as one product per output). */
export const PROD_MAX = 4096;

function reducedAxes(a: Attrs, x: TensorType): number[] {
  const r = x.shape.length;
  const raw = (a.axes as readonly number[] | undefined) ?? [];
  const axes = raw.length ? raw.map((d) => normAxis(d, r, 'axes entry')) : x.shape.map((_, i) => i);
  if (new Set(axes).size !== axes.length) throw new ShapeError(`axes [${raw.join(', ')}] name an axis twice`);
  return axes.sort((p, q) => p - q);
}

function reduction(type: Reduce, torch: string, doc: string): OpDef {
  return {
    type,
    torch,
    doc,
    attrs: {
      axes: { type: 'ints', default: [], doc: 'per-example axes to reduce (negative counts from the end); empty: all' },
      keepdims: { type: 'bool', default: false, doc: 'keep each reduced axis with size 1' },
    },
    arity: { min: 1, max: 1 },
    shape(a, [x]) {
      needFloat(x!);
      const axes = new Set(reducedAxes(a, x!));
      const n = size([...axes].map((d) => x!.shape[d]!));
      if (type === 'prod' && n > PROD_MAX) throw new ShapeError(`a product of ${n} elements per output; layergen's prod multiplies at most ${PROD_MAX}`);
      const shape = a.keepdims ? x!.shape.map((d, i) => (axes.has(i) ? 1 : d)) : x!.shape.filter((_, i) => !axes.has(i));
      if (shape.length === 0) shape.push(1);
      return { shape, dtype: 'float' };
    },
    formula(a, [x], _out, b) {
      const axes = reducedAxes(a, x!);
      const reduced = axes.map((d) => x!.shape[d]!);
      const n = size(reduced);
      const kept = x!.shape.map((_, i) => i).filter((i) => !axes.includes(i));
      // The input index: kept axes from the output variables, reduced axes from one flat reduction variable.
      const at = (flat: Ix | number | string): Ix[] => {
        const idx: Ix[] = new Array(x!.shape.length);
        kept.forEach((d, k) => (idx[d] = ix(outVar(a.keepdims ? d : k))));
        axes.forEach((d, k) => {
          const inner = size(reduced.slice(k + 1));
          const q = I.div(flat, inner);
          idx[d] = k === 0 ? q : I.mod(q, reduced[k]!);
        });
        return idx;
      };
      if (type === 'amax') return b.max(n, (v) => b.input(0, at(v)));
      // A product of the n elements, multiplied out in order (as torch.prod): one factor per element.
      if (type === 'prod') return Array.from({ length: n }, (_, k) => b.input(0, at(k))).reduce((acc, f) => b.prim('mul', acc, f));
      if (type === 'amin') return b.prim('neg', b.max(n, (v) => b.prim('neg', b.input(0, at(v)))));
      const s = b.sum(n, (v) => b.input(0, at(v)));
      return type === 'mean' ? b.prim('div', s, b.num(n)) : s;
    },
  };
}

export const mean = reduction('mean', 'torch.mean(x, dim=axes, keepdim=keepdims)', 'the mean over the given axes');
export const sum = reduction('sum', 'torch.sum(x, dim=axes, keepdim=keepdims)', 'the sum over the given axes');
export const amax = reduction('amax', 'torch.amax(x, dim=axes, keepdim=keepdims)', 'the maximum over the given axes');
export const amin = reduction('amin', 'torch.amin(x, dim=axes, keepdim=keepdims)', 'the minimum over the given axes');
export const prod = reduction('prod', 'torch.prod(x, dim) (one axis; several: a product over each)', `the product over the given axes (at most ${PROD_MAX} elements per product)`);

// ---------------------------------------------------------------------------------------------
// Padding.

const MODES = ['constant', 'reflect', 'edge', 'circular'] as const;

function padsOf(a: Attrs, x: TensorType): { begin: number[]; end: number[] } {
  const r = x.shape.length;
  const p = a.pads as readonly number[];
  if (p.length !== 2 * r) throw new ShapeError(`pads has ${p.length} entries; a rank-${r} input needs ${2 * r} ([begin of each axis..., end of each axis...])`);
  if (p.some((v) => !Number.isInteger(v) || v < 0)) throw new ShapeError(`pads [${p.join(', ')}] must be integers >= 0`);
  return { begin: p.slice(0, r), end: p.slice(r) };
}

export const pad: OpDef = {
  type: 'pad',
  torch: "F.pad(x, pad, mode='constant'|'reflect'|'replicate'|'circular', value) (pads in ONNX order here)",
  doc: 'pads every per-example axis: constant (value), reflect (mirror without the edge element), edge (repeat the edge element) or circular (wrap around)',
  attrs: {
    pads: { type: 'ints', doc: 'begin pads of each axis, then end pads of each axis (ONNX order), per-example axes' },
    mode: { type: 'enum', values: MODES, default: 'constant', doc: 'constant, reflect, edge (PyTorch replicate) or circular' },
    value: { type: 'float', default: 0, doc: 'fill value of constant mode' },
  },
  arity: { min: 1, max: 1 },
  shape(a, [x]) {
    const { begin, end } = padsOf(a, x!);
    if (a.mode === 'reflect' || a.mode === 'circular') {
      const most = (n: number): number => (a.mode === 'reflect' ? n - 1 : n);
      x!.shape.forEach((n, d) => {
        if ((begin[d]! > 0 || end[d]! > 0) && (begin[d]! > most(n) || end[d]! > most(n))) {
          throw new ShapeError(`${a.mode as string} padding of ${Math.max(begin[d]!, end[d]!)} on axis ${d} of ${fmtShape(x!.shape)} needs pads of at most ${most(n)}`);
        }
      });
    }
    return { shape: x!.shape.map((n, d) => n + begin[d]! + end[d]!), dtype: x!.dtype };
  },
  formula(a, [x], out, b) {
    const { begin } = padsOf(a, x!);
    const o = outIndex(out.shape.length);
    // Per axis, the input index in each region: before, inside, after.
    const regions = x!.shape.map((n, d) => {
      const p = begin[d]!;
      const inside = I.add(o[d]!, -p);
      if (a.mode === 'reflect') return { inside, before: I.add(I.scale(o[d]!, -1), p), after: I.add(I.scale(o[d]!, -1), 2 * n - 2 + p) };
      if (a.mode === 'edge') return { inside, before: ix(0), after: ix(n - 1) };
      if (a.mode === 'circular') return { inside, before: I.add(o[d]!, n - p), after: I.add(o[d]!, -p - n) };
      return { inside, before: null, after: null };
    });
    const shape = x!.shape;
    // Build the load axis by axis: guards nest per axis (before / inside / after).
    const build = (d: number, at: Ix[]): F => {
      if (d === shape.length) return b.input(0, at);
      const r = regions[d]!;
      const p = begin[d]!;
      const n = shape[d]!;
      if (r.before === null) return b.guard([{ ix: r.inside, lt: n }], build(d + 1, [...at, r.inside]), b.num(a.value as number));
      const inner = build(d + 1, [...at, r.inside]);
      const after = b.guard([{ ix: r.inside, lt: n }], inner, build(d + 1, [...at, r.after!]));
      return p > 0 ? b.guard([{ ix: o[d]!, lt: p }], build(d + 1, [...at, r.before]), after) : after;
    };
    return build(0, []);
  },
};
