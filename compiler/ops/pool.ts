/**
 * Pooling over the spatial axes of a [C, ...spatial] input (one example), one N-d definition:
 * maxpool (padding counts as -inf), avgpool (padding counts as 0 and the divisor is always the
 * full kernel size: PyTorch's count_include_pad=True), globalavgpool (mean over all of them) and
 * globalmaxpool (maximum over all of them).
 */
import { ShapeError } from '../errors.js';
import type { F, FormulaBuilder, Ix } from '../ir/formula.js';
import { outIndex } from '../ir/formula.js';
import { fmtShape, type Attrs, type TensorType } from '../ir/graph.js';
import { needFloat } from './shapeRules.js';
import { atWindow, layout, needLayout, overWindow, perAxis, prod, windowOut, type Window } from './spatial.js';
import type { OpDef } from './types.js';

function geometry(a: Attrs, x: TensorType, spatial: number): Window & { spatialIn: readonly number[] } {
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
  };
}

function pool(
  kind: 'max' | 'avg',
  spatial: 1 | 2,
  doc: string,
  f: (b: FormulaBuilder, g: ReturnType<typeof geometry>, c: Ix, pos: readonly Ix[]) => F,
): OpDef {
  const torchName = `nn.${kind === 'max' ? 'Max' : 'Avg'}Pool${spatial}d`;
  return {
    type: `${kind}pool${spatial}d`,
    torch: `${torchName}(kernel, stride, padding)`,
    doc: `${doc} over windows of a ${layout(spatial)} input, like ${torchName} on one example`,
    attrs: {
      kernel: { type: 'ints', doc: `window size: one int, or ${spatial} (one per spatial axis)` },
      stride: { type: 'ints', default: [], doc: 'step between windows: one int or one per spatial axis (default: the kernel)' },
      padding: { type: 'ints', default: [0], doc: 'padding on both sides, at most half the kernel: one int or one per spatial axis' },
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

const maxOf = (b: FormulaBuilder, g: ReturnType<typeof geometry>, c: Ix, pos: readonly Ix[]): F =>
  overWindow(b, 'max', g.kernel, (r) => atWindow(b, pos, r, g, g.spatialIn, (at) => b.input(0, [c, ...at]), b.num(-Infinity)));

const meanOf = (b: FormulaBuilder, g: ReturnType<typeof geometry>, c: Ix, pos: readonly Ix[]): F =>
  b.prim(
    'div',
    overWindow(b, 'sum', g.kernel, (r) => atWindow(b, pos, r, g, g.spatialIn, (at) => b.input(0, [c, ...at]), b.num(0))),
    b.num(prod(g.kernel)),
  );

export const maxpool1d = pool('max', 1, 'maximum (padding counts as -inf)', maxOf);
export const maxpool2d = pool('max', 2, 'maximum (padding counts as -inf)', maxOf);
export const avgpool1d = pool('avg', 1, 'mean (padding counts as zeros; divisor is the full kernel size)', meanOf);
export const avgpool2d = pool('avg', 2, 'mean (padding counts as zeros; divisor is the full kernel size)', meanOf);

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
