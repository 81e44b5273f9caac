/**
 * conv1d / conv2d (nn.Conv1d / nn.Conv2d, one example: input [C, ...spatial]), one N-d definition:
 * y[o, p...] = bias[o] + sum_{c in o's group} sum_r weight[o, c, r...] * x[g*C/groups + c, p*s - pad + r*d],
 * with zero padding; `padding: same | valid` as PyTorch (same: stride 1, the extra pad at the end),
 * and `padding_mode: reflect | replicate | circular` expands into a `pad` layer before the conv.
 * convtranspose1d / convtranspose2d (nn.ConvTranspose1d / 2d): the adjoint of conv's window map,
 * y[o, p...] = bias[o] + sum_{c in o's group} sum_r weight[c, o', r...] * x[c, (p + pad - r*d) / s]
 * over the taps where the division is exact and lands inside the input.
 */
import { ShapeError } from '../errors.js';
import type { Bound, Ix } from '../ir/formula.js';
import { I, ix, outIndex } from '../ir/formula.js';
import type { Attrs, Node, TensorType } from '../ir/graph.js';
import { atWindow, layout, needLayout, overWindow, perAxis, prod, windowOut, type Window } from './spatial.js';
import type { AttrSpec, OpDef } from './types.js';

interface ConvGeom extends Window {
  readonly inC: number;
  readonly outC: number;
  readonly groups: number;
  readonly spatialIn: readonly number[];
  readonly padEnd: readonly number[];
}

const PAD_MODES = ['zeros', 'reflect', 'replicate', 'circular'] as const;
/** conv's padding_mode as the pad layer's mode. */
const PAD_LAYER_MODE: Readonly<Record<string, string>> = { reflect: 'reflect', replicate: 'edge', circular: 'circular' };

/** The begin and end padding of each axis: explicit (symmetric), valid (none) or same (PyTorch: the odd pad at the end). */
function paddingOf(a: Attrs, spatial: number, kernel: readonly number[], stride: readonly number[], dilation: readonly number[]): [number[], number[]] {
  if (a.padding === 'valid') return [new Array<number>(spatial).fill(0), new Array<number>(spatial).fill(0)];
  if (a.padding === 'same') {
    if (stride.some((s) => s !== 1)) throw new ShapeError(`padding: same needs stride 1 (as in PyTorch), got stride [${stride.join(', ')}]`);
    const total = kernel.map((k, d) => dilation[d]! * (k - 1));
    const begin = total.map((t) => Math.floor(t / 2));
    return [begin, total.map((t, d) => t - begin[d]!)];
  }
  const p = perAxis(a, 'padding', spatial, 0);
  return [p, p];
}

/** The input's channels and spatial sizes, and the output channels, checked against the groups (conv and transposed conv). */
function channelsOf(a: Attrs, x: TensorType, spatial: number): { inC: number; outC: number; groups: number; spatialIn: number[] } {
  needLayout(x, spatial);
  const [inC, ...spatialIn] = x.shape as [number, ...number[]];
  const outC = a.channels as number;
  const groups = a.groups as number;
  if (inC % groups !== 0) throw new ShapeError(`in channels ${inC} is not divisible by groups ${groups}`);
  if (outC % groups !== 0) throw new ShapeError(`out channels ${outC} is not divisible by groups ${groups}`);
  return { inC, outC, groups, spatialIn };
}

/** Checks the input and attributes; everything the shape rule, params and formula need. */
function geometry(a: Attrs, x: TensorType, spatial: number): ConvGeom {
  const { inC, outC, groups, spatialIn } = channelsOf(a, x, spatial);
  const kernel = perAxis(a, 'kernel', spatial, 1);
  const stride = perAxis(a, 'stride', spatial, 1);
  const dilation = perAxis(a, 'dilation', spatial, 1);
  const [padding, padEnd] = paddingOf(a, spatial, kernel, stride, dilation);
  if (a.padding_mode === 'reflect' || a.padding_mode === 'circular') {
    spatialIn.forEach((n, d) => {
      if (Math.max(padding[d]!, padEnd[d]!) >= n + (a.padding_mode === 'circular' ? 1 : 0)) {
        throw new ShapeError(`padding_mode ${a.padding_mode as string}: padding ${Math.max(padding[d]!, padEnd[d]!)} on axis ${d + 1} must be smaller than the input size ${n}`);
      }
    });
  }
  return { inC, outC, groups, spatialIn, kernel, stride, padding, padEnd, dilation };
}

/** The keys after the padding ones, the same for conv and transposed conv. */
const TAIL_ATTRS: Readonly<Record<string, AttrSpec>> = {
  dilation: { type: 'ints', default: [1], doc: 'spacing between kernel taps: one int or one per spatial axis' },
  groups: { type: 'int', min: 1, default: 1, doc: 'channel groups; in and out channels must be divisible by it' },
  bias: { type: 'bool', default: true, doc: 'learn an additive bias' },
};

const spatialAttrs = (spatial: number): Record<string, AttrSpec> => ({
  channels: { type: 'int', min: 1, doc: 'output channels' },
  kernel: { type: 'ints', doc: `kernel size: one int, or ${spatial} (one per spatial axis)` },
  stride: { type: 'ints', default: [1], doc: 'step between windows: one int or one per spatial axis' },
});

function conv(spatial: 1 | 2): OpDef {
  const torchName = `nn.Conv${spatial}d`;
  return {
    type: `conv${spatial}d`,
    torch: `${torchName}(in, channels, kernel, stride, padding, dilation, groups, bias, padding_mode)`,
    doc: `${spatial}-d cross-correlation of a ${layout(spatial)} input, like ${torchName} on one example`,
    attrs: {
      ...spatialAttrs(spatial),
      padding: {
        type: 'ints',
        default: [0],
        words: ['same', 'valid'],
        doc: 'padding on both sides: one int or one per spatial axis; same (output size = input size, stride 1) or valid (none)',
      },
      padding_mode: { type: 'enum', values: PAD_MODES, default: 'zeros', doc: 'what the padding holds: zeros, or the input reflected, replicated or wrapped around' },
      ...TAIL_ATTRS,
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
    // Padding other than zeros: a pad layer (reflect / edge / circular) and the conv without padding.
    expand(n, [x], fresh) {
      const g = geometry(n.attrs, x!, spatial);
      if (n.attrs.padding_mode === 'zeros' || (g.padding.every((p) => p === 0) && g.padEnd.every((p) => p === 0))) return undefined;
      const id = fresh();
      const pads = [0, ...g.padding, 0, ...g.padEnd];
      const padded: Node = {
        id,
        op: 'pad',
        name: `${n.name}/pad`,
        inputs: [...n.inputs],
        attrs: { pads, mode: PAD_LAYER_MODE[n.attrs.padding_mode as string]!, value: 0 },
        params: {},
        ...(n.place ? { place: n.place } : {}),
      };
      return [padded, { ...n, inputs: [id], attrs: { ...n.attrs, padding: [0], padding_mode: 'zeros' } }];
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

interface TransposeGeom {
  readonly inC: number;
  readonly outC: number;
  readonly groups: number;
  readonly spatialIn: readonly number[];
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly outputPadding: readonly number[];
  readonly dilation: readonly number[];
  readonly spatialOut: readonly number[];
}

function transposeGeometry(a: Attrs, x: TensorType, spatial: number): TransposeGeom {
  const { inC, outC, groups, spatialIn } = channelsOf(a, x, spatial);
  const kernel = perAxis(a, 'kernel', spatial, 1);
  const stride = perAxis(a, 'stride', spatial, 1);
  const padding = perAxis(a, 'padding', spatial, 0);
  const outputPadding = perAxis(a, 'output_padding', spatial, 0);
  const dilation = perAxis(a, 'dilation', spatial, 1);
  outputPadding.forEach((op, d) => {
    if (op >= Math.max(stride[d]!, dilation[d]!)) {
      throw new ShapeError(`output_padding ${op} on axis ${d + 1} must be smaller than the stride ${stride[d]} or the dilation ${dilation[d]} (as in PyTorch)`);
    }
  });
  const spatialOut = spatialIn.map((n, d) => (n - 1) * stride[d]! - 2 * padding[d]! + dilation[d]! * (kernel[d]! - 1) + outputPadding[d]! + 1);
  spatialOut.forEach((m, d) => {
    if (m < 1) throw new ShapeError(`input size ${spatialIn[d]} on axis ${d + 1} with padding ${padding[d]} gives an output size of ${m}`);
  });
  return { inC, outC, groups, spatialIn, kernel, stride, padding, outputPadding, dilation, spatialOut };
}

function convTranspose(spatial: 1 | 2): OpDef {
  const torchName = `nn.ConvTranspose${spatial}d`;
  return {
    type: `convtranspose${spatial}d`,
    torch: `${torchName}(in, channels, kernel, stride, padding, output_padding, groups, bias, dilation)`,
    doc: `${spatial}-d transposed convolution of a ${layout(spatial)} input (the adjoint of conv${spatial}d's window map), like ${torchName} on one example`,
    attrs: {
      ...spatialAttrs(spatial),
      padding: { type: 'ints', default: [0], doc: "dilation * (kernel - 1) - padding zeros on both sides of the input: PyTorch's padding" },
      output_padding: { type: 'ints', default: [0], doc: 'extra size at the end of each spatial axis (smaller than the stride or dilation)' },
      ...TAIL_ATTRS,
    },
    arity: { min: 1, max: 1 },
    params(a, [x]) {
      const g = transposeGeometry(a, x!, spatial);
      // PyTorch's fan-in of a transposed conv weight [in, out/groups, k...] is its dim 1 times the kernel.
      const fanIn = (g.outC / g.groups) * prod(g.kernel);
      return {
        weight: { shape: [g.inC, g.outC / g.groups, ...g.kernel], fanIn },
        ...(a.bias ? { bias: { shape: [g.outC], fanIn } } : {}),
      };
    },
    shape(a, [x]) {
      const g = transposeGeometry(a, x!, spatial);
      return { shape: [g.outC, ...g.spatialOut], dtype: 'float' };
    },
    formula(a, [x], out, b) {
      const g = transposeGeometry(a, x!, spatial);
      const [o, ...pos] = outIndex(out.shape.length) as [Ix, ...Ix[]];
      const inPerGroup = g.inC / g.groups;
      const outPerGroup = g.outC / g.groups;
      const channel = (c: string): Ix => (g.groups === 1 ? ix(c) : I.add(I.scale(I.div(o, outPerGroup), inPerGroup), c));
      const oInGroup: Ix = g.groups === 1 ? o : I.mod(o, outPerGroup);
      const dot = b.sum(inPerGroup, (c) =>
        overWindow(b, 'sum', g.kernel, (r) => {
          // Tap r of output position p reads input (p + padding - r * dilation) / stride, where exact and inside.
          const num = pos.map((p, d) => I.add(I.add(p, g.padding[d]!), I.scale(r[d]!, -g.dilation[d]!)));
          const bounds: Bound[] = num.flatMap((v, d) => {
            const s = g.stride[d]!;
            return [{ ix: v, lt: s * (g.spatialIn[d]! - 1) + 1 }, ...(s > 1 ? [{ ix: I.mod(v, s), lt: 1 }] : [])];
          });
          const at = num.map((v, d) => (g.stride[d]! > 1 ? I.div(v, g.stride[d]!) : v));
          return b.guard(bounds, b.prim('mul', b.param('weight', [channel(c), oInGroup, ...r]), b.input(0, [channel(c), ...at])), b.num(0));
        }),
      );
      return a.bias ? b.prim('add', dot, b.param('bias', [o])) : dot;
    },
  };
}

export const convtranspose1d = convTranspose(1);
export const convtranspose2d = convTranspose(2);
