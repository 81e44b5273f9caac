/**
 * The graph IR: immutable nodes in topological order. A node is an op from the registry applied
 * to earlier nodes, with hyper-parameters (`attrs`), parameter tensors and an inferred type.
 * Passes never mutate a graph; they return a new one.
 */
import type { Place } from '../errors.js';
import type { F } from './formula.js';
import type { ScanBody } from './scan.js';

export type DType = 'float' | 'int';

export interface TensorType {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** A constant tensor: row-major float64 data. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export type AttrValue = number | boolean | string | readonly number[] | Readonly<Record<string, string>>;
export type Attrs = Readonly<Record<string, AttrValue>>;

export interface Node {
  readonly id: number;
  /** Registry key, or the structural kinds `input` and `const`. */
  readonly op: string;
  /** Layer name from the YAML (unique in the graph); used in errors and generated names. */
  readonly name: string;
  readonly inputs: readonly number[];
  readonly attrs: Attrs;
  readonly params: Readonly<Record<string, Tensor>>;
  /** Parameters renamed by an expansion: param name -> the `layer.param` it came from. */
  readonly origin?: Readonly<Record<string, string>>;
  /** The step program of a `scan` node. */
  readonly body?: ScanBody;
  /**
   * A node's own per-element formula, used instead of its op's (op `fused`, made by the
   * fuseElementwise pass: a producer's formula substituted into its pointwise consumers').
   */
  readonly formula?: F;
  /** Inferred by the inferShapes pass; `undefined` before it ran. */
  readonly type?: TensorType;
  readonly place?: Place;
}

export interface Output {
  /** The name the output is returned under. */
  readonly name: string;
  readonly node: number;
  readonly place?: Place;
}

export interface Graph {
  readonly name: string;
  /** Topological order: every node's inputs come before it. */
  readonly nodes: readonly Node[];
  /** Input nodes by declaration order (ids of `input` nodes). */
  readonly inputs: readonly number[];
  readonly outputs: readonly Output[];
  /** The file the graph came from, for messages. */
  readonly file?: string;
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function nodeById(g: Graph): Map<number, Node> {
  return new Map(g.nodes.map((n) => [n.id, n]));
}

export function typeOf(n: Node): TensorType {
  if (!n.type) throw new Error(`internal: node "${n.name}" has no inferred type (run inferShapes first)`);
  return n.type;
}

export function withNodes(g: Graph, nodes: readonly Node[]): Graph {
  return { ...g, nodes };
}

export function tensor(shape: readonly number[], data: ArrayLike<number>): Tensor {
  return { shape: [...shape], data: Float64Array.from(data) };
}

export const fmtShape = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** The user-facing name of a node's parameter: `layer.param` (PyTorch state_dict style). */
export function paramLabel(n: Node, param: string): string {
  return n.origin?.[param] ?? `${n.name}.${param}`;
}
