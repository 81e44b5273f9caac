/** What every op mapper gets (the node, its input values, the net being built) and shared helpers. */
import type { AttrValue } from '../../../ir/graph.js';
import { NodeError, type OnnxNode } from '../model.js';
import { whole, type NetBuilder, type ParamTensor } from '../net.js';
import { batchAt, normAxis, size, type Const, type Fill, type Source, type Tensor, type Value } from '../values.js';

export interface Cx {
  readonly node: OnnxNode;
  readonly opset: number;
  readonly net: NetBuilder;
  /** True when a graph input had a fixed leading 1 for the batch (constants then hold 1 for N). */
  readonly staticBatch: boolean;
  readonly ins: readonly (Value | undefined)[];
  has(i: number): boolean;
  /** Input i, which must be computed from the net's inputs. */
  tensor(i: number): Tensor;
  /** Input i when it is known at import time. */
  known(i: number): Const | Fill | undefined;
  /** Input i, which must be a constant. */
  constant(i: number, what: string): Const;
  /** A name suggestion for a layer of this node. */
  hint(type: string): string;
}

export type Mapper = (cx: Cx) => Value[];

/** Adds one layer for the node. */
export function layer(
  cx: Cx,
  type: string,
  inputs: readonly Source[],
  attrs: Readonly<Record<string, AttrValue | Readonly<Record<string, Source>>>> = {},
  params: Readonly<Record<string, ParamTensor>> = {},
  extra: Partial<Pick<Source, 'alias'>> = {},
): Source {
  return cx.net.add(type, inputs, attrs, params, cx.hint(type), cx.node.name, extra);
}

/** A tensor value: a layer's output seen in an ONNX shape (without batch) with the batch at `batchAxis`. */
export function result(src: Source, shape: readonly number[], batchAxis: number): Tensor {
  if (size(shape) !== size(src.shape)) throw new NodeError(`internal: layer output of ${size(src.shape)} elements seen as [${shape.join(', ')}]`);
  return whole(src, shape, batchAxis);
}

/** A pointwise layer on input 0: same ONNX shape in and out. */
export function pointwise(cx: Cx, type: string, attrs: Readonly<Record<string, AttrValue>> = {}): Value[] {
  const x = cx.tensor(0);
  if (x.dtype !== 'float') throw new NodeError(`${cx.node.opType} needs a float input`);
  const src = cx.net.materialize(x, cx.node.name, 'any');
  return [result(layer(cx, type, [src], attrs), x.shape, x.batchAxis)];
}

/** The per-example axis of an ONNX axis; an error when it is the batch axis. */
export function exampleAxis(t: Tensor, axis: number, what = 'axis'): number {
  if (t.batchAxis < 0) return normAxis(axis, t.shape.length, what);
  const a = normAxis(axis, t.shape.length + 1, what);
  if (a === t.batchAxis) throw new NodeError(`${what} ${axis} is the batch axis; layergen layers work on each example separately`);
  return a > t.batchAxis ? a - 1 : a;
}

/** Layers that assume the batch axis first ([N, C, ...]: conv, pooling, norms); a fixed-batch tensor is seen so. */
export function batchFirst(t: Tensor, what: string): Tensor {
  const b = batchAt(t, 0, what);
  if (b.batchAxis !== 0) throw new NodeError(`${what} needs the batch axis first, got it at axis ${b.batchAxis}`);
  return b;
}

/** A constant's values as a float64 parameter tensor. */
export function param(c: Const, shape: readonly number[] = c.shape): ParamTensor {
  if (size(shape) !== c.data.length) throw new NodeError(`internal: ${c.data.length} values for [${shape.join(', ')}]`);
  return { shape: [...shape], data: Float64Array.from(c.data as number[]) };
}

/** The one-element value of a constant or fill. */
export function scalarOf(v: Const | Fill | undefined, what: string): number {
  if (!v) throw new NodeError(`${what} must be a constant`);
  if (v.kind === 'fill') return v.value;
  if (v.data.length !== 1 || v.data[0] === 'N') throw new NodeError(`${what} must be a single number`);
  return v.data[0] as number;
}
