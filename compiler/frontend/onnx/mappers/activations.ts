/**
 * Pointwise activations and softmax. Float attributes are stored as float32 in ONNX; they are
 * written back as the short decimal that rounds to them (shortFloat32), as PyTorch had them.
 */
import { NodeError, attrFloat, attrInt, attrString, shortFloat32 } from '../model.js';
import { size } from '../values.js';
import { broadcastTo } from './arithmetic.js';
import { exampleAxis, layer, pointwise, result, scalarOf, type Cx, type Mapper } from './common.js';

const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;
const close32 = (x: number, want: number): boolean => Math.abs(x - want) <= 2 ** -22 * Math.abs(want);

/** Clip's bounds: inputs from opset 11, attributes before. */
function clipBounds(cx: Cx): [number, number] {
  if (cx.opset < 11) return [attrFloat(cx.node, 'min', -Infinity), attrFloat(cx.node, 'max', Infinity)];
  const lo = cx.has(1) ? scalarOf(cx.known(1), 'min') : -Infinity;
  const hi = cx.has(2) ? scalarOf(cx.known(2), 'max') : Infinity;
  return [lo, hi];
}

/** Softmax-like ops: one axis from opset 13; before, the input is coerced to 2-D at `axis`. */
function softmaxLike(type: 'softmax' | 'log_softmax'): Mapper {
  return (cx) => {
    const x = cx.tensor(0);
    if (cx.opset >= 13) {
      const a = exampleAxis(x, attrInt(cx.node, 'axis', -1));
      const src = cx.net.materialize(x, cx.node.name);
      return [result(layer(cx, type, [src], { axis: a === x.shape.length - 1 ? -1 : a }), x.shape, x.batchAxis)];
    }
    // Opset < 13: normalise over all axes from `axis` on, as one flattened axis.
    const rank = x.shape.length + 1;
    const raw = attrInt(cx.node, 'axis', 1);
    const axis = raw < 0 ? raw + rank : raw;
    if (axis <= x.batchAxis) throw new NodeError(`axis ${raw}: opset ${cx.opset} ${cx.node.opType} would normalise across the batch axis`);
    const lead = x.shape.slice(0, axis - 1);
    const shape = [...lead, size(x.shape.slice(axis - 1))];
    const src = cx.net.materialize(x, cx.node.name, shape);
    return [result(layer(cx, type, [src], { axis: -1 }), x.shape, x.batchAxis)];
  };
}

/**
 * PRelu(x, slope): the slope (a constant) broadcast against x must vary along the channel axis
 * (per-example axis 0) only, as PyTorch's nn.PReLU exports it ([1], or [C, 1, ...]).
 */
function prelu(cx: Cx): ReturnType<Mapper> {
  const x = cx.tensor(0);
  const slope = cx.known(1);
  if (!slope) throw new NodeError('the slope (input 1) must be a constant (an initializer)');
  const { data } = broadcastTo(slope, x);
  const c = x.shape[0] ?? 1;
  const inner = data.length / c;
  const weight = Array.from({ length: c }, (_, k) => data[k * inner]!);
  if (data.some((v, i) => v !== weight[Math.floor(i / inner)])) {
    throw new NodeError("the slope varies along axes other than the channel axis (per-example axis 0); layergen's prelu has one slope per channel");
  }
  const n = weight.every((v) => v === weight[0]) ? 1 : c;
  const src = cx.net.materialize(x, cx.node.name);
  return [result(layer(cx, 'prelu', [src], { num_parameters: n }, { weight: { shape: [n], data: Float64Array.from(weight.slice(0, n)) } }), x.shape, x.batchAxis)];
}

/** layergen.masked_softmax (patterns.ts): softmax(x + M), M of 0 / -inf, as softmax with the 0/1 mask M == 0. */
const maskedSoftmax: Mapper = (cx) => {
  const x = cx.tensor(0);
  if (cx.opset < 13) throw new NodeError(`a masked Softmax at opset ${cx.opset} (before 13, Softmax flattens its input)`);
  const a = exampleAxis(x, attrInt(cx.node, 'axis', -1));
  const { data } = broadcastTo(cx.known(1)!, x);
  const shape = [...x.shape];
  const keep = Float64Array.from(data, (v) => (v === 0 ? 1 : 0));
  const mask = cx.net.add('constant', [], { shape }, { value: { shape, data: keep } }, cx.hint('constant'), cx.node.name);
  const src = cx.net.materialize(x, cx.node.name);
  return [result(layer(cx, 'softmax', [src, mask], { axis: a === x.shape.length - 1 ? -1 : a }), x.shape, x.batchAxis)];
};

export const ACTIVATIONS: Readonly<Record<string, Mapper>> = {
  'layergen.masked_softmax': maskedSoftmax,
  HardSwish: (cx) => pointwise(cx, 'hardswish'),
  Mish: (cx) => pointwise(cx, 'mish'),
  Celu: (cx) => pointwise(cx, 'celu', { alpha: shortFloat32(attrFloat(cx.node, 'alpha', 1)) }),
  PRelu: prelu,
  Relu: (cx) => pointwise(cx, 'relu'),
  Sigmoid: (cx) => pointwise(cx, 'sigmoid'),
  Tanh: (cx) => pointwise(cx, 'tanh'),
  Softplus: (cx) => pointwise(cx, 'softplus'),
  Softsign: (cx) => pointwise(cx, 'softsign'),
  Elu: (cx) => pointwise(cx, 'elu', { alpha: shortFloat32(attrFloat(cx.node, 'alpha', 1)) }),
  LeakyRelu: (cx) => pointwise(cx, 'leaky_relu', { slope: shortFloat32(attrFloat(cx.node, 'alpha', 0.01)) }),
  Selu: (cx) => {
    const alpha = attrFloat(cx.node, 'alpha', SELU_ALPHA);
    const gamma = attrFloat(cx.node, 'gamma', SELU_GAMMA);
    if (!close32(alpha, SELU_ALPHA) || !close32(gamma, SELU_GAMMA)) {
      throw new NodeError(`Selu with alpha ${alpha}, gamma ${gamma}: layergen's selu has PyTorch's constants only (alpha ${SELU_ALPHA}, gamma ${SELU_GAMMA})`);
    }
    return pointwise(cx, 'selu');
  },
  HardSigmoid: (cx) => {
    const alpha = attrFloat(cx.node, 'alpha', 0.2);
    const beta = attrFloat(cx.node, 'beta', 0.5);
    if (!close32(alpha, 1 / 6) || beta !== 0.5) {
      throw new NodeError(`HardSigmoid with alpha ${alpha}, beta ${beta}: layergen's hardsigmoid is PyTorch's (alpha 1/6, beta 0.5)`);
    }
    return pointwise(cx, 'hardsigmoid');
  },
  Clip: (cx) => {
    const [lo, hi] = clipBounds(cx);
    if (lo === 0 && hi === Infinity) return pointwise(cx, 'relu');
    if (Number.isFinite(lo) && Number.isFinite(hi)) return pointwise(cx, 'hardtanh', { min: shortFloat32(lo), max: shortFloat32(hi) });
    // One bound only (torch.clamp(x, min=...)): clamp, the missing bound left at its default.
    return pointwise(cx, 'clamp', { ...(lo !== -Infinity ? { min: shortFloat32(lo) } : {}), ...(hi !== Infinity ? { max: shortFloat32(hi) } : {}) });
  },
  Gelu: (cx) => pointwise(cx, 'gelu', { approximate: attrString(cx.node, 'approximate', 'none') }),
  Softmax: softmaxLike('softmax'),
  LogSoftmax: softmaxLike('log_softmax'),
  Identity: (cx) => [cx.tensor(0)],
  Dropout: (cx) => {
    if (cx.has(2) && scalarOf(cx.known(2), 'training_mode') !== 0) throw new NodeError('Dropout in training mode');
    return [cx.tensor(0), { kind: 'poison', reason: 'the mask output of Dropout' }];
  },
  // Patterns recognised in patterns.ts.
  'layergen.gelu': (cx) => pointwise(cx, 'gelu', cx.node.attrs.has('approximate') ? { approximate: attrString(cx.node, 'approximate') } : {}),
  'layergen.silu': (cx) => pointwise(cx, 'silu'),
  'layergen.softsign': (cx) => pointwise(cx, 'softsign'),
  'layergen.softplus': (cx) => {
    const beta = shortFloat32(attrFloat(cx.node, 'beta'));
    if (!(beta > 0)) throw new NodeError(`softplus with beta ${beta}: expected beta > 0`);
    return pointwise(cx, 'softplus', { beta });
  },
};
