/**
 * Elementwise Add / Sub / Mul / Div -> add / sub / mul / div layers (Reciprocal x: 1 / x; Neg x: x * -1). Two run-time tensors
 * broadcast by NumPy rules example by example (their batch axes must line up). A constant operand (an initializer, a Constant
 * node, anything folded) is broadcast by ONNX's numpy rules against the tensor's full shape, batch
 * axis included, and materialised at the tensor's per-example shape as a `constant` layer whose
 * value goes into the weights file; either operand order works (x - c, c - x, c / x, x / c).
 * A constant that is neutral everywhere (x + 0, x * 1, x - 0, x / 1, 0 + x, 1 * x) passes the
 * tensor through. Patterns (GELU, LayerNorm, linear's MatMul + Add) are rewritten before mapping,
 * so they win over this generic path.
 */
import { ShapeError } from '../../../errors.js';
import { broadcastShapes } from '../../../ops/shapeRules.js';
import { NodeError } from '../model.js';
import type { NetBuilder } from '../net.js';
import { dimsOf, fmt, nums, scalar, size, type Const, type Dim, type Fill, type Source, type Tensor, type Value } from '../values.js';
import { layer, result, type Cx, type Mapper } from './common.js';

type Op = 'Add' | 'Sub' | 'Mul' | 'Div';

const LAYER: Readonly<Record<Op, string>> = { Add: 'add', Sub: 'sub', Mul: 'mul', Div: 'div' };
const NEUTRAL: Readonly<Record<Op, number>> = { Add: 0, Sub: 0, Mul: 1, Div: 1 };

export interface Broadcast {
  /** The constant's value at every per-example element of the tensor, row-major. */
  readonly data: Float64Array;
  /** Leading axes of size 1 the constant adds in front of the tensor's shape. */
  readonly lead: number;
}

/**
 * A constant broadcast against a tensor (ONNX / numpy rules, shapes aligned at the right), with
 * the batch axis dropped. The result must have the tensor's shape (up to leading 1s): a constant
 * may repeat along any axis, the batch axis included, but never widen the tensor, and never
 * have a size of its own along the batch axis (that would fix the batch size).
 */
export function broadcastTo(c: Const | Fill, t: Tensor): Broadcast {
  const full = dimsOf(t);
  const dims: readonly Dim[] = c.kind === 'const' ? c.shape : c.dims;
  const what = `constant operand of shape ${fmt(dims)}`;
  const lead = Math.max(0, dims.length - full.length);
  if (dims.slice(0, lead).some((d) => d !== 1)) {
    throw new NodeError(`${what} would broadcast the tensor operand ${fmt(full)} to a larger shape; layergen's layers keep the tensor's shape`);
  }
  const off = full.length - (dims.length - lead);
  const per = full.map((_, i): Dim => (i < off ? 1 : dims[lead + i - off]!));
  full.forEach((d, i) => {
    const k = per[i]!;
    if (k === 1 || k === d) return;
    if (i === t.batchAxis) {
      throw new NodeError(`${what} has ${k} entries along the batch axis (axis ${i} of ${fmt(full)}), so it fits one batch size only; a layergen constant is the same for every example`);
    }
    if (k === 'N') throw new NodeError(`${what} depends on the batch size along axis ${i} of ${fmt(full)}`);
    if (d === 1) throw new NodeError(`${what} would broadcast the tensor operand ${fmt(full)} to a larger shape; layergen's layers keep the tensor's shape`);
    throw new NodeError(`${what} does not broadcast with ${fmt(full)} (axis ${i}: ${k} against ${d})`);
  });
  // Row-major strides of the constant over the tensor's axes; 0 where it repeats.
  const stride = new Array<number>(full.length).fill(0);
  for (let i = full.length - 1, s = 1; i >= 0; i--) {
    const k = per[i] === 'N' ? 1 : (per[i] as number);
    if (k !== 1) stride[i] = s;
    s *= k;
  }
  const values = c.kind === 'const' ? nums(c, `the ${what}`) : undefined;
  const axes = full.map((_, i) => i).filter((i) => i !== t.batchAxis);
  const data = new Float64Array(size(t.shape));
  for (let e = 0; e < data.length; e++) {
    let rest = e;
    let at = 0;
    for (let k = axes.length - 1; k >= 0; k--) {
      const n = t.shape[k]!;
      at += (rest % n) * stride[axes[k]!]!;
      rest = Math.floor(rest / n);
    }
    data[e] = values ? values[at]! : (c as Fill).value;
  }
  return { data, lead };
}

/**
 * One `constant` layer per ONNX constant and tensor layout (per-example shape and batch axis: the
 * broadcast values depend on both), so a shared tensor stays one layer.
 */
const made = new WeakMap<NetBuilder, Map<Const | Fill, Map<string, Source>>>();

/** The layer's name suggestion: the ONNX name of a named tensor (an initializer like `mean`), else `constant`. */
const hintOf = (name: string | undefined): string => (name && /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : 'constant');

function constantLayer(cx: Cx, c: Const | Fill, t: Tensor, data: Float64Array, onnxName: string | undefined): Source {
  const byValue = made.get(cx.net) ?? new Map<Const | Fill, Map<string, Source>>();
  made.set(cx.net, byValue);
  const byShape = byValue.get(c) ?? new Map<string, Source>();
  byValue.set(c, byShape);
  const key = `${fmt(t.shape)} batch at ${t.batchAxis}`;
  let src = byShape.get(key);
  if (!src) {
    const shape = [...t.shape];
    src = cx.net.add('constant', [], { shape }, { value: { shape, data } }, hintOf(onnxName), cx.node.name);
    byShape.set(key, src);
  }
  return src;
}

function withConstant(cx: Cx, op: Op, t: Tensor, c: Const | Fill, tensorFirst: boolean, onnxName?: string): Value[] {
  if (t.dtype !== 'float') throw new NodeError(`${op} needs float operands; the tensor operand is an int tensor`);
  const { data, lead } = broadcastTo(c, t);
  const shape = [...new Array<number>(lead).fill(1), ...t.shape];
  const batchAxis = t.batchAxis < 0 ? -1 : t.batchAxis + lead;
  const neutral = NEUTRAL[op];
  if ((tensorFirst || op === 'Add' || op === 'Mul') && data.every((v) => v === neutral)) return [{ ...t, shape, batchAxis }];
  const x = cx.net.materialize(t, cx.node.name);
  const k = constantLayer(cx, c, t, data, onnxName);
  return [result(layer(cx, LAYER[op], tensorFirst ? [x, k] : [k, x]), shape, batchAxis)];
}

function arithmetic(op: Op): Mapper {
  return (cx) => {
    const [a, b] = [cx.ins[0], cx.ins[1]];
    if (a?.kind === 'tensor' && b?.kind === 'tensor') {
      // Two run-time tensors: NumPy broadcasting of their per-example shapes, which needs the
      // batch axes to line up (the same rank, the batch at the same place).
      if (a.shape.length !== b.shape.length || a.batchAxis !== b.batchAxis) {
        throw new NodeError(`${op} of shapes ${fmt(dimsOf(a))} and ${fmt(dimsOf(b))}: the batch axes do not line up, so layergen cannot broadcast them example by example`);
      }
      let shape: number[];
      try {
        shape = broadcastShapes([a.shape, b.shape]);
      } catch (e) {
        if (e instanceof ShapeError) throw new NodeError(`${op} of shapes ${fmt(dimsOf(a))} and ${fmt(dimsOf(b))} does not broadcast`);
        throw e;
      }
      const ins = [a, b].map((t) => cx.net.materialize(t, cx.node.name));
      return [result(layer(cx, LAYER[op], ins), shape, a.batchAxis)];
    }
    const ti = a?.kind === 'tensor' ? 0 : 1;
    const t = cx.tensor(ti);
    const c = cx.known(1 - ti);
    if (!c) throw new NodeError(`input ${1 - ti} is missing`);
    return withConstant(cx, op, t, c, ti === 0, cx.node.inputs[1 - ti]);
  };
}

export const ARITHMETIC: Readonly<Record<string, Mapper>> = {
  Add: arithmetic('Add'),
  Sub: arithmetic('Sub'),
  Mul: arithmetic('Mul'),
  Div: arithmetic('Div'),
  // PyTorch writes `2 / x` as Reciprocal(x) * 2, and -x as Neg.
  Reciprocal: (cx) => withConstant(cx, 'Div', cx.tensor(0), scalar('float', 1), false),
  Neg: (cx) => withConstant(cx, 'Mul', cx.tensor(0), scalar('float', -1), true),
};
