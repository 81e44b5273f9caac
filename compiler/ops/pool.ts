/**
 * Pooling over the spatial axes of a [C, ...spatial] input (one example), one N-d definition:
 * maxpool (padding counts as -inf), avgpool (padding counts as 0; the divisor counts the padding
 * too with count_include_pad, PyTorch's default, or only the input's own elements), both with
 * ceil_mode; adaptive pooling to any output size (PyTorch's windows floor(i n / o) ..
 * ceil((i + 1) n / o)); globalavgpool (mean over all of them) and globalmaxpool (maximum).
 */
import { ShapeError } from '../errors.js';
import type { Bound, F, FormulaBuilder, Ix } from '../ir/formula.js';
import { I, outIndex } from '../ir/formula.js';
import { fmtShape, type Attrs, type TensorType } from '../ir/graph.js';
import { needFloat } from './shapeRules.js';
import { atWindow, layout, needLayout, overWindow, perAxis, prod, windowAt, windowOut, type Window } from './spatial.js';
import type { AttrSpec, OpDef } from './types.js';

function geometry(a: Attrs, x: TensorType, spatial: number): Window & { spatialIn: readonly number[]; includePad: boolean } {
  needLayout(x, spatial);
  const kernel = perAxis(a, 'kernel', spatial, 1);
  const padding = perAxis(a, 'padding', spatial, 0);
  padding.forEach((p, d) => {
    const most = Math.floor(kernel[d]! / 2);
    if (p > most) throw new ShapeError(`padding ${p} on axis ${d + 1} is more than half the kernel ${kernel[d]} (at most ${most}, as in PyTorch)`);
  });
  return {
    spatialIn: x.shape.slice(1),
    kernel,
    stride: perAxis(a, 'stride', spatial, 1, kernel),
    padding,
    dilation: new Array<number>(spatial).fill(1),
    ceil: a.ceil_mode === true,
    includePad: a.count_include_pad !== false,
  };
}

type PoolGeom = ReturnType<typeof geometry>;

function pool(
  kind: 'max' | 'avg',
  spatial: 1 | 2,
  doc: string,
  f: (b: FormulaBuilder, g: PoolGeom, c: Ix, pos: readonly Ix[]) => F,
): OpDef {
  const torchName = `nn.${kind === 'max' ? 'Max' : 'Avg'}Pool${spatial}d`;
  const avgOnly: Record<string, AttrSpec> =
    kind === 'avg' ? { count_include_pad: { type: 'bool', default: true, doc: 'the divisor counts padded positions too (else only input elements)' } } : {};
  return {
    type: `${kind}pool${spatial}d`,
    torch: `${torchName}(kernel, stride, padding, ceil_mode${kind === 'avg' ? ', count_include_pad' : ''})`,
    doc: `${doc} over windows of a ${layout(spatial)} input, like ${torchName} on one example`,
    attrs: {
      kernel: { type: 'ints', doc: `window size: one int, or ${spatial} (one per spatial axis)` },
      stride: { type: 'ints', default: [], doc: 'step between windows: one int or one per spatial axis (default: the kernel)' },
      padding: { type: 'ints', default: [0], doc: 'padding on both sides, at most half the kernel: one int or one per spatial axis' },
      ceil_mode: { type: 'bool', default: false, doc: 'round the output size up: a last, partial window (not one starting in the end padding)' },
      ...avgOnly,
    },
    arity: { min: 1, max: 1 },
    shape(a, [x]) {
      const g = geometry(a, x!, spatial);
      return { shape: [x!.shape[0]!, ...windowOut(g.spatialIn, g)], dtype: 'float' };
    },
    formula(a, [x], out, b) {
      const [c, ...pos] = outIndex(out.shape.length) as [Ix, ...Ix[]];
      return f(b, geometry(a, x!, spatial), c, pos);
    },
  };
}

const maxOf = (b: FormulaBuilder, g: PoolGeom, c: Ix, pos: readonly Ix[]): F =>
  overWindow(b, 'max', g.kernel, (r) => atWindow(b, pos, r, g, g.spatialIn, (at) => b.input(0, [c, ...at]), b.num(-Infinity)));

/**
 * The divisor of an average: the full kernel where every window lies in the padded input;
 * otherwise, per axis, the taps inside the padded input (count_include_pad) or inside the input
 * itself, multiplied over the axes (PyTorch's pool_size).
 */
function divisor(b: FormulaBuilder, g: PoolGeom, pos: readonly Ix[]): F {
  const padded = g.padding.some((p) => p > 0);
  if (!g.ceil && (g.includePad || !padded)) return b.num(prod(g.kernel));
  const counts = pos.map((_, d) =>
    b.sum(g.kernel[d]!, (r) => {
      const at = windowAt([pos[d]!], [r], { ...g, kernel: [g.kernel[d]!], stride: [g.stride[d]!], padding: [g.padding[d]!], dilation: [1] })[0]!;
      const p = g.padding[d]!;
      const n = g.spatialIn[d]!;
      const bound: Bound = g.includePad ? { ix: I.add(at, p), lt: n + 2 * p } : { ix: at, lt: n };
      return b.guard([bound], b.num(1), b.num(0));
    }),
  );
  return counts.reduce((acc, k) => b.prim('mul', acc, k));
}

const meanOf = (b: FormulaBuilder, g: PoolGeom, c: Ix, pos: readonly Ix[]): F =>
  b.prim('div', overWindow(b, 'sum', g.kernel, (r) => atWindow(b, pos, r, g, g.spatialIn, (at) => b.input(0, [c, ...at]), b.num(0))), divisor(b, g, pos));

export const maxpool1d = pool('max', 1, 'maximum (padding counts as -inf)', maxOf);
export const maxpool2d = pool('max', 2, 'maximum (padding counts as -inf)', maxOf);
export const avgpool1d = pool('avg', 1, 'mean (padding counts as zeros)', meanOf);
export const avgpool2d = pool('avg', 2, 'mean (padding counts as zeros)', meanOf);

/**
 * Adaptive pooling to `output_size` per spatial axis: output i averages (or maximises) input
 * floor(i n / o) .. ceil((i + 1) n / o) - 1, a window of at most ceil(n / o) + 1 taps; taps past
 * the window's end are masked by the bound (i + 1) n - 1 - (start + r) o >= 0.
 */
function adaptive(kind: 'max' | 'avg', spatial: 1 | 2): OpDef {
  const torchName = `nn.Adaptive${kind === 'max' ? 'Max' : 'Avg'}Pool${spatial}d`;
  const sizes = (a: Attrs, x: TensorType): number[] => {
    needLayout(x, spatial);
    const o = perAxis(a, 'output_size', spatial, 1);
    return o;
  };
  return {
    type: `adaptive${kind}pool${spatial}d`,
    torch: `${torchName}(output_size)`,
    doc: `${kind === 'max' ? 'maximum' : 'mean'} over PyTorch's adaptive windows of a ${layout(spatial)} input, to output_size per spatial axis`,
    attrs: { output_size: { type: 'ints', doc: `output size: one int, or ${spatial} (one per spatial axis)` } },
    arity: { min: 1, max: 1 },
    shape: (a, [x]) => ({ shape: [x!.shape[0]!, ...sizes(a, x!)], dtype: 'float' }),
    formula(a, [x], out, b) {
      const o = sizes(a, x!);
      const n = x!.shape.slice(1);
      const [c, ...pos] = outIndex(out.shape.length) as [Ix, ...Ix[]];
      const start = pos.map((i, d) => I.div(I.scale(i, n[d]!), o[d]!));
      const taps = n.map((m, d) => Math.ceil(m / o[d]!) + 1);
      // Inside output i's window: (i + 1) n - 1 - (start + r) o >= 0, and inside the input.
      const bounds = (r: readonly string[]): Bound[] =>
        pos.flatMap((i, d) => {
          const at = I.add(start[d]!, r[d]!);
          return [
            { ix: I.add(I.add(I.scale(i, n[d]!), n[d]! - 1), I.scale(at, -o[d]!)), lt: n[d]! * o[d]! + o[d]! },
            { ix: at, lt: n[d]! },
          ];
        });
      const tap = (r: readonly string[], inside: F, outside: F): F => b.guard(bounds(r), inside, outside);
      const at = (r: readonly string[]): Ix[] => [c, ...start.map((s, d) => I.add(s, r[d]!))];
      if (kind === 'max') return overWindow(b, 'max', taps, (r) => tap(r, b.input(0, at(r)), b.num(-Infinity)));
      const total = overWindow(b, 'sum', taps, (r) => tap(r, b.input(0, at(r)), b.num(0)));
      const count = overWindow(b, 'sum', taps, (r) => tap(r, b.num(1), b.num(0)));
      return b.prim('div', total, count);
    },
  };
}

export const adaptiveavgpool1d = adaptive('avg', 1);
export const adaptiveavgpool2d = adaptive('avg', 2);
export const adaptivemaxpool1d = adaptive('max', 1);
export const adaptivemaxpool2d = adaptive('max', 2);

function globalPool(kind: 'avg' | 'max'): OpDef {
  const mean = kind === 'avg';
  return {
    type: `global${kind}pool`,
    torch: mean
      ? 'x.mean(dim=spatial axes), e.g. nn.AdaptiveAvgPool2d(1) then flatten'
      : 'torch.amax(x, dim=spatial axes), e.g. nn.AdaptiveMaxPool2d(1) then flatten',
    doc: `${mean ? 'mean' : 'maximum'} over every spatial axis of a [C, ...spatial] input: [C, L] or [C, H, W] -> [C]`,
    attrs: {},
    arity: { min: 1, max: 1 },
    shape(_a, [x]) {
      needFloat(x!);
      if (x!.shape.length < 2) throw new ShapeError(`expected input of shape [C, ...spatial] (rank >= 2), got ${fmtShape(x!.shape)}`);
      return { shape: [x!.shape[0]!], dtype: 'float' };
    },
    formula(_a, [x], _out, b) {
      const [c] = outIndex(1) as [Ix];
      const spatialIn = x!.shape.slice(1);
      if (!mean) return overWindow(b, 'max', spatialIn, (r) => b.input(0, [c, ...r]));
      return b.prim('div', overWindow(b, 'sum', spatialIn, (r) => b.input(0, [c, ...r])), b.num(prod(spatialIn)));
    },
  };
}

export const globalavgpool = globalPool('avg');
export const globalmaxpool = globalPool('max');
