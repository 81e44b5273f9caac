/**
 * Keras Conv1D / Conv2D and pooling -> layergen's conv / pool layers, which are PyTorch's
 * channels-first ([C, L], [C, H, W]). Keras' default channels_last data ([L, C], [H, W, C]) is
 * read channels-first (a permute layer where the producer was channels-last) and the result stays
 * channels-first until a layer needs Keras' layout (Flatten, Dense, ...), so conv -> pool -> conv
 * needs no permutes in between. Kernels [..., in/groups, out] become [out, in/groups, ...].
 * Padding "same" is symmetric padding where Keras' (TensorFlow's) split is even; an odd split (the
 * extra one at the end) and Conv1D's "causal" (all of it before) are a zero `pad` layer first;
 * average pooling over "same" padding leaves the padding out of each mean (count_include_pad
 * false). ZeroPadding1D/2D are `pad` layers, UpSampling1D/2D `upsample` (nearest; bilinear with
 * half-pixel centres, PyTorch's align_corners=False).
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

/** Padding per axis, before and after, for Keras' "valid" / "same" (TensorFlow's split: the extra one at the end) / "causal". */
function paddingOf(cx: Cx, s: Spatial, kernel: readonly number[], stride: readonly number[], dilation: readonly number[], causal = false): [number[], number[]] {
  const mode = str(cx.config, 'padding', 'valid').toLowerCase();
  if (mode === 'valid') return [kernel.map(() => 0), kernel.map(() => 0)];
  if (mode === 'causal' && causal) return [kernel.map((k, d) => dilation[d]! * (k - 1)), kernel.map(() => 0)];
  if (mode !== 'same') throw new NodeError(`padding "${mode}" is not supported (valid${causal ? ', causal' : ''} and same are)`);
  const total = s.spatial.map((L, d) => Math.max((Math.ceil(L / stride[d]!) - 1) * stride[d]! + dilation[d]! * (kernel[d]! - 1) + 1 - L, 0));
  return [total.map((t) => Math.floor(t / 2)), total.map((t) => t - Math.floor(t / 2))];
}

/** Symmetric padding, or the error naming the split (pooling pads both sides of an axis alike). */
function padding(cx: Cx, s: Spatial, kernel: readonly number[], stride: readonly number[], dilation: readonly number[]): number[] {
  const [begin, end] = paddingOf(cx, s, kernel, stride, dilation);
  begin.forEach((b, d) => {
    if (b !== end[d]) throw new NodeError(`padding "same" on axis ${d + 1} pads ${b} before and ${end[d]} after; layergen's pools pad both sides alike`);
  });
  return begin;
}

/** What Conv and ConvTranspose layers share: the channels-first input, filters, kernel, strides, dilation. */
function convConfig(cx: Cx, dims: 1 | 2) {
  const c = cx.config;
  return {
    c,
    s: spatialInput(cx, dims),
    filters: num(c, 'filters'),
    kernel: ints(c, 'kernel_size', dims),
    stride: ints(c, 'strides', dims, 1),
    dilation: ints(c, 'dilation_rate', dims, 1),
  };
}

function conv(dims: 1 | 2): Mapper {
  return (cx) => {
    const { c, s, filters, kernel, stride, dilation } = convConfig(cx, dims);
    const groups = num(c, 'groups', 1);
    if (s.channels % groups || filters % groups) throw new NodeError(`groups ${groups} does not divide ${s.channels} input channels and ${filters} filters`);
    const [begin, end] = paddingOf(cx, s, kernel, stride, dilation, dims === 1);
    const even = begin.every((b, d) => b === end[d]);
    // An uneven split (or causal padding): zeros by a pad layer, then the conv without padding.
    const src = even ? s.src : cx.add('pad', [s.src], { pads: [0, ...begin, 0, ...end], mode: 'constant', value: 0 });
    const pad = even ? begin : begin.map(() => 0);
    const bias = bool(c, 'use_bias', true);
    const act = activationOf(cx, c.activation);
    const inC = s.channels / groups;
    const w = cx.weights([{ name: 'kernel', shape: [...kernel, inC, filters] }, ...(bias ? [{ name: 'bias', shape: [filters] }] : [])]);
    const perm = dims === 1 ? [2, 1, 0] : [3, 2, 0, 1];
    const weight = transpose(w[0]!, [...kernel, inC, filters], perm);
    const params = { weight: { shape: [filters, inC, ...kernel], data: weight }, ...(bias ? { bias: { shape: [filters], data: w[1]! } } : {}) };
    const attrs = { channels: filters, kernel, stride, padding: pad, dilation, groups, ...(bias ? {} : { bias: false }) };
    const y = cx.add(`conv${dims}d`, [src], attrs, params, act ? 'conv' : undefined);
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
    // Keras leaves the padding out of each mean.
    const exclude: Record<string, boolean> = kind === 'avg' && pad.some((p) => p > 0) ? { count_include_pad: false } : {};
    return [output(s, cx.add(`${kind}pool${dims}d`, [s.src], { kernel, stride, padding: pad, ...exclude }))];
  };
}

function globalPool(kind: 'max' | 'avg', dims: 1 | 2): Mapper {
  return (cx) => {
    if (bool(cx.config, 'keepdims', false)) throw new NodeError('keepdims=True is not supported');
    const s = spatialInput(cx, dims);
    return [keras(cx.add(`global${kind}pool`, [s.src]))];
  };
}

/**
 * Conv1DTranspose / Conv2DTranspose: kernels [..., filters, in] become [in, filters, ...]; padding
 * valid is none, same crops the full transposed convolution to input size * stride as TensorFlow
 * does (max(k - s, 0) in all, the extra one at the end: a slice per axis where the split is uneven).
 */
function convTranspose(dims: 1 | 2): Mapper {
  return (cx) => {
    const { c, s, filters, kernel, stride, dilation } = convConfig(cx, dims);
    if (dilation.some((d) => d !== 1)) throw new NodeError('a dilated transposed convolution: TensorFlow runs it only with strides 1; not supported');
    if (c.output_padding !== null && c.output_padding !== undefined) throw new NodeError('output_padding is not supported (valid and same padding are)');
    const mode = str(c, 'padding', 'valid').toLowerCase();
    if (mode !== 'valid' && mode !== 'same') throw new NodeError(`padding "${mode}" is not supported (valid and same are)`);
    const bias = bool(c, 'use_bias', true);
    const act = activationOf(cx, c.activation);
    const w = cx.weights([{ name: 'kernel', shape: [...kernel, filters, s.channels] }, ...(bias ? [{ name: 'bias', shape: [filters] }] : [])]);
    const perm = dims === 1 ? [2, 1, 0] : [3, 2, 0, 1];
    const weight = transpose(w[0]!, [...kernel, filters, s.channels], perm);
    const total = kernel.map((k, d) => (mode === 'same' ? Math.max(k - stride[d]!, 0) : 0));
    const even = total.every((t) => t % 2 === 0);
    const attrs = { channels: filters, kernel, stride, padding: even ? total.map((t) => t / 2) : kernel.map(() => 0), ...(bias ? {} : { bias: false }) };
    const params = { weight: { shape: [s.channels, filters, ...kernel], data: weight }, ...(bias ? { bias: { shape: [filters], data: w[1]! } } : {}) };
    let y = cx.add(`convtranspose${dims}d`, [s.src], attrs, params, act || !even ? 'conv' : undefined);
    if (!even) {
      // Crop floor(t / 2) at the start and the rest at the end: output size input * stride.
      total.forEach((t, d) => {
        const begin = Math.floor(t / 2);
        y = cx.add('slice', [y], { axis: d + 1, start: begin, end: begin + s.spatial[d]! * stride[d]!, step: 1 }, {}, 'crop');
      });
    }
    return [output(s, applyActivation(cx, y, act))];
  };
}

/** ZeroPadding1D / 2D: an int, a pair per axis, or ((top, bottom), (left, right)). */
function zeroPadding(dims: 1 | 2): Mapper {
  return (cx) => {
    const s = spatialInput(cx, dims);
    const raw = cx.config.padding;
    const pairs: [number, number][] = [];
    for (let d = 0; d < dims; d++) {
      const p = dims === 1 ? raw : Array.isArray(raw) ? raw[d] : raw;
      if (typeof p === 'number') pairs.push([p, p]);
      else if (Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number')) pairs.push([p[0] as number, p[1] as number]);
      else throw new NodeError(`padding ${JSON.stringify(raw)}: expected an int or (before, after) per axis`);
    }
    const pads = [0, ...pairs.map((p) => p[0]), 0, ...pairs.map((p) => p[1])];
    return [output(s, cx.add('pad', [s.src], { pads, mode: 'constant', value: 0 }))];
  };
}

/** UpSampling1D (size: repeats) / UpSampling2D (size per axis, nearest or bilinear). */
function upSampling(dims: 1 | 2): Mapper {
  return (cx) => {
    const s = spatialInput(cx, dims);
    const size = ints(cx.config, 'size', dims, 2);
    const interpolation = dims === 2 ? str(cx.config, 'interpolation', 'nearest') : 'nearest';
    if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw new NodeError(`interpolation "${interpolation}": layergen's upsample is nearest or bilinear`);
    return [output(s, cx.add('upsample', [s.src], { scale_factor: size, mode: interpolation }))];
  };
}

export const SPATIAL_LAYERS: Readonly<Record<string, Mapper>> = {
  Conv1DTranspose: convTranspose(1),
  Conv2DTranspose: convTranspose(2),
  ZeroPadding1D: zeroPadding(1),
  ZeroPadding2D: zeroPadding(2),
  UpSampling1D: upSampling(1),
  UpSampling2D: upSampling(2),
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
