/**
 * Keras Conv1D / Conv2D and pooling -> layergen's conv / pool layers, which are PyTorch's
 * channels-first ([C, L], [C, H, W]). Keras' default channels_last data ([L, C], [H, W, C]) is
 * read channels-first (a permute layer where the producer was channels-last) and the result stays
 * channels-first until a layer needs Keras' layout (Flatten, Dense, ...), so conv -> pool -> conv
 * needs no permutes in between. Kernels [..., in/groups, out] become [out, in/groups, ...].
 * Padding "same" is symmetric padding where Keras' (TensorFlow's) split is even; an odd split,
 * "causal" and average pooling over "same" padding (Keras leaves the padding out of the mean) are errors.
 */
import { NodeError } from '../onnx/model.js';
import { activationOf, applyActivation } from './activations.js';
import { transpose } from '../../ir/transpose.js';
import { bool, channelsFirst, ints, keras, num, str, type Cx, type KValue, type Mapper } from './common.js';

interface Spatial {
  /** The input channels-first: [C, ...spatial]. */
  readonly src: ReturnType<Cx['x']>;
  readonly channelsLast: boolean;
  readonly spatial: readonly number[];
  readonly channels: number;
}

function spatialInput(cx: Cx, dims: number): Spatial {
  const format = str(cx.config, 'data_format', 'channels_last');
  if (format !== 'channels_last' && format !== 'channels_first') throw new NodeError(`data_format "${format}"`);
  const channelsLast = format === 'channels_last';
  const v = cx.ins[0]!;
  if (v.shape.length !== dims + 1) throw new NodeError(`input of shape [${v.shape.join(', ')}]: expected ${dims} spatial axes and one channel axis`);
  const src = channelsLast ? cx.cf() : cx.x();
  return { src, channelsLast, channels: src.shape[0]!, spatial: src.shape.slice(1) };
}

/** The output value: channels-first data, in Keras' layout when the layer is channels_first. */
function output(s: Spatial, src: ReturnType<Cx['x']>): KValue {
  return s.channelsLast ? channelsFirst(src, [...src.shape.slice(1), src.shape[0]!]) : keras(src);
}

/** Symmetric padding per axis for Keras' "valid" / "same" (TensorFlow's split: the extra one at the end). */
function padding(cx: Cx, s: Spatial, kernel: readonly number[], stride: readonly number[], dilation: readonly number[]): number[] {
  const mode = str(cx.config, 'padding', 'valid').toLowerCase();
  if (mode === 'valid') return kernel.map(() => 0);
  if (mode !== 'same') throw new NodeError(`padding "${mode}" is not supported (valid and same are)`);
  return s.spatial.map((L, d) => {
    const total = Math.max((Math.ceil(L / stride[d]!) - 1) * stride[d]! + dilation[d]! * (kernel[d]! - 1) + 1 - L, 0);
    if (total % 2) throw new NodeError(`padding "same" on axis ${d + 1} pads ${total} (${(total - 1) / 2} before, ${(total + 1) / 2} after); layergen pads both sides alike`);
    return total / 2;
  });
}

function conv(dims: 1 | 2): Mapper {
  return (cx) => {
    const c = cx.config;
    const s = spatialInput(cx, dims);
    const filters = num(c, 'filters');
    const kernel = ints(c, 'kernel_size', dims);
    const stride = ints(c, 'strides', dims, 1);
    const dilation = ints(c, 'dilation_rate', dims, 1);
    const groups = num(c, 'groups', 1);
    if (s.channels % groups || filters % groups) throw new NodeError(`groups ${groups} does not divide ${s.channels} input channels and ${filters} filters`);
    const pad = padding(cx, s, kernel, stride, dilation);
    const bias = bool(c, 'use_bias', true);
    const act = activationOf(cx, c.activation);
    const inC = s.channels / groups;
    const w = cx.weights([{ name: 'kernel', shape: [...kernel, inC, filters] }, ...(bias ? [{ name: 'bias', shape: [filters] }] : [])]);
    const perm = dims === 1 ? [2, 1, 0] : [3, 2, 0, 1];
    const weight = transpose(w[0]!, [...kernel, inC, filters], perm);
    const params = { weight: { shape: [filters, inC, ...kernel], data: weight }, ...(bias ? { bias: { shape: [filters], data: w[1]! } } : {}) };
    const attrs = { channels: filters, kernel, stride, padding: pad, dilation, groups, ...(bias ? {} : { bias: false }) };
    const y = cx.add(`conv${dims}d`, [s.src], attrs, params, act ? 'conv' : undefined);
    return [output(s, applyActivation(cx, y, act))];
  };
}

function pool(kind: 'max' | 'avg', dims: 1 | 2): Mapper {
  return (cx) => {
    const c = cx.config;
    const s = spatialInput(cx, dims);
    const kernel = ints(c, 'pool_size', dims, 2);
    const stride = c.strides === null || c.strides === undefined ? kernel : ints(c, 'strides', dims);
    const pad = padding(cx, s, kernel, stride, kernel.map(() => 1));
    if (kind === 'avg' && pad.some((p) => p > 0)) throw new NodeError('average pooling over padding "same": Keras leaves the padding out of each mean, layergen (like PyTorch by default) counts it');
    return [output(s, cx.add(`${kind}pool${dims}d`, [s.src], { kernel, stride, padding: pad }))];
  };
}

function globalPool(kind: 'max' | 'avg', dims: 1 | 2): Mapper {
  return (cx) => {
    if (bool(cx.config, 'keepdims', false)) throw new NodeError('keepdims=True is not supported');
    const s = spatialInput(cx, dims);
    return [keras(cx.add(`global${kind}pool`, [s.src]))];
  };
}

export const SPATIAL_LAYERS: Readonly<Record<string, Mapper>> = {
  Conv1D: conv(1),
  Conv2D: conv(2),
  Convolution1D: conv(1),
  Convolution2D: conv(2),
  MaxPooling1D: pool('max', 1),
  MaxPooling2D: pool('max', 2),
  MaxPool1D: pool('max', 1),
  MaxPool2D: pool('max', 2),
  AveragePooling1D: pool('avg', 1),
  AveragePooling2D: pool('avg', 2),
  AvgPool1D: pool('avg', 1),
  AvgPool2D: pool('avg', 2),
  GlobalAveragePooling1D: globalPool('avg', 1),
  GlobalAveragePooling2D: globalPool('avg', 2),
  GlobalAvgPool1D: globalPool('avg', 1),
  GlobalAvgPool2D: globalPool('avg', 2),
  GlobalMaxPooling1D: globalPool('max', 1),
  GlobalMaxPooling2D: globalPool('max', 2),
  GlobalMaxPool1D: globalPool('max', 1),
  GlobalMaxPool2D: globalPool('max', 2),
};
