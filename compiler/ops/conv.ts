/**
 * conv1d / conv2d (nn.Conv1d / nn.Conv2d, one example: input [C, ...spatial]), one N-d definition:
 * y[o, p...] = bias[o] + sum_{c in o's group} sum_r weight[o, c, r...] * x[g*C/groups + c, p*s - pad + r*d],
 * with zero padding.
 */
import { ShapeError } from '../errors.js';
import type { Ix } from '../ir/formula.js';
import { I, ix, outIndex } from '../ir/formula.js';
import type { Attrs, TensorType } from '../ir/graph.js';
import { atWindow, layout, needLayout, overWindow, perAxis, prod, windowOut, type Window } from './spatial.js';
import type { OpDef } from './types.js';

interface ConvGeom extends Window {
  readonly inC: number;
  readonly outC: number;
  readonly groups: number;
  readonly spatialIn: readonly number[];
}

/** Checks the input and attributes; everything the shape rule, params and formula need. */
function geometry(a: Attrs, x: TensorType, spatial: number): ConvGeom {
  needLayout(x, spatial);
  const [inC, ...spatialIn] = x.shape as [number, ...number[]];
  const outC = a.channels as number;
  const groups = a.groups as number;
  if (inC % groups !== 0) throw new ShapeError(`in channels ${inC} is not divisible by groups ${groups}`);
  if (outC % groups !== 0) throw new ShapeError(`out channels ${outC} is not divisible by groups ${groups}`);
  return {
    inC,
    outC,
    groups,
    spatialIn,
    kernel: perAxis(a, 'kernel', spatial, 1),
    stride: perAxis(a, 'stride', spatial, 1),
    padding: perAxis(a, 'padding', spatial, 0),
    dilation: perAxis(a, 'dilation', spatial, 1),
  };
}

function conv(spatial: 1 | 2): OpDef {
  const torchName = `nn.Conv${spatial}d`;
  return {
    type: `conv${spatial}d`,
    torch: `${torchName}(in, channels, kernel, stride, padding, dilation, groups, bias)`,
    doc: `${spatial}-d cross-correlation of a ${layout(spatial)} input (zero padding), like ${torchName} on one example`,
    attrs: {
      channels: { type: 'int', min: 1, doc: 'output channels' },
      kernel: { type: 'ints', doc: `kernel size: one int, or ${spatial} (one per spatial axis)` },
      stride: { type: 'ints', default: [1], doc: 'step between windows: one int or one per spatial axis' },
      padding: { type: 'ints', default: [0], doc: 'zeros added on both sides: one int or one per spatial axis' },
      dilation: { type: 'ints', default: [1], doc: 'spacing between kernel taps: one int or one per spatial axis' },
      groups: { type: 'int', min: 1, default: 1, doc: 'channel groups; in and out channels must be divisible by it' },
      bias: { type: 'bool', default: true, doc: 'learn an additive bias' },
    },
    arity: { min: 1, max: 1 },
    channelAffine: { folds: () => true },
    params(a, [x]) {
      const g = geometry(a, x!, spatial);
      const fanIn = (g.inC / g.groups) * prod(g.kernel);
      return {
        weight: { shape: [g.outC, g.inC / g.groups, ...g.kernel], fanIn },
        ...(a.bias ? { bias: { shape: [g.outC], fanIn } } : {}),
      };
    },
    shape(a, [x]) {
      const g = geometry(a, x!, spatial);
      return { shape: [g.outC, ...windowOut(g.spatialIn, g)], dtype: 'float' };
    },
    formula(a, [x], out, b) {
      const g = geometry(a, x!, spatial);
      const [o, ...pos] = outIndex(out.shape.length) as [Ix, ...Ix[]];
      const inPerGroup = g.inC / g.groups;
      // input channel of in-group channel c: (o / outPerGroup) * inPerGroup + c
      const channel = (c: string): Ix => (g.groups === 1 ? ix(c) : I.add(I.scale(I.div(o, g.outC / g.groups), inPerGroup), c));
      const dot = b.sum(inPerGroup, (c) =>
        overWindow(b, 'sum', g.kernel, (r) =>
          atWindow(
            b,
            pos,
            r,
            g,
            g.spatialIn,
            (at) => b.prim('mul', b.param('weight', [o, c, ...r]), b.input(0, [channel(c), ...at])),
            b.num(0),
          ),
        ),
      );
      return a.bias ? b.prim('add', dot, b.param('bias', [o])) : dot;
    },
  };
}

export const conv1d = conv(1);
export const conv2d = conv(2);
