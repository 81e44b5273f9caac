/**
 * Conv, pooling and normalisation: [N, C, ...spatial] tensors (batch first) -> conv1d/2d,
 * maxpool1d/2d, avgpool1d/2d, globalavgpool, globalmaxpool, batchnorm; LayerNormalization (and its opset < 17
 * decomposition, layergen.layernorm) -> layernorm over the last axis. ONNX pads are
 * [begin..., end...]; layergen pads both sides equally, so asymmetric pads are an error.
 */
import { NodeError, attrFloat, attrInt, attrInts, attrString, shortFloat32, type OnnxNode } from '../model.js';
import type { AttrValue } from '../../../ir/graph.js';
import { dimsOf, fmt, nums, size, type Const, type Tensor, type Value } from '../values.js';
import { batchFirst, exampleAxis, layer, param, result, type Cx, type Mapper } from './common.js';

interface Window {
  kernel: number[];
  stride: number[];
  /** Pads at the begin of each spatial axis, and at the end. */
  padding: number[];
  padEnd: number[];
  dilation: number[];
}

/** Kernel, strides, pads (auto_pad resolved) and dilations of a Conv / pool node. */
function windowOf(n: OnnxNode, spatialIn: readonly number[], kernel: readonly number[]): Window {
  const s = spatialIn.length;
  const stride = [...attrInts(n, 'strides', new Array(s).fill(1))];
  const dilation = [...attrInts(n, 'dilations', new Array(s).fill(1))];
  const autoPad = attrString(n, 'auto_pad', 'NOTSET');
  let pads: number[];
  if (autoPad === 'NOTSET') pads = [...attrInts(n, 'pads', new Array(2 * s).fill(0))];
  else if (autoPad === 'VALID') pads = new Array(2 * s).fill(0);
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const total = spatialIn.map((x, d) => Math.max((Math.ceil(x / stride[d]!) - 1) * stride[d]! + (kernel[d]! - 1) * dilation[d]! + 1 - x, 0));
    const small = total.map((t) => Math.floor(t / 2));
    const big = total.map((t) => t - Math.floor(t / 2));
    pads = autoPad === 'SAME_UPPER' ? [...small, ...big] : [...big, ...small];
  } else throw new NodeError(`unknown auto_pad ${autoPad}`);
  if ([stride, dilation, kernel].some((v) => v.length !== s) || pads.length !== 2 * s) throw new NodeError(`window attributes do not match the ${s} spatial axes`);
  return { kernel: [...kernel], stride, padding: pads.slice(0, s), padEnd: pads.slice(s), dilation };
}

/** Pooling pads both sides of an axis alike (PyTorch's pools do). */
function symmetric(win: Window): void {
  const end = win.padEnd ?? win.padding;
  if (win.padding.some((p, d) => p !== end[d])) {
    throw new NodeError(`asymmetric padding (begin [${win.padding.join(', ')}], end [${end.join(', ')}]): layergen's pools pad both sides of an axis equally`);
  }
}

/** The input of a spatial op: [N, C, L] or [N, C, H, W] with the batch first. */
function spatialInput(cx: Cx, what: string): Tensor {
  const x = batchFirst(cx.tensor(0), what);
  if (x.dtype !== 'float') throw new NodeError(`${what} needs a float input`);
  if (x.shape.length !== 2 && x.shape.length !== 3) {
    throw new NodeError(`${what} of a ${x.shape.length - 1}-d input ${fmt(dimsOf(x))}: layergen has 1-d and 2-d ${what === 'Conv' ? 'convolutions' : 'pooling'} only`);
  }
  return x;
}

/** Spatial ints written as one value when all axes agree (as PyTorch users write them). */
const ints = (v: readonly number[]): number[] => (v.every((x) => x === v[0]) ? [v[0]!] : [...v]);

const conv: Mapper = (cx) => {
  const x = spatialInput(cx, 'Conv');
  const w = cx.constant(1, 'the weight');
  const [c, ...spatialIn] = x.shape as [number, ...number[]];
  const groups = attrInt(cx.node, 'group', 1);
  const [outC, perGroup, ...kernel] = w.shape as [number, number, ...number[]];
  if (w.shape.length !== x.shape.length + 1 || perGroup * groups !== c) throw new NodeError(`weight ${fmt(w.shape)} does not fit input ${fmt(dimsOf(x))} with group ${groups}`);
  if (cx.node.attrs.has('kernel_shape') && attrInts(cx.node, 'kernel_shape').join() !== kernel.join()) throw new NodeError('kernel_shape does not match the weight');
  const win = windowOf(cx.node, spatialIn, kernel);
  const bias = cx.has(2) ? cx.constant(2, 'the bias') : null;
  const type = `conv${spatialIn.length}d`;
  const end = win.padEnd ?? win.padding;
  const even = win.padding.every((p, d) => p === end[d]);
  const attrs = { channels: outC, kernel: ints(win.kernel), stride: ints(win.stride), padding: even ? ints(win.padding) : [0], dilation: ints(win.dilation), groups, bias: bias !== null };
  let src = cx.net.materialize(x, cx.node.name);
  // Asymmetric pads (SAME_UPPER, PyTorch's padding='same' with an even kernel): zeros by a pad layer first.
  if (!even) src = layer(cx, 'pad', [src], { pads: [0, ...win.padding, 0, ...end], mode: 'constant', value: 0 });
  const out = layer(cx, type, [src], attrs, { weight: param(w), ...(bias ? { bias: param(bias) } : {}) });
  return [result(out, out.shape, 0)];
};

/** ConvTranspose: weight [C_in, C_out / group, k...], symmetric pads, output_padding; output_shape only where it agrees. */
const convTranspose: Mapper = (cx) => {
  const n = cx.node;
  const x = spatialInput(cx, 'ConvTranspose');
  const w = cx.constant(1, 'the weight');
  const [c, ...spatialIn] = x.shape as [number, ...number[]];
  const groups = attrInt(n, 'group', 1);
  const [inC, perGroup, ...kernel] = w.shape as [number, number, ...number[]];
  if (w.shape.length !== x.shape.length + 1 || inC !== c) throw new NodeError(`weight ${fmt(w.shape)} does not fit input ${fmt(dimsOf(x))}`);
  if (groups < 1 || inC % groups !== 0) throw new NodeError(`group ${groups} does not divide the ${inC} input channels`);
  const s = spatialIn.length;
  if (attrString(n, 'auto_pad', 'NOTSET') !== 'NOTSET') throw new NodeError('ConvTranspose with auto_pad: give explicit pads');
  const stride = [...attrInts(n, 'strides', new Array(s).fill(1))];
  const dilation = [...attrInts(n, 'dilations', new Array(s).fill(1))];
  const pads = [...attrInts(n, 'pads', new Array(2 * s).fill(0))];
  const outputPadding = [...attrInts(n, 'output_padding', new Array(s).fill(0))];
  if ([stride, dilation, outputPadding].some((v) => v.length !== s) || pads.length !== 2 * s) throw new NodeError(`window attributes do not match the ${s} spatial axes`);
  if ([...stride, ...dilation].some((v) => !(v >= 1)) || [...pads, ...outputPadding].some((v) => !(v >= 0))) throw new NodeError('strides and dilations must be >= 1, pads and output_padding >= 0');
  if (pads.slice(0, s).some((p, d) => p !== pads[s + d])) throw new NodeError(`asymmetric pads [${pads.join(', ')}]: layergen's convtranspose pads both sides alike`);
  const padding = pads.slice(0, s);
  const outShape = spatialIn.map((m, d) => (m - 1) * stride[d]! - 2 * padding[d]! + dilation[d]! * (kernel[d]! - 1) + outputPadding[d]! + 1);
  if (n.attrs.has('output_shape') && attrInts(n, 'output_shape').slice(-s).join() !== outShape.join()) {
    throw new NodeError(`output_shape [${attrInts(n, 'output_shape').join(', ')}] differs from the size the pads and output_padding give ([${outShape.join(', ')}])`);
  }
  const bias = cx.has(2) ? cx.constant(2, 'the bias') : null;
  if (bias && size(bias.shape) !== perGroup * groups) throw new NodeError(`bias of shape ${fmt(bias.shape)}: expected ${perGroup * groups} values (one per output channel)`);
  const attrs = {
    channels: perGroup * groups,
    kernel: ints(kernel),
    stride: ints(stride),
    padding: ints(padding),
    output_padding: ints(outputPadding),
    dilation: ints(dilation),
    groups,
    bias: bias !== null,
  };
  const src = cx.net.materialize(x, n.name);
  const out = layer(cx, `convtranspose${s}d`, [src], attrs, { weight: param(w), ...(bias ? { bias: param(bias) } : {}) });
  return [result(out, out.shape, 0)];
};

/**
 * Resize as torch exports nn.Upsample: nearest (asymmetric coordinates, floor) or linear
 * (pytorch_half_pixel / half_pixel, or align_corners), integer scales or sizes on the spatial
 * axes only.
 */
const resize: Mapper = (cx) => {
  const n = cx.node;
  const x = spatialInput(cx, 'Resize');
  const spatialIn = x.shape.slice(1);
  const s = spatialIn.length;
  const mode = attrString(n, 'mode', 'nearest');
  const coord = attrString(n, 'coordinate_transformation_mode', 'half_pixel');
  // Scales or sizes, known at import; sizes often come as Concat(Shape(x)[:2], [H, W]), the batch symbolic.
  const known = (i: number, axes: number): number[] | undefined => {
    if (!cx.has(i)) return undefined;
    const c = cx.known(i);
    if (!c) throw new NodeError(`input ${i} (${i === 2 ? 'scales' : 'sizes'}) must be a constant`);
    if (c.kind !== 'const' || c.data.length === 0) return undefined;
    const v = (c.data as readonly unknown[]).slice(-axes);
    if (v.some((d) => typeof d !== 'number')) throw new NodeError(`the ${i === 2 ? 'scales' : 'sizes'} of the spatial axes are not known at import`);
    return v as number[];
  };
  const scales = known(2, s + 2);
  const sizes = known(3, s);
  let size: number[];
  if (sizes) size = sizes;
  else if (scales) {
    if (scales[0] !== 1 || scales[1] !== 1) throw new NodeError(`scales [${scales.join(', ')}] resize the batch or channel axis`);
    size = scales.slice(2).map((f, d) => {
      if (!Number.isInteger(f)) throw new NodeError(`scale ${f}: layergen's upsample takes integer scale factors`);
      return f * spatialIn[d]!;
    });
  } else throw new NodeError('Resize needs scales or sizes');
  let attrs: Record<string, AttrValue>;
  if (mode === 'nearest') {
    const nearest = attrString(n, 'nearest_mode', 'round_prefer_floor');
    if (coord !== 'asymmetric' || nearest !== 'floor') throw new NodeError(`nearest Resize with ${coord} coordinates and ${nearest} rounding: layergen's nearest is PyTorch's (asymmetric, floor)`);
    attrs = { size: size.length === 1 ? size : ints(size), mode: 'nearest' };
  } else if (mode === 'linear') {
    if (!['pytorch_half_pixel', 'half_pixel', 'align_corners'].includes(coord)) throw new NodeError(`linear Resize with ${coord} coordinates`);
    attrs = { size: ints(size), mode: s === 1 ? 'linear' : 'bilinear', align_corners: coord === 'align_corners' };
  } else throw new NodeError(`Resize mode ${mode}: layergen's upsample is nearest or (bi)linear`);
  const src = cx.net.materialize(x, n.name);
  const out = layer(cx, 'upsample', [src], attrs);
  return [result(out, out.shape, 0)];
};

function pool(kind: 'max' | 'avg'): Mapper {
  return (cx) => {
    const n = cx.node;
    const x = spatialInput(cx, kind === 'max' ? 'MaxPool' : 'AveragePool');
    const spatialIn = x.shape.slice(1);
    const win = windowOf(n, spatialIn, attrInts(n, 'kernel_shape'));
    symmetric(win);
    if (win.dilation.some((d) => d !== 1)) throw new NodeError('pooling with dilations: layergen pools contiguous windows');
    win.padding.forEach((p, d) => {
      if (p > Math.floor(win.kernel[d]! / 2)) throw new NodeError(`padding ${p} is more than half the kernel ${win.kernel[d]} (layergen follows PyTorch here)`);
    });
    const ceil = attrInt(n, 'ceil_mode', 0) === 1;
    // ONNX's AveragePool default is count_include_pad=0, PyTorch's True: written out when it matters.
    const exclude = kind === 'avg' && attrInt(n, 'count_include_pad', 0) === 0 && (win.padding.some((p) => p > 0) || ceil);
    const src = cx.net.materialize(x, n.name);
    const attrs = { kernel: ints(win.kernel), stride: ints(win.stride), padding: ints(win.padding), ...(ceil ? { ceil_mode: true } : {}), ...(exclude ? { count_include_pad: false } : {}) };
    const out = layer(cx, `${kind}pool${spatialIn.length}d`, [src], attrs);
    const rest: Value[] = n.outputs.length > 1 ? [{ kind: 'poison', reason: 'the Indices output of MaxPool' }] : [];
    return [result(out, out.shape, 0), ...rest];
  };
}

/** Mean or maximum over all spatial axes: GlobalAveragePool / GlobalMaxPool (keep them as 1s) and ReduceMean / ReduceMax over them. */
function globalPool(kind: 'avg' | 'max', cx: Cx, x0: Tensor, keep: boolean): Value[] {
  const x = batchFirst(x0, cx.node.opType);
  if (x.shape.length < 2) throw new NodeError(`input ${fmt(dimsOf(x))} has no spatial axes`);
  const src = cx.net.materialize(x, cx.node.name);
  const out = layer(cx, `global${kind}pool`, [src]);
  return [result(out, keep ? [x.shape[0]!, ...x.shape.slice(1).map(() => 1)] : [x.shape[0]!], 0)];
}

/**
 * ReduceMean / ReduceMax / ReduceMin / ReduceSum: over all spatial axes of [N, C, ...] a global
 * pool (as PyTorch's adaptive pools export), over other per-example axes a mean / amax / amin /
 * sum layer; the batch axis cannot be reduced. Axes are an attribute before opset 18 (13 for
 * ReduceSum), an input from then on; no axes means all (noop_with_empty_axes = 1: none).
 */
function reduce(kind: 'mean' | 'amax' | 'amin' | 'sum' | 'prod'): Mapper {
  return (cx) => {
    const x = cx.tensor(0);
    const rank = dimsOf(x).length;
    const fromInput = cx.opset >= (kind === 'sum' ? 13 : 18);
    const given = fromInput ? (cx.has(1) ? nums(cx.constant(1, 'axes')) : []) : [...attrInts(cx.node, 'axes', [])];
    const keep = attrInt(cx.node, 'keepdims', 1) === 1;
    if (given.length === 0 && fromInput && attrInt(cx.node, 'noop_with_empty_axes', 0) === 1) return [x];
    const axes = (given.length ? given : dimsOf(x).map((_, i) => i).filter((i) => i !== x.batchAxis)).map((a) => (a < 0 ? a + rank : a)).sort();
    const spatial = Array.from({ length: rank - 2 }, (_, i) => i + 2);
    if ((kind === 'mean' || kind === 'amax') && x.batchAxis === 0 && rank >= 3 && axes.join() === spatial.join()) {
      return globalPool(kind === 'mean' ? 'avg' : 'max', cx, x, keep);
    }
    const per = axes.map((a) => exampleAxis(x, a, 'reduced axis'));
    const src = cx.net.materialize(x, cx.node.name);
    const out = layer(cx, kind, [src], { axes: per, ...(keep ? { keepdims: true } : {}) });
    const dims = dimsOf(x);
    const outDims = keep ? dims.map((d, i) => (axes.includes(i) ? 1 : d)) : dims.filter((_, i) => !axes.includes(i));
    const batch = x.batchAxis < 0 ? -1 : outDims.indexOf('N');
    const shape = outDims.filter((d): d is number => d !== 'N');
    // A reduction to nothing but the batch axis is a layer of shape [1]; its ONNX value has shape [N].
    if (shape.length === 0) return [{ ...result(out, [1], 0), shape: [], batchAxis: 0 }];
    return [result(out, shape, batch)];
  };
}

const batchNorm: Mapper = (cx) => {
  const x = batchFirst(cx.tensor(0), 'BatchNormalization');
  if (attrInt(cx.node, 'training_mode', 0) !== 0) throw new NodeError('BatchNormalization in training mode');
  const c = x.shape[0]!;
  const [weight, bias, mean, variance] = [1, 2, 3, 4].map((i) => cx.constant(i, ['scale', 'B', 'mean', 'var'][i - 1]!));
  for (const t of [weight, bias, mean, variance]) if (size(t!.shape) !== c) throw new NodeError(`statistics of shape ${fmt(t!.shape)} for ${c} channels`);
  const src = cx.net.materialize(x, cx.node.name);
  const vec = (t: Const) => param(t, [c]);
  const out = layer(cx, 'batchnorm', [src], { eps: shortFloat32(attrFloat(cx.node, 'epsilon', 1e-5)) }, {
    weight: vec(weight!),
    bias: vec(bias!),
    running_mean: vec(mean!),
    running_var: vec(variance!),
  });
  const rest: Value[] = cx.node.outputs.slice(1).map(() => ({ kind: 'poison', reason: 'the training statistics outputs of BatchNormalization' }));
  return [result(out, x.shape, x.batchAxis), ...rest];
};

/**
 * InstanceNormalization(x, scale, B): per channel (per-example axis 0) over the other axes. Unit
 * scale and zero bias (as torch writes for affine=False, and inside its GroupNorm export) give
 * instancenorm without parameters.
 */
const instanceNorm: Mapper = (cx) => {
  const x = cx.tensor(0);
  if (x.batchAxis !== 0 || x.shape.length < 2) throw new NodeError(`InstanceNormalization of ${fmt(dimsOf(x))}: expected [batch, channels, ...]`);
  const c = x.shape[0]!;
  const vec = (i: number, what: string) => {
    const k = cx.constant(i, what);
    if (size(k.shape) !== c) throw new NodeError(`${what} of shape ${fmt(k.shape)}: expected ${c} values (one per channel)`);
    return param(k, [c]);
  };
  const scale = vec(1, 'scale');
  const bias = vec(2, 'B');
  const affine = !(scale.data.every((v) => v === 1) && bias.data.every((v) => v === 0));
  const eps = shortFloat32(attrFloat(cx.node, 'epsilon', 1e-5));
  const src = cx.net.materialize(x, cx.node.name);
  const out = layer(cx, 'instancenorm', [src], { eps, affine }, affine ? { weight: scale, bias } : {});
  return [result(out, x.shape, x.batchAxis)];
};

/** The first normalised per-example axis: LayerNormalization's `axis`, or the decomposition's reduced axes (trailing ones only). */
function normStart(cx: Cx, x: Tensor): number {
  if (!cx.node.attrs.has('axes')) return exampleAxis(x, attrInt(cx.node, 'axis', -1));
  const axes = attrInts(cx.node, 'axes').map((a) => exampleAxis(x, a)).sort((p, q) => p - q);
  if (axes.some((a, k) => a !== x.shape.length - axes.length + k)) {
    throw new NodeError(`normalisation over axes [${attrInts(cx.node, 'axes').join(', ')}] of ${fmt(dimsOf(x))}: layergen's layernorm normalises trailing axes`);
  }
  return axes[0]!;
}

/** LayerNormalization (opset 17) and the recognised decomposition: over the axes from `axis` to the last. */
const layerNorm: Mapper = (cx) => {
  const x = cx.tensor(0);
  const axis = normStart(cx, x);
  const dims = x.shape.slice(axis);
  const n = size(dims);
  const vec = (i: number, what: string, fill: number) => {
    if (!cx.has(i)) return { shape: dims, data: new Float64Array(n).fill(fill) };
    const c = cx.constant(i, what);
    if (size(c.shape) !== n) throw new NodeError(`${what} of shape ${fmt(c.shape)}: expected ${n} values`);
    return param(c, dims);
  };
  const affine = cx.has(1);
  const src = cx.net.materialize(x, cx.node.name);
  const eps = shortFloat32(attrFloat(cx.node, 'epsilon', 1e-5));
  const shape: Record<string, number[]> = dims.length > 1 ? { normalized_shape: dims } : {};
  const out = layer(cx, 'layernorm', [src], { eps, affine, ...shape }, affine ? { weight: vec(1, 'scale', 1), bias: vec(2, 'bias', 0) } : {});
  const rest: Value[] = cx.node.outputs.slice(1).map(() => ({ kind: 'poison', reason: 'the Mean / InvStdDev outputs of LayerNormalization' }));
  return [result(out, x.shape, x.batchAxis), ...rest];
};

export const SPATIAL: Readonly<Record<string, Mapper>> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  Resize: resize,
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: (cx) => globalPool('avg', cx, cx.tensor(0), true),
  GlobalMaxPool: (cx) => globalPool('max', cx, cx.tensor(0), true),
  ReduceMean: reduce('mean'),
  ReduceMax: reduce('amax'),
  ReduceMin: reduce('amin'),
  ReduceSum: reduce('sum'),
  ReduceProd: reduce('prod'),
  BatchNormalization: batchNorm,
  InstanceNormalization: instanceNorm,
  LayerNormalization: layerNorm,
  'layergen.layernorm': layerNorm,
};
