/**
 * The reference interpreter: runs a graph on one example with each op's formula (from the op
 * registry) over an algebra — float64 for constant folding and the tests' reference, expressions
 * for `eval --symbolic`. Formula evaluation itself is compiler/ir/interpret.ts.
 */
import { evalFormula, evalScan, nodeParams, type Algebra, type ParamHook } from './ir/interpret.js';
import { kindOf, typeOf, type Graph, type Node, type TensorType } from './ir/graph.js';
import { formulaOf } from './ops/registry.js';

export { float64, type Algebra, type ParamHook } from './ir/interpret.js';

/** Evaluates one node given its inputs' values. */
export function evalNode<V>(n: Node, inTypes: readonly TensorType[], ins: readonly (readonly V[])[], alg: Algebra<V>, hook?: ParamHook<V>): V[] {
  const out = typeOf(n);
  const f = n.formula ?? formulaOf(n, inTypes, out);
  return evalFormula(f, out.shape, inTypes.map((t, s) => ({ shape: t.shape, data: ins[s]! })), nodeParams(n, hook), alg);
}

/** Runs a whole graph on one example: inputs by input-node name, outputs by output name. */
export function interpret<V>(
  g: Graph,
  inputs: Readonly<Record<string, readonly V[]>>,
  alg: Algebra<V>,
  hook?: ParamHook<V>,
): Record<string, V[]> {
  const vals = new Map<number, V[]>();
  const types = new Map(g.nodes.map((n) => [n.id, typeOf(n)]));
  for (const n of g.nodes) {
    const k = kindOf(n);
    const inTypes = n.inputs.map((i) => types.get(i)!);
    const ins = n.inputs.map((i) => vals.get(i)!);
    switch (k.kind) {
      case 'input':
        vals.set(n.id, [...inputs[n.name]!]);
        break;
      case 'const':
        vals.set(n.id, Array.from(k.node.params.value.data, alg.num));
        break;
      case 'scan':
        vals.set(n.id, evalScan(k.node, inTypes, ins, alg, hook));
        break;
      case 'fused':
      case 'op':
        vals.set(n.id, evalNode(n, inTypes, ins, alg, hook));
        break;
    }
  }
  return Object.fromEntries(g.outputs.map((o) => [o.name, vals.get(o.node)!]));
}
