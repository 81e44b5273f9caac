/**
 * What every backend needs to know about the optimised graph, computed once: identifiers for
 * inputs, outputs, parameters and intermediates, and each compute node's formula and shapes.
 */
import type { F } from '../ir/formula.js';
import { size, typeOf, type Graph, type Node, type Tensor, type TensorType } from '../ir/graph.js';
import { formulaOf } from '../ops/registry.js';
import { NameManager } from './names.js';

export interface ParamRef {
  readonly id: string;
  readonly tensor: Tensor;
  /** `layer.param`, for comments. */
  readonly label: string;
}

export interface Step {
  readonly node: Node;
  readonly formula: F;
  readonly inTypes: readonly TensorType[];
  readonly out: TensorType;
  /** Identifier of each parameter used by the formula, by parameter name. */
  readonly params: Readonly<Record<string, ParamRef>>;
}

export interface IoRef {
  readonly name: string;
  readonly id: string;
  readonly node: number;
  readonly type: TensorType;
}

export interface Plan {
  readonly graph: Graph;
  readonly names: NameManager;
  readonly inputs: readonly IoRef[];
  readonly outputs: readonly IoRef[];
  readonly steps: readonly Step[];
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
  const steps: Step[] = [];
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const inputs = g.inputs.map((id) => {
    const n = byId.get(id)!;
    const ref = { name: n.name, id: names.claim(`in_${n.name}`), node: id, type: typeOf(n) };
    value.set(id, ref.id);
    return ref;
  });
  const outputs = g.outputs.map((o) => {
    const ref = { name: o.name, id: names.claim(`out_${o.name}`), node: o.node, type: typeOf(byId.get(o.node)!) };
    value.set(o.node, ref.id);
    return ref;
  });
  for (const n of g.nodes) {
    sizes.set(n.id, size(typeOf(n).shape));
    if (n.op === 'input') continue;
    if (n.op === 'const') {
      const ref = { id: value.get(n.id) ?? names.claim(`c_${n.name}`), tensor: n.params.value!, label: n.name };
      value.set(n.id, ref.id);
      tensors.push(ref);
      continue;
    }
    if (!value.has(n.id)) value.set(n.id, names.claim(`t_${n.name}`));
    const params: Record<string, ParamRef> = {};
    for (const [p, t] of Object.entries(n.params)) {
      const ref = { id: names.claim(`p_${n.name}_${p}`), tensor: t, label: `${n.name}.${p}` };
      params[p] = ref;
      tensors.push(ref);
    }
    const inTypes = n.inputs.map((i) => typeOf(byId.get(i)!));
    const out = typeOf(n);
    const formula = formulaOf(n, inTypes, out);
    steps.push({ node: n, formula, inTypes, out, params });
  }
  return { graph: g, names, inputs, outputs, steps, tensors, value, sizes };
}

/** Nodes whose value is a graph output (written straight into the output arrays). */
export function outputNodes(p: Plan): Set<number> {
  return new Set(p.outputs.map((o) => o.node));
}

/** A one-line description of a step, for comments in generated code. */
export function describe(s: Step): string {
  const ins = s.inTypes.map((t) => `[${t.shape.join(', ')}]`).join(', ');
  return `layer ${JSON.stringify(s.node.name)}: ${s.node.op} ${ins} -> [${s.out.shape.join(', ')}]`;
}
