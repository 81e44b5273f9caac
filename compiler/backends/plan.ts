/**
 * What every backend needs to know about the optimised graph, computed once: identifiers for
 * inputs, outputs, parameters and intermediates, and each compute node's formula and shapes.
 */
import type { F } from '../ir/formula.js';
import { inputBatchAxis, isConst, isInput, isScan, paramLabel, size, typeOf, type Graph, type Node, type Tensor, type TensorType } from '../ir/graph.js';
import { formulaOf } from '../ops/registry.js';
import { cellRefSize, type Cell, type ScanAttrs, type ScanBody } from '../ir/scan.js';
import { NameManager } from './names.js';

export interface ParamRef {
  readonly id: string;
  readonly tensor: Tensor;
  /** `layer.param`, for comments. */
  readonly label: string;
}

export interface Step {
  readonly kind: 'formula';
  readonly node: Node;
  readonly formula: F;
  readonly inTypes: readonly TensorType[];
  readonly out: TensorType;
  /** Identifier of each parameter used by the formula, by parameter name. */
  readonly params: Readonly<Record<string, ParamRef>>;
}

/** A scan (recurrent loop): cells evaluated per time step; buffers named for states and cells. */
export interface ScanStep {
  readonly kind: 'scan';
  readonly node: Node;
  readonly body: ScanBody;
  readonly inTypes: readonly TensorType[];
  readonly out: TensorType;
  readonly steps: number;
  readonly reverse: boolean;
  readonly params: Readonly<Record<string, ParamRef>>;
  /** Identifiers of each state's and each cell's buffer. */
  readonly stateIds: Readonly<Record<string, string>>;
  readonly cellIds: Readonly<Record<string, string>>;
  /** Each cell's formula with the shapes of its inputs. */
  readonly cells: readonly { readonly cell: Cell; readonly formula: F; readonly inShapes: readonly (readonly number[])[] }[];
}

export type AnyStep = Step | ScanStep;

export interface IoRef {
  readonly name: string;
  readonly id: string;
  readonly node: number;
  readonly type: TensorType;
  /** Where the batch axis sits in predictBatch's layout of this input or output (0: first). */
  readonly batchAxis: number;
}

export interface Plan {
  readonly graph: Graph;
  readonly names: NameManager;
  readonly inputs: readonly IoRef[];
  readonly outputs: readonly IoRef[];
  readonly steps: readonly AnyStep[];
  /** Every parameter and constant tensor, in order of first use. */
  readonly tensors: readonly ParamRef[];
  /** Identifier of the value each node's result is stored in. */
  readonly value: ReadonlyMap<number, string>;
  /** Element count of each node's per-example value. */
  readonly sizes: ReadonlyMap<number, number>;
}

export function plan(g: Graph): Plan {
  const names = new NameManager();
  const value = new Map<number, string>();
  const sizes = new Map<number, number>();
  const tensors: ParamRef[] = [];
  const steps: AnyStep[] = [];
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const inputs = g.inputs.map((id) => {
    const n = byId.get(id)!;
    const ref = { name: n.name, id: names.claim(`in_${n.name}`), node: id, type: typeOf(n), batchAxis: inputBatchAxis(n) };
    value.set(id, ref.id);
    return ref;
  });
  const outputs = g.outputs.map((o) => {
    const ref = { name: o.name, id: names.claim(`out_${o.name}`), node: o.node, type: typeOf(byId.get(o.node)!), batchAxis: o.batchAxis ?? 0 };
    value.set(o.node, ref.id);
    return ref;
  });
  for (const n of g.nodes) {
    sizes.set(n.id, size(typeOf(n).shape));
    if (isInput(n)) continue;
    if (isConst(n)) {
      const ref = { id: value.get(n.id) ?? names.claim(`c_${n.name}`), tensor: n.params.value, label: n.name };
      value.set(n.id, ref.id);
      tensors.push(ref);
      continue;
    }
    if (!value.has(n.id)) value.set(n.id, names.claim(`t_${n.name}`));
    const params: Record<string, ParamRef> = {};
    for (const [p, t] of Object.entries(n.params)) {
      // named after the layer the parameter belongs to (`fc1.weight` -> fc1_weight), also in fused nodes
      const label = paramLabel(n, p);
      const ref = { id: names.claim(label.replace(/\./g, '_')), tensor: t, label };
      params[p] = ref;
      tensors.push(ref);
    }
    const inTypes = n.inputs.map((i) => typeOf(byId.get(i)!));
    const out = typeOf(n);
    if (isScan(n)) {
      steps.push(scanStep(n, inTypes, out, params, names));
      continue;
    }
    const formula = n.formula ?? formulaOf(n, inTypes, out);
    steps.push({ kind: 'formula', node: n, formula, inTypes, out, params });
  }
  return { graph: g, names, inputs, outputs, steps, tensors, value, sizes };
}

function scanStep(n: Node, inTypes: readonly TensorType[], out: TensorType, params: Record<string, ParamRef>, names: NameManager): ScanStep {
  const body = n.body!;
  const { steps, reverse } = n.attrs as unknown as ScanAttrs;
  const features = inTypes[0]!.shape[1]!;
  const stateIds = Object.fromEntries(body.states.map((st) => [st.name, names.claim(`s_${n.name}_${st.name}`)]));
  const cellIds = Object.fromEntries(body.cells.map((c) => [c.name, names.claim(`c_${n.name}_${c.name}`)]));
  const cells = body.cells.map((cell) => ({
    cell,
    formula: cell.formula,
    inShapes: cell.inputs.map((r) => [cellRefSize(body, features, r)]),
  }));
  return { kind: 'scan', node: n, body, inTypes, out, steps, reverse, params, stateIds, cellIds, cells };
}

/** Nodes whose value is a graph output (written straight into the output arrays). */
export function outputNodes(p: Plan): Set<number> {
  return new Set(p.outputs.map((o) => o.node));
}

/** A one-line description of a step, for comments in generated code. */
export function describe(s: AnyStep): string {
  const ins = s.inTypes.map((t) => `[${t.shape.join(', ')}]`).join(', ');
  const what = s.kind === 'scan' ? `scan over ${s.steps} steps${s.reverse ? ' (reversed)' : ''}` : s.node.op;
  const name = s.node.name.length <= 100 ? s.node.name : `${s.node.name.slice(0, 99)}…`;
  return `layer ${JSON.stringify(name)}: ${what} ${ins} -> [${s.out.shape.join(', ')}]`;
}
