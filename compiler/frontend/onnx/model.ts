/**
 * The ONNX model as the importer sees it: plain objects decoded from the protobuf (load.ts),
 * with int64s as numbers, attributes by name and tensors as `Const` values (values.ts).
 */
import type { Const } from './values.js';

export type Attr =
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'tensor'; readonly value: Const }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  /** A subgraph (If's then_branch / else_branch). */
  | { readonly type: 'graph'; readonly value: OnnxGraph }
  | { readonly type: 'other'; readonly value: string };

export interface OnnxNode {
  /** The node's name, or `<OpType>#<index>` when it has none; used in every message. */
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** Input value names; '' is an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: ReadonlyMap<string, Attr>;
}

/** A subgraph: its nodes (which may read any value of the enclosing graphs), initializers and output names. */
export interface OnnxGraph {
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, Const>;
  readonly outputs: readonly string[];
}

export type ElemType = 'float' | 'int' | 'bool' | 'other';

export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: ElemType;
  /** The type's name for messages (`float32`, `int64`, ...). */
  readonly typeName: string;
  /** Each dimension: a size, a symbolic name (dim_param), or null when unknown; null when the rank is unknown. */
  readonly dims: readonly (number | string | null)[] | null;
}

export interface OnnxModel {
  /** The opset of the default (ai.onnx) domain. */
  readonly opset: number;
  readonly producer: string;
  readonly graphName: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, Const>;
  /** Graph inputs that are not initializers, in declaration order. */
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

// ---------------------------------------------------------------------------------------------
// Attribute access with defaults and type checks; errors are plain strings the caller attaches
// to the node (see problems in convert.ts).

export class NodeError extends Error {
  override name = 'NodeError';
}

function get(n: OnnxNode, key: string, type: Attr['type']): Attr | undefined {
  const a = n.attrs.get(key);
  if (a && a.type !== type) throw new NodeError(`attribute ${key}: expected ${type}, got ${a.type}`);
  return a;
}

export function attrInt(n: OnnxNode, key: string, dflt?: number): number {
  const a = get(n, key, 'int');
  if (a) return a.value as number;
  if (dflt === undefined) throw new NodeError(`missing attribute ${key}`);
  return dflt;
}

export function attrFloat(n: OnnxNode, key: string, dflt?: number): number {
  const a = get(n, key, 'float');
  if (a) return a.value as number;
  if (dflt === undefined) throw new NodeError(`missing attribute ${key}`);
  return dflt;
}

export function attrString(n: OnnxNode, key: string, dflt?: string): string {
  const a = get(n, key, 'string');
  if (a) return a.value as string;
  if (dflt === undefined) throw new NodeError(`missing attribute ${key}`);
  return dflt;
}

export function attrInts(n: OnnxNode, key: string, dflt?: readonly number[]): readonly number[] {
  const a = get(n, key, 'ints');
  if (a) return a.value as readonly number[];
  if (dflt === undefined) throw new NodeError(`missing attribute ${key}`);
  return dflt;
}

export function attrFloats(n: OnnxNode, key: string): readonly number[] | undefined {
  return get(n, key, 'floats')?.value as readonly number[] | undefined;
}

export function attrStrings(n: OnnxNode, key: string): readonly string[] | undefined {
  return get(n, key, 'strings')?.value as readonly string[] | undefined;
}

export function attrGraph(n: OnnxNode, key: string): OnnxGraph {
  const a = get(n, key, 'graph');
  if (!a) throw new NodeError(`missing attribute ${key}`);
  return a.value as OnnxGraph;
}

export function attrTensor(n: OnnxNode, key: string): Const | undefined {
  return get(n, key, 'tensor')?.value as Const | undefined;
}

/**
 * A float attribute (stored as float32 in ONNX) as the decimal a person most likely wrote:
 * the shortest one that rounds to the same float32 (0.20000000298023224 -> 0.2, 9.99999974e-06
 * -> 1e-05), so an imported leaky_relu or eps computes what the PyTorch module did in float64.
 */
export function shortFloat32(x: number): number {
  if (!Number.isFinite(x) || Math.fround(x) !== x) return x;
  for (let digits = 1; digits <= 9; digits++) {
    const y = Number(x.toPrecision(digits));
    if (Math.fround(y) === x) return y;
  }
  return x;
}
