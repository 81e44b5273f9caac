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
  /** Registry key, or one of the structural kinds (StructuralKind: input, const, scan, fused). */
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

/**
 * The node kinds the IR itself defines; every other `op` is a layer op from the registry. Code
 * asks `kindOf` (an exhaustive switch) or the guards below, never compares `op` with these names.
 * - `input`: a net input;
 * - `const`: a constant tensor, `params.value` (folded or declared constants);
 * - `scan`: a loop over time running the step program `body` (recurrent layers);
 * - `fused`: pointwise layers merged into one node with its own `formula` (fuseElementwise).
 */
export type StructuralKind = 'input' | 'const' | 'scan' | 'fused';
const STRUCTURAL: ReadonlySet<string> = new Set<StructuralKind>(['input', 'const', 'scan', 'fused']);

export type InputNode = Node & { readonly op: 'input' };
export type ConstNode = Node & { readonly op: 'const'; readonly params: { readonly value: Tensor } };
export type ScanNode = Node & { readonly op: 'scan'; readonly body: ScanBody };
export type FusedNode = Node & { readonly op: 'fused'; readonly formula: F };
/** A layer op of the registry (possibly carrying its own formula). */
export type OpNode = Node & { readonly op: string };

/** A node as a tagged union over its kind, for exhaustive switches. */
export type NodeKind =
  | { readonly kind: 'input'; readonly node: InputNode }
  | { readonly kind: 'const'; readonly node: ConstNode }
  | { readonly kind: 'scan'; readonly node: ScanNode }
  | { readonly kind: 'fused'; readonly node: FusedNode }
  | { readonly kind: 'op'; readonly node: OpNode };

export function kindOf(n: Node): NodeKind {
  if (!STRUCTURAL.has(n.op)) return { kind: 'op', node: n };
  switch (n.op as StructuralKind) {
    case 'input':
      return { kind: 'input', node: n as InputNode };
    case 'const':
      if (!n.params.value) throw new Error(`internal: const node "${n.name}" has no value`);
      return { kind: 'const', node: n as ConstNode };
    case 'scan':
      if (!n.body) throw new Error(`internal: scan node "${n.name}" has no body`);
      return { kind: 'scan', node: n as ScanNode };
    case 'fused':
      if (!n.formula) throw new Error(`internal: fused node "${n.name}" has no formula`);
      return { kind: 'fused', node: n as FusedNode };
  }
}

export const isInput = (n: Node): n is InputNode => kindOf(n).kind === 'input';
export const isConst = (n: Node): n is ConstNode => kindOf(n).kind === 'const';
export const isScan = (n: Node): n is ScanNode => kindOf(n).kind === 'scan';
export const isFused = (n: Node): n is FusedNode => kindOf(n).kind === 'fused';
/** A layer op of the registry: not one of the structural kinds. */
export const isLayerOp = (n: Node): boolean => kindOf(n).kind === 'op';

export interface Output {
  /** The name the output is returned under. */
  readonly name: string;
  readonly node: number;
  /** Where the batch axis sits in `predictBatch`'s result (0, first, when absent). */
  readonly batchAxis?: number;
  readonly place?: Place;
}

/** Where an input's batch axis sits in `predictBatch`'s layout: its `batch_axis` attribute, or 0. */
export function inputBatchAxis(n: Node): number {
  const a = n.attrs['batch_axis'];
  return typeof a === 'number' ? a : 0;
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
