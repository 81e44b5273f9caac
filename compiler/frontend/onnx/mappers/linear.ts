/**
 * Gemm, MatMul (+ Add, recognised as layergen.linear) -> linear over the last axis (elementwise
 * Add / Sub / Mul / Div are in arithmetic.ts). ONNX's weight is
 * [in, out] for MatMul and Gemm with transB = 0, [out, in] with transB = 1; layergen's (PyTorch's)
 * is [out, in]. alpha and beta scale the weight and the bias.
 */
import { NodeError, attrFloat, attrInt } from '../model.js';
import { batchAt, dimsOf, fmt, nums, type Const, type Source, type Tensor, type Value } from '../values.js';
import { transpose2 } from '../../../ir/transpose.js';
import { exampleAxis, layer, result, type Cx, type Mapper } from './common.js';

/** A bias constant broadcast along the last axis: [], [1], [M] or [1, ..., M] -> M values. */
function biasValues(c: Const, m: number, outRank: number, scale: number): Float64Array {
  const v = nums(c, 'bias');
  const lead = c.shape.slice(0, -1);
  const last = c.shape[c.shape.length - 1] ?? 1;
  if (c.shape.length > outRank || lead.some((d) => d !== 1) || (last !== m && last !== 1)) {
    throw new NodeError(`bias of shape ${fmt(c.shape)} is not a vector of ${m} along the last axis (layergen's linear adds one bias per output feature)`);
  }
  return Float64Array.from({ length: m }, (_, j) => v[last === 1 ? 0 : j]! * scale);
}

/** linear on input 0 with weight [out, in] (row-major data) and an optional bias. */
function linearLayer(cx: Cx, x: Tensor, weight: Float64Array, m: number, k: number, bias: Float64Array | null): Value[] {
  if (x.dtype !== 'float') throw new NodeError('needs a float input');
  const last = dimsOf(x).length - 1;
  exampleAxis(x, last, 'the last axis');
  if (x.shape[x.shape.length - 1] !== k) throw new NodeError(`input of shape ${fmt(dimsOf(x))} does not end in the weight's ${k} input features`);
  const src = cx.net.materialize(x, cx.node.name);
  const out = layer(cx, 'linear', [src], { units: m, bias: bias !== null }, { weight: { shape: [m, k], data: weight }, ...(bias ? { bias: { shape: [m], data: bias } } : {}) });
  return [result(out, [...x.shape.slice(0, -1), m], x.batchAxis)];
}

/** MatMul's right operand: a constant matrix [K, M]. */
function matrix(cx: Cx, i: number): { w: Const; k: number; m: number } {
  if (!cx.known(i)) throw new NodeError('MatMul of two run-time tensors: layergen multiplies only by constant weight matrices');
  const w = cx.constant(i, 'the weight');
  if (w.shape.length !== 2) throw new NodeError(`weight of shape ${fmt(w.shape)}: layergen's linear needs a 2-D matrix`);
  return { w, k: w.shape[0]!, m: w.shape[1]! };
}

/**
 * MatMul of two run-time tensors (attention's q @ k^T, weights @ v), or a constant on the left:
 * a matmul layer per example. With a symbolic batch their batch axes must line up (the same
 * rank, batch first); with a fixed batch (--shape without N) the whole tensors multiply.
 */
function tensorMatmul(cx: Cx): Value[] {
  const [a, b] = [0, 1].map((i) => (cx.known(i) ? null : cx.tensor(i)));
  const t = (a ?? b)!;
  const fixed = t.batchAxis < 0;
  if (a && b && a.batchAxis !== b.batchAxis) throw new NodeError(`MatMul of shapes ${fmt(dimsOf(a))} and ${fmt(dimsOf(b))}: the batch axes do not line up`);
  if (!fixed) {
    if (t.batchAxis !== 0) throw new NodeError(`MatMul of a tensor ${fmt(dimsOf(t))} whose batch axis is not the first`);
    if (a && b && a.shape.length !== b.shape.length) {
      throw new NodeError(`MatMul of shapes ${fmt(dimsOf(a))} and ${fmt(dimsOf(b))}: the batch axes do not line up (the same rank, batch first, is needed)`);
    }
    if (t.shape.length < 2) throw new NodeError(`MatMul of ${fmt(dimsOf(t))}: a run-time operand needs a matrix per example ([batch, rows, cols])`);
  }
  const srcs = [a, b].map((v, i) => (v ? cx.net.materialize(v, cx.node.name) : constantOperand(cx, i)));
  const out = layer(cx, 'matmul', srcs);
  return [result(out, out.shape, fixed ? -1 : 0)];
}

/** A constant operand of MatMul as a constant layer (the same matrix for every example). */
function constantOperand(cx: Cx, i: number): Source {
  const c = cx.constant(i, `operand ${i}`);
  if (c.shape.length < 2) throw new NodeError(`constant operand ${i} of shape ${fmt(c.shape)}: expected a matrix`);
  const shape = [...c.shape];
  return cx.net.add('constant', [], { shape }, { value: { shape, data: Float64Array.from(nums(c, `operand ${i}`)) } }, cx.hint('constant'), cx.node.name);
}

function matmul(cx: Cx, bias: Const | null): Value[] {
  if (!bias && (cx.known(0) || !cx.known(1))) return tensorMatmul(cx);
  const x = cx.tensor(0);
  const { w, k, m } = matrix(cx, 1);
  const b = bias ? biasValues(bias, m, x.shape.length + 1, 1) : null;
  return linearLayer(cx, x, transpose2(nums(w, 'weight'), k, m), m, k, b);
}

function gemm(cx: Cx): Value[] {
  const n = cx.node;
  if (attrInt(n, 'transA', 0) !== 0) throw new NodeError('Gemm with transA = 1 (the batch would be transposed)');
  // With a fixed batch, A is any [M, K] matrix (tokens flattened with a batch of one): linear on its rows.
  const a = cx.tensor(0);
  const x = a.batchAxis < 0 && a.shape.length === 2 ? a : batchAt(a, 0, 'Gemm');
  if (x.batchAxis >= 0 && (x.shape.length !== 1 || x.batchAxis !== 0)) throw new NodeError(`Gemm input of shape ${fmt(dimsOf(x))}: expected [batch, features]`);
  const alpha = attrFloat(n, 'alpha', 1);
  const beta = attrFloat(n, 'beta', 1);
  const transB = attrInt(n, 'transB', 0) === 1;
  if (!cx.known(1)) throw new NodeError('Gemm of two run-time tensors: layergen multiplies only by constant weight matrices');
  const b = cx.constant(1, 'B');
  if (b.shape.length !== 2) throw new NodeError(`B of shape ${fmt(b.shape)}: expected a matrix`);
  const [m, k] = transB ? [b.shape[0]!, b.shape[1]!] : [b.shape[1]!, b.shape[0]!];
  const data = nums(b, 'B');
  const weight = transB ? Float64Array.from(data, (v) => v * alpha) : transpose2(data, k, m, alpha);
  const c = cx.has(2) ? cx.constant(2, 'C') : null;
  const bias = c && beta !== 0 ? biasValues(c, m, 2, beta) : null;
  return linearLayer(cx, x, weight, m, k, bias);
}

export const LINEAR: Readonly<Record<string, Mapper>> = {
  Gemm: gemm,
  MatMul: (cx) => matmul(cx, null),
  'layergen.linear': (cx) => matmul(cx, cx.constant(2, 'bias')),
};
