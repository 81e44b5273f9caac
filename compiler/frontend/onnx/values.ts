/**
 * What an ONNX value is at import time. Constants (initializers, Constant nodes and everything
 * computed from them) are known; so are shape-helper results, where the batch size appears as the
 * symbol 'N'; `fill` is a constant of a batch-dependent shape (ConstantOfShape / Expand of zeros);
 * `tensor` is a run-time tensor computed by the imported layers, described by its per-example
 * shape, where the batch axis sits, and which layer outputs hold its data (segments, row-major).
 */
import { NodeError } from './model.js';

/** A dimension or shape entry: a number, or the batch size. */
export type Dim = number | 'N';

export type ConstDType = 'float' | 'int' | 'bool';

export interface Const {
  readonly kind: 'const';
  readonly dtype: ConstDType;
  readonly shape: readonly number[];
  readonly data: readonly Dim[];
}

export interface Fill {
  readonly kind: 'fill';
  readonly dtype: ConstDType;
  readonly dims: readonly Dim[];
  readonly value: number;
}

/** A layergen input or layer of the imported net (its name is given when the YAML is written). */
export interface Source {
  readonly id: number;
  /** The layergen per-example shape of its output. */
  readonly shape: readonly number[];
  readonly dtype: 'float' | 'int';
  /** Another source holding the same numbers for part of this one (a recurrent sequence's last step). */
  readonly alias?: (offset: number, length: number) => Seg | undefined;
}

/** `length` consecutive elements of a source's per-example data, from `offset`. */
export interface Seg {
  readonly src: Source;
  readonly offset: number;
  readonly length: number;
}

export interface Tensor {
  readonly kind: 'tensor';
  readonly dtype: 'float' | 'int';
  /** The ONNX shape without the batch axis. */
  readonly shape: readonly number[];
  /**
   * Where the batch axis sits in the ONNX shape; -1 when the import fixed the batch (every
   * shape known, `--shape` without N): then `shape` is the whole ONNX shape.
   */
  readonly batchAxis: number;
  /** The per-example data, row-major, as the concatenation of these segments. */
  readonly segs: readonly Seg[];
}

/** The output of a node that could not be imported; `reason` is reported when something uses it. */
export interface Poison {
  readonly kind: 'poison';
  readonly reason?: string;
}

export type Value = Const | Fill | Tensor | Poison;

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export const fmt = (dims: readonly (Dim | string | null)[]): string => `[${dims.map((d) => (d === null ? '?' : d)).join(', ')}]`;

/** The full ONNX dims of a tensor value, batch included. */
export function dimsOf(t: Tensor): Dim[] {
  const d: Dim[] = [...t.shape];
  if (t.batchAxis < 0) return d;
  d.splice(t.batchAxis, 0, 'N');
  return d;
}

/**
 * A fixed-batch tensor (batchAxis -1) seen with its batch at `axis`, an axis of size 1 (the same
 * data: layers that work per example, such as conv and recurrent layers, take it so); other
 * tensors are returned as they are.
 */
export function batchAt(t: Tensor, axis: number, what: string): Tensor {
  if (t.batchAxis >= 0) return t;
  if (t.shape[axis] !== 1) throw new NodeError(`${what}: axis ${axis} of ${fmt(t.shape)} must be the batch axis (size 1 with the batch fixed)`);
  return { ...t, shape: t.shape.filter((_, i) => i !== axis), batchAxis: axis };
}

/** A tensor with the batch fixed to 1 seen without a batch axis (the batch axis becomes a 1 of its shape). */
export function unbatched(t: Tensor): Tensor {
  if (t.batchAxis < 0) return t;
  return { ...t, shape: dimsOf(t).map((d) => (d === 'N' ? 1 : d)), batchAxis: -1 };
}

/** A tensor value with a new ONNX shape over the same per-example data. */
export function view(t: Tensor, dims: readonly Dim[]): Tensor {
  if (t.batchAxis < 0) {
    if (dims.includes('N')) throw new NodeError(`internal: shape ${fmt(dims)} of a fixed-batch import holds the batch symbol`);
    if (size(dims as number[]) !== size(t.shape)) throw new NodeError(`internal: cannot view ${fmt(t.shape)} as ${fmt(dims)}`);
    return { ...t, shape: [...(dims as number[])] };
  }
  const at = dims.indexOf('N');
  if (at < 0 || dims.lastIndexOf('N') !== at) throw new NodeError(`internal: shape ${fmt(dims)} must hold the batch axis once`);
  const shape = dims.filter((d): d is number => d !== 'N');
  if (size(shape) !== size(t.shape)) throw new NodeError(`internal: cannot view ${fmt(dimsOf(t))} as ${fmt(dims)}`);
  return { ...t, shape, batchAxis: at };
}

export function constant(dtype: ConstDType, shape: readonly number[], data: readonly Dim[]): Const {
  if (data.length !== size(shape)) throw new NodeError(`internal: ${data.length} values for shape ${fmt(shape)}`);
  return { kind: 'const', dtype, shape: [...shape], data };
}

export const scalar = (dtype: ConstDType, v: number): Const => constant(dtype, [], [v]);

/** The numbers of a constant; an error when one depends on the batch size. */
export function nums(c: Const, what = 'value'): number[] {
  return c.data.map((d) => {
    if (d === 'N') throw new NodeError(`${what} depends on the batch size, which layergen cannot use here`);
    return d;
  });
}

/** A constant holding one number (any shape of one element). */
export function one(c: Const, what: string): number {
  if (c.data.length !== 1) throw new NodeError(`${what}: expected a single value, got shape ${fmt(c.shape)}`);
  return nums(c, what)[0]!;
}

/** Whether every element of a constant or fill equals x. */
export function allEqual(v: Const | Fill, x: number): boolean {
  return v.kind === 'fill' ? v.value === x : v.data.every((d) => d === x);
}

export function isKnown(v: Value | undefined): v is Const | Fill {
  return v !== undefined && (v.kind === 'const' || v.kind === 'fill');
}

/** Normalises a possibly negative ONNX axis against a rank. */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new NodeError(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}
