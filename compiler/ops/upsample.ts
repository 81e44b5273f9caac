/**
 * upsample (nn.Upsample / F.interpolate) of a [C, ...spatial] input to `size` or by integer
 * `scale_factor` per spatial axis. nearest: input index floor(o * in / out). linear (1-d) and
 * bilinear (2-d), with align_corners either way: PyTorch's source coordinates and weights, as a
 * constant interpolation matrix per axis applied with matmul (a composite), so every backend
 * derives it from matmul's definition and a symbolic input keeps only the two taps it mixes.
 */
import { ShapeError } from '../errors.js';
import { I, outIndex, type Ix } from '../ir/formula.js';
import { fmtShape, tensor, type Attrs, type Node, type Tensor, type TensorType } from '../ir/graph.js';
import { needFloat } from './shapeRules.js';
import type { OpDef } from './types.js';

function sizes(a: Attrs, x: TensorType): number[] {
  needFloat(x);
  const spatial = x.shape.length - 1;
  if (spatial < 1 || spatial > 2) throw new ShapeError(`expected input of shape [C, L] or [C, H, W], got ${fmtShape(x.shape)}`);
  if (a.mode === 'linear' && spatial !== 1) throw new ShapeError(`mode linear is for [C, L] inputs; use bilinear for ${fmtShape(x.shape)}`);
  if (a.mode === 'bilinear' && spatial !== 2) throw new ShapeError(`mode bilinear is for [C, H, W] inputs; use linear for ${fmtShape(x.shape)}`);
  const size = a.size as readonly number[];
  const factor = a.scale_factor as readonly number[];
  if ((size.length > 0) === (factor.length > 0)) throw new ShapeError('give either size or scale_factor');
  const per = (v: readonly number[], what: string): number[] => {
    if (v.length !== 1 && v.length !== spatial) throw new ShapeError(`${what}: expected 1 value or ${spatial}, got ${v.length}`);
    if (v.some((k) => !Number.isInteger(k) || k < 1)) throw new ShapeError(`${what}: expected integers >= 1, got [${v.join(', ')}]`);
    return v.length === 1 ? new Array<number>(spatial).fill(v[0]!) : [...v];
  };
  return size.length ? per(size, 'size') : per(factor, 'scale_factor').map((f, d) => f * x.shape[d + 1]!);
}

/** PyTorch's linear interpolation weights from `n` inputs to `m` outputs, as an [m, n] matrix. */
function interpolation(n: number, m: number, alignCorners: boolean, factor: number | undefined): Tensor {
  const w = new Float64Array(m * n);
  for (let o = 0; o < m; o++) {
    let src: number;
    if (alignCorners) src = m > 1 ? (o * (n - 1)) / (m - 1) : 0;
    else src = Math.max(0, (o + 0.5) * (factor !== undefined ? 1 / factor : n / m) - 0.5);
    const i0 = Math.min(Math.floor(src), n - 1);
    const i1 = Math.min(i0 + 1, n - 1);
    const l = src - i0;
    w[o * n + i0] += 1 - l;
    w[o * n + i1] += l;
  }
  return tensor([m, n], w);
}

export const upsample: OpDef = {
  type: 'upsample',
  torch: "nn.Upsample(size or scale_factor, mode='nearest'|'linear'|'bilinear', align_corners)",
  doc: 'resizes the spatial axes of a [C, L] or [C, H, W] input: nearest, or (bi)linear with align_corners either way',
  attrs: {
    size: { type: 'ints', default: [], doc: 'output size: one int, or one per spatial axis' },
    scale_factor: { type: 'ints', default: [], doc: 'integer factor: one, or one per spatial axis (instead of size)' },
    mode: { type: 'enum', values: ['nearest', 'linear', 'bilinear'], default: 'nearest', doc: 'nearest, linear ([C, L]) or bilinear ([C, H, W])' },
    align_corners: { type: 'bool', default: false, doc: '(bi)linear: corners of input and output aligned (else half-pixel centres)' },
  },
  arity: { min: 1, max: 1 },
  shape: (a, [x]) => ({ shape: [x!.shape[0]!, ...sizes(a, x!)], dtype: 'float' }),
  formula(a, [x], out, b) {
    // nearest: floor(o * in / out) (exact for integer ratios, as PyTorch's float scale is).
    const [c, ...pos] = outIndex(out.shape.length) as [Ix, ...Ix[]];
    const m = out.shape.slice(1);
    const n = x!.shape.slice(1);
    return b.input(0, [c, ...pos.map((p, d) => I.div(I.scale(p, n[d]!), m[d]!))]);
  },
  // (bi)linear: interpolation matrices A (rows) and B (columns): A x, then (A x) Bᵀ.
  expand(node, [x], fresh) {
    if (node.attrs.mode === 'nearest') return undefined;
    const m = sizes(node.attrs, x!);
    const n = x!.shape.slice(1);
    const factors = (node.attrs.scale_factor as readonly number[]).length ? m.map((k, d) => k / n[d]!) : [];
    const ac = node.attrs.align_corners === true;
    const nodes: Node[] = [];
    const place = node.place ? { place: node.place } : {};
    const constant = (name: string, t: Tensor): number => {
      const id = fresh();
      nodes.push({ id, op: 'const', name: `${node.name}/${name}`, inputs: [], attrs: {}, params: { value: t }, type: { shape: [...t.shape], dtype: 'float' }, ...place });
      return id;
    };
    const last = (inputs: number[]): Node[] => [...nodes, { ...node, op: 'matmul', inputs, attrs: {}, params: {} }];
    const weights = (d: number): Tensor => interpolation(n[d]!, m[d]!, ac, factors[d]);
    const transposed = (t: Tensor): Tensor => {
      const [r, k] = t.shape as [number, number];
      return tensor([k, r], Array.from({ length: r * k }, (_, i) => t.data[(i % r) * k + Math.floor(i / r)]!));
    };
    if (n.length === 1) return last([node.inputs[0]!, constant('columns', transposed(weights(0)))]);
    const rows = fresh();
    nodes.push({ id: rows, op: 'matmul', name: `${node.name}/rows`, inputs: [constant('rows', weights(0)), node.inputs[0]!], attrs: {}, params: {}, ...place });
    return last([rows, constant('columns', transposed(weights(1)))]);
  },
};
