/**
 * What every Keras layer mapper gets: the layer (class, config, inputs), the net being built and
 * the model file (weights, Keras version). Values flow between layers as `KValue`s: a layergen
 * source holding a Keras tensor's per-example data either in Keras' own layout, or (after a
 * channels_last convolution or pooling) channels-first, as layergen's conv layers keep it; the
 * layout is converted with a `permute` layer only where a consumer needs the other one.
 */
import type { AttrValue } from '../../ir/graph.js';
import { NodeError } from '../onnx/model.js';
import type { NetBuilder, ParamTensor } from '../onnx/net.js';
import type { Source } from '../onnx/values.js';
import { isObject, type Json, type JsonObject, type KLayer } from './config.js';
import type { H5Tensor } from './hdf5.js';
import type { KerasModel } from './load.js';

export interface KValue {
  readonly src: Source;
  /** The Keras per-example shape (channels last for channels_last data). */
  readonly shape: readonly number[];
  /** True when `src` holds the data channels-first: [C, ...spatial] for Keras' [...spatial, C]. */
  readonly cf: boolean;
}

export type Attrs = Readonly<Record<string, AttrValue | Readonly<Record<string, Source>>>>;

export interface Cx {
  readonly layer: KLayer;
  readonly config: JsonObject;
  readonly net: NetBuilder;
  readonly model: KerasModel;
  readonly ins: readonly KValue[];
  /** Input i in Keras' layout. */
  x(i?: number): Source;
  /** Input i channels-first ([C, ...spatial]). */
  cf(i?: number): Source;
  /** Adds a layer for this Keras layer; `sub` names an intermediate one (`dense_linear`). */
  add(type: string, inputs: readonly Source[], attrs?: Attrs, params?: Readonly<Record<string, ParamTensor>>, sub?: string): Source;
  /** The layer's weights, checked against `want` (names and shapes, in Keras' order). */
  weights(want: readonly WeightSpec[], subs?: readonly string[]): Float64Array[];
}

export type Mapper = (cx: Cx) => KValue[];

export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

export const keras = (src: Source): KValue => ({ src, shape: src.shape, cf: false });
export const channelsFirst = (src: Source, shape: readonly number[]): KValue => ({ src, shape, cf: true });

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Checks a layer's weights against what the config implies. */
export function checkWeights(got: readonly H5Tensor[], want: readonly WeightSpec[]): Float64Array[] {
  const list = (ws: readonly { name?: string; path?: string; shape: readonly number[] }[]) => ws.map((w) => `${w.name ?? w.path} ${fmt(w.shape)}`).join(', ');
  if (got.length === 0 && want.length > 0) throw new NodeError(`missing weights: expected ${list(want)}; the file has none for this layer`);
  if (got.length !== want.length) throw new NodeError(`expected ${want.length} weights (${list(want)}), the file has ${got.length} (${list(got)})`);
  return want.map((w, i) => {
    const t = got[i]!;
    if (fmt(t.shape) !== fmt(w.shape)) throw new NodeError(`weight ${w.name} ("${t.path}"): shape ${fmt(t.shape)}, expected ${fmt(w.shape)}`);
    return t.data;
  });
}

// ---------------------------------------------------------------------------------------------
// Config access: errors name the key.

export function num(c: JsonObject, key: string, dflt?: number): number {
  const v = c[key];
  if (v === undefined || v === null) {
    if (dflt === undefined) throw new NodeError(`config has no ${key}`);
    return dflt;
  }
  if (typeof v !== 'number') throw new NodeError(`config ${key}: expected a number, got ${JSON.stringify(v)}`);
  return v;
}

export function str(c: JsonObject, key: string, dflt?: string): string {
  const v = c[key];
  if (v === undefined || v === null) {
    if (dflt === undefined) throw new NodeError(`config has no ${key}`);
    return dflt;
  }
  if (typeof v !== 'string') throw new NodeError(`config ${key}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

export function bool(c: JsonObject, key: string, dflt: boolean): boolean {
  const v = c[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new NodeError(`config ${key}: expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** An int or a list of ints (kernel_size: 3 or [3, 3]), as `n` values. */
export function ints(c: JsonObject, key: string, n: number, dflt?: number): number[] {
  const v: Json | undefined = c[key] ?? (dflt !== undefined ? dflt : undefined);
  if (typeof v === 'number') return Array.from({ length: n }, () => v);
  if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isInteger(x))) return v as number[];
  throw new NodeError(`config ${key}: expected an int or ${n} ints, got ${JSON.stringify(v ?? null)}`);
}

/** A nested layer config ({"class_name": ..., "config": {...}}), as Bidirectional's `layer`. */
export function sublayer(c: JsonObject, key: string): { className: string; config: JsonObject } | undefined {
  const v = c[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || typeof v.class_name !== 'string' || !isObject(v.config)) throw new NodeError(`config ${key}: expected {"class_name": ..., "config": {...}}`);
  return { className: v.class_name, config: v.config };
}
