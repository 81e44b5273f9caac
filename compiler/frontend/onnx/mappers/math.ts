/**
 * Elementwise math on run-time tensors (Sqrt, Log, Exp, Abs, Pow with a constant exponent) and
 * Pad (constant, reflect, edge) -> the layers of ops/math.ts. Pad's pads are [begin..., end...]
 * over the ONNX axes (an input from opset 11, an attribute before); the batch axis is not padded.
 */
import { NodeError, attrInts, attrString, shortFloat32 } from '../model.js';
import { dimsOf, fmt, nums, type Value } from '../values.js';
import { exampleAxis, layer, pointwise, result, scalarOf, type Mapper } from './common.js';

const pow: Mapper = (cx) => {
  if (cx.ins[0]?.kind !== 'tensor') throw new NodeError('Pow of a constant base and a run-time exponent: layergen raises run-time tensors to constant exponents');
  const e = cx.known(1);
  if (!e) throw new NodeError('Pow with a run-time exponent: layergen raises to constant exponents only');
  if (e.kind === 'const' && new Set(e.data).size > 1) throw new NodeError(`Pow with an exponent tensor of shape ${fmt(e.shape)} holding several values: layergen's pow takes one constant exponent`);
  return pointwise(cx, 'pow', { exponent: shortFloat32(scalarOf(e.kind === 'const' ? { ...e, shape: [], data: [e.data[0]!] } : e, 'the exponent')) });
};

const MODES: Readonly<Record<string, string>> = { constant: 'constant', reflect: 'reflect', edge: 'edge' };

const pad: Mapper = (cx) => {
  const x = cx.tensor(0);
  const dims = dimsOf(x);
  const r = dims.length;
  const mode = attrString(cx.node, 'mode', 'constant');
  if (!MODES[mode]) throw new NodeError(`Pad mode "${mode}": layergen pads in constant, reflect and edge modes`);
  const raw = cx.opset >= 11 ? nums(cx.constant(1, 'pads')) : [...attrInts(cx.node, 'pads')];
  // opset 18: pads may cover only the listed axes
  const axes = cx.opset >= 18 && cx.has(3) ? nums(cx.constant(3, 'axes')).map((a) => (a < 0 ? a + r : a)) : dims.map((_, i) => i);
  if (raw.length !== 2 * axes.length) throw new NodeError(`pads has ${raw.length} entries for ${axes.length} axes`);
  const begin = new Array<number>(r).fill(0);
  const end = new Array<number>(r).fill(0);
  axes.forEach((a, k) => {
    begin[a] = raw[k]!;
    end[a] = raw[axes.length + k]!;
  });
  if ([...begin, ...end].some((p) => p < 0)) throw new NodeError(`negative pads [${raw.join(', ')}] (cropping): layergen pads by zero or more only`);
  const value = cx.opset >= 11 ? (cx.has(2) ? scalarOf(cx.known(2), 'constant_value') : 0) : 0;
  if (begin.every((p) => p === 0) && end.every((p) => p === 0)) return [x];
  const per = dims.map((_, i) => i).filter((i) => i !== x.batchAxis);
  if (x.batchAxis >= 0 && (begin[x.batchAxis] !== 0 || end[x.batchAxis] !== 0)) throw new NodeError('Pad along the batch axis');
  per.forEach((a) => exampleAxis(x, a));
  const pads = [...per.map((a) => begin[a]!), ...per.map((a) => end[a]!)];
  const src = cx.net.materialize(x, cx.node.name);
  const out = layer(cx, 'pad', [src], { pads, ...(mode !== 'constant' ? { mode } : {}), ...(value !== 0 ? { value: shortFloat32(value) } : {}) });
  const shape = x.shape.map((d, i) => d + pads[i]! + pads[per.length + i]!);
  return [result(out, shape, x.batchAxis)] as Value[];
};

export const MATH: Readonly<Record<string, Mapper>> = {
  Sqrt: (cx) => pointwise(cx, 'sqrt'),
  Log: (cx) => pointwise(cx, 'log'),
  Exp: (cx) => pointwise(cx, 'exp'),
  Sin: (cx) => pointwise(cx, 'sin'),
  Cos: (cx) => pointwise(cx, 'cos'),
  Abs: (cx) => pointwise(cx, 'abs'),
  Pow: pow,
  Pad: pad,
};
