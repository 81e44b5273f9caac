/** The validated net description, as written in net.yaml, with the places things came from. */
import type { Place } from '../errors.js';
import type { AttrValue, DType } from '../ir/graph.js';

export interface InputSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /**
   * Where the batch axis sits in `predictBatch`'s layout of this input (0, the default: first;
   * up to the rank, e.g. 1 for an ONNX state [2, batch, 64]). Examples are the same either way.
   */
  readonly batchAxis?: number;
  readonly place: Place;
}

/** A net output: a layer's name, and where its batch axis sits in `predictBatch`'s result. */
export interface OutputSpec {
  readonly name: string;
  readonly batchAxis?: number;
  readonly place: Place;
}

export interface ParamValue {
  readonly shape: readonly number[];
  readonly data: readonly number[];
  readonly place: Place;
}

export interface LayerSpec {
  readonly name: string;
  readonly type: string;
  /** Names of the layers or inputs feeding this one; `undefined` means "the previous layer". */
  readonly inputs?: readonly { readonly name: string; readonly place: Place }[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly place: Place;
}

export interface NetSpec {
  readonly file: string;
  readonly name: string;
  readonly inputs: readonly InputSpec[];
  readonly layers: readonly LayerSpec[];
  readonly outputs?: readonly OutputSpec[];
  readonly weights?: { readonly path: string; readonly place: Place };
  readonly seed?: { readonly value: number; readonly place: Place };
}

/**
 * `__proto__` as an object key sets the prototype instead of a property (a module's outputs or
 * inputs under it would be lost), so no input or layer has that name.
 */
export const FORBIDDEN_NAME = '__proto__';

/** Names of nets, inputs and layers: identifier-like, dots and dashes allowed in layer names. */
export const NET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const LAYER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
