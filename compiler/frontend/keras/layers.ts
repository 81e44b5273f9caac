/**
 * Keras core layers -> layergen layers: Dense (kernel [in, out] -> weight [out, in]; its
 * activation a layer of its own), inference-time identities (Dropout and friends), Flatten,
 * Reshape, Permute, merges, LayerNormalization, BatchNormalization (moving statistics) and
 * Embedding. Keras axes count the batch axis; layergen's do not.
 */
import { transpose2 } from '../../ir/transpose.js';
import { NodeError } from '../onnx/model.js';
import type { ParamTensor } from '../onnx/net.js';
import { activationOf, applyActivation } from './activations.js';
import { bool, keras, num, type Mapper } from './common.js';
import type { Json } from './config.js';

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** A Keras axis (with batch, possibly negative) as a per-example axis of rank `rank`. */
function exampleAxis(axis: Json | undefined, rank: number, what: string): number {
  const a0 = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
  if (typeof a0 !== 'number' || !Number.isInteger(a0)) throw new NodeError(`${what} ${JSON.stringify(axis)}: expected one axis`);
  const a = a0 < 0 ? a0 + rank + 1 : a0;
  if (a === 0) throw new NodeError(`${what} ${a0} is the batch axis`);
  if (a < 1 || a > rank) throw new NodeError(`${what} ${a0} is out of range for inputs of rank ${rank + 1}`);
  return a - 1;
}

const dense: Mapper = (cx) => {
  const c = cx.config;
  const x = cx.x();
  const units = num(c, 'units');
  const inF = x.shape[x.shape.length - 1]!;
  const bias = bool(c, 'use_bias', true);
  const act = activationOf(cx, c.activation);
  const w = cx.weights([{ name: 'kernel', shape: [inF, units] }, ...(bias ? [{ name: 'bias', shape: [units] }] : [])]);
  const weight = transpose2(w[0]!, inF, units);
  const params = { weight: { shape: [units, inF], data: weight }, ...(bias ? { bias: { shape: [units], data: w[1]! } } : {}) };
  const lin = cx.add('linear', [x], { units, ...(bias ? {} : { bias: false }) }, params, act ? 'linear' : undefined);
  return [keras(applyActivation(cx, lin, act))];
};

/** Layers that do nothing at inference. */
const identity: Mapper = (cx) => [cx.ins[0]!];

const flatten: Mapper = (cx) => {
  if ((cx.config.data_format ?? 'channels_last') !== 'channels_last') throw new NodeError(`Flatten with data_format ${JSON.stringify(cx.config.data_format)}`);
  const x = cx.x();
  return x.shape.length === 1 ? [keras(x)] : [keras(cx.add('flatten', [x]))];
};

const reshape: Mapper = (cx) => {
  const target = cx.config.target_shape;
  if (!Array.isArray(target) || !target.every((d) => typeof d === 'number' || d === null)) throw new NodeError(`target_shape ${JSON.stringify(target)}: expected a list of ints`);
  const x = cx.x();
  const shape = target.map((d) => (d === null ? -1 : (d as number)));
  const known = prod(shape.filter((d) => d !== -1));
  const full = shape.map((d) => (d === -1 ? prod(x.shape) / known : d));
  if (prod(full) !== prod(x.shape) || !full.every(Number.isInteger)) throw new NodeError(`cannot reshape [${x.shape.join(', ')}] to [${target.join(', ')}]`);
  return [keras(full.join() === x.shape.join() ? x : cx.add('reshape', [x], { shape: full }))];
};

const permute: Mapper = (cx) => {
  const dims = cx.config.dims;
  const x = cx.x();
  if (!Array.isArray(dims) || dims.length !== x.shape.length || !dims.every((d) => typeof d === 'number')) throw new NodeError(`dims ${JSON.stringify(dims)}: expected a permutation of 1..${x.shape.length}`);
  return [keras(cx.add('permute', [x], { dims: (dims as number[]).map((d) => d - 1) }))];
};

function merge(type: 'add' | 'sub' | 'mul'): Mapper {
  return (cx) => {
    if (cx.ins.length < 2) throw new NodeError(`expected at least 2 inputs, got ${cx.ins.length}`);
    if (type === 'sub' && cx.ins.length !== 2) throw new NodeError(`Subtract takes exactly 2 inputs, got ${cx.ins.length}`);
    const xs = cx.ins.map((_, i) => cx.x(i));
    const shapes = xs.map((s) => `[${s.shape.join(', ')}]`);
    if (new Set(shapes).size > 1) throw new NodeError(`inputs of shapes ${shapes.join(', ')}: layergen's ${type} needs equal shapes (no broadcasting)`);
    return [keras(cx.add(type, xs))];
  };
}

const concatenate: Mapper = (cx) => {
  const xs = cx.ins.map((_, i) => cx.x(i));
  const rank = xs[0]!.shape.length;
  const a = exampleAxis(cx.config.axis ?? -1, rank, 'axis');
  return [keras(cx.add('concat', xs, { axis: a === rank - 1 ? -1 : a }))];
};

const layerNorm: Mapper = (cx) => {
  const c = cx.config;
  const x = cx.x();
  const rank = x.shape.length;
  if (exampleAxis(c.axis ?? -1, rank, 'axis') !== rank - 1) throw new NodeError(`normalisation over axis ${JSON.stringify(c.axis)}: layergen's layernorm normalises the last axis`);
  if (bool(c, 'rms_scaling', false)) throw new NodeError('rms_scaling=True (RMS normalisation) is not supported');
  const n = x.shape[rank - 1]!;
  const scale = bool(c, 'scale', true);
  const center = bool(c, 'center', true);
  const w = cx.weights([...(scale ? [{ name: 'gamma', shape: [n] }] : []), ...(center ? [{ name: 'beta', shape: [n] }] : [])]);
  const weight = scale ? w[0]! : new Float64Array(n).fill(1);
  const bias = center ? w[scale ? 1 : 0]! : new Float64Array(n);
  const affine = scale || center;
  const params: Record<string, ParamTensor> = affine ? { weight: { shape: [n], data: weight }, bias: { shape: [n], data: bias } } : {};
  return [keras(cx.add('layernorm', [x], { eps: num(c, 'epsilon', 1e-3), ...(affine ? {} : { affine: false }) }, params))];
};

/** GroupNormalization (Keras 3): channel groups over the last axis (channels last: applied channels-first), gamma / beta per channel. */
const groupNorm: Mapper = (cx) => {
  const c = cx.config;
  const v = cx.ins[0]!;
  const rank = v.shape.length;
  if (exampleAxis(c.axis ?? -1, rank, 'axis') !== rank - 1) throw new NodeError(`axis ${JSON.stringify(c.axis)}: layergen's groupnorm groups the channel axis, the last one here`);
  const n = v.shape[rank - 1]!;
  const groups = num(c, 'groups', 32);
  if (n % groups !== 0) throw new NodeError(`groups ${groups} does not divide the ${n} channels`);
  const scale = bool(c, 'scale', true);
  const center = bool(c, 'center', true);
  const w = cx.weights([...(scale ? [{ name: 'gamma', shape: [n] }] : []), ...(center ? [{ name: 'beta', shape: [n] }] : [])]);
  const affine = scale || center;
  const params: Record<string, { shape: number[]; data: Float64Array }> = affine
    ? { weight: { shape: [n], data: scale ? w[0]! : new Float64Array(n).fill(1) }, bias: { shape: [n], data: center ? w[scale ? 1 : 0]! : new Float64Array(n) } }
    : {};
  const attrs = { num_groups: groups, eps: num(c, 'epsilon', 1e-3), affine };
  if (rank === 1) return [keras(cx.add('groupnorm', [cx.x()], attrs, params))];
  return [{ src: cx.add('groupnorm', [cx.cf()], attrs, params), shape: v.shape, cf: true }];
};

/** BatchNormalization over the channel axis: axis -1 (channels last: applied channels-first) or the first example axis. */
const batchNorm: Mapper = (cx) => {
  const c = cx.config;
  const v = cx.ins[0]!;
  const rank = v.shape.length;
  const a = exampleAxis(c.axis ?? -1, rank, 'axis');
  if (a !== 0 && a !== rank - 1) throw new NodeError(`axis ${JSON.stringify(c.axis)}: layergen's batchnorm normalises per channel, the last or the first axis`);
  const n = v.shape[a]!;
  const scale = bool(c, 'scale', true);
  const center = bool(c, 'center', true);
  const w = cx.weights([
    ...(scale ? [{ name: 'gamma', shape: [n] }] : []),
    ...(center ? [{ name: 'beta', shape: [n] }] : []),
    { name: 'moving_mean', shape: [n] },
    { name: 'moving_variance', shape: [n] },
  ]);
  let k = 0;
  const weight = scale ? w[k++]! : new Float64Array(n).fill(1);
  const bias = center ? w[k++]! : new Float64Array(n);
  const params = {
    weight: { shape: [n], data: weight },
    bias: { shape: [n], data: bias },
    running_mean: { shape: [n], data: w[k++]! },
    running_var: { shape: [n], data: w[k++]! },
  };
  const attrs = { eps: num(c, 'epsilon', 1e-3) };
  if (a === 0) return [keras(cx.add('batchnorm', [cx.x()], attrs, params))];
  return [{ src: cx.add('batchnorm', [cx.cf()], attrs, params), shape: v.shape, cf: true }];
};

const embedding: Mapper = (cx) => {
  const c = cx.config;
  if (bool(c, 'mask_zero', false)) throw new NodeError('mask_zero=True (masking) is not supported');
  const x = cx.x();
  if (x.dtype !== 'int') throw new NodeError('the input is not an integer tensor');
  const vocab = num(c, 'input_dim');
  const units = num(c, 'output_dim');
  const [w] = cx.weights([{ name: 'embeddings', shape: [vocab, units] }]);
  return [keras(cx.add('embedding', [x], { vocab, units }, { weight: { shape: [vocab, units], data: w! } }))];
};

/**
 * PReLU: Keras' alpha has the input's shape with the shared_axes set to 1. One slope (all axes
 * shared), one per element of a 1-d input, or one per channel (only the last axis varies; applied
 * channels-first) become layergen's prelu with those slopes; slopes varying along other axes
 * (Keras' default for a multi-axis input) become one per element.
 */
const prelu: Mapper = (cx) => {
  const v = cx.ins[0]!;
  const raw = cx.config.shared_axes;
  const shared = Array.isArray(raw) ? (raw as number[]) : typeof raw === 'number' ? [raw] : [];
  const alphaShape = v.shape.map((d, i) => (shared.includes(i + 1) ? 1 : d));
  const [alpha] = cx.weights([{ name: 'alpha', shape: alphaShape }]);
  const varying = alphaShape.flatMap((d, i) => (d > 1 ? [i] : []));
  const rank = v.shape.length;
  const one = (n: number) => ({ num_parameters: n });
  if (varying.length === 0 || rank === 1) {
    const n = varying.length === 0 ? 1 : v.shape[0]!;
    return [keras(cx.add('prelu', [cx.x()], one(n), { weight: { shape: [n], data: alpha!.slice(0, n) } }))];
  }
  if (varying.length === 1 && varying[0] === rank - 1) {
    const n = v.shape[rank - 1]!;
    return [{ src: cx.add('prelu', [cx.cf()], one(n), { weight: { shape: [n], data: alpha! } }), shape: v.shape, cf: true }];
  }
  // Slopes varying along other axes: one per element, alpha broadcast over the shared axes.
  const full = broadcastTo(alpha!, alphaShape, v.shape);
  return [keras(cx.add('prelu', [cx.x()], one(full.length), { weight: { shape: [...v.shape], data: full } }))];
};

/** `data` of shape `from` (each axis 1 or equal to `to`'s) repeated along its size-1 axes to `to`. */
function broadcastTo(data: Float64Array, from: readonly number[], to: readonly number[]): Float64Array {
  const out = new Float64Array(prod(to));
  for (let i = 0; i < out.length; i++) {
    let rest = i;
    let src = 0;
    let stride = 1;
    for (let a = to.length - 1; a >= 0; a--) {
      const k = rest % to[a]!;
      rest = Math.floor(rest / to[a]!);
      if (from[a] !== 1) src += k * stride;
      stride *= from[a]!;
    }
    out[i] = data[src]!;
  }
  return out;
}

export const CORE_LAYERS: Readonly<Record<string, Mapper>> = {
  PReLU: prelu,
  Dense: dense,
  Dropout: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  ActivityRegularization: identity,
  Flatten: flatten,
  Reshape: reshape,
  Permute: permute,
  Add: merge('add'),
  Subtract: merge('sub'),
  Multiply: merge('mul'),
  Concatenate: concatenate,
  LayerNormalization: layerNorm,
  BatchNormalization: batchNorm,
  GroupNormalization: groupNorm,
  Embedding: embedding,
};
