/** foldConstants: a node whose inputs are all constants is evaluated at compile time. */
import { evalNode, float64 } from '../interpret.js';
import { isConst, isInput, isScan, tensor, typeOf, withNodes, type Graph, type Node } from '../ir/graph.js';

export function foldConstants(g: Graph): Graph {
  const consts = new Map<number, Float64Array>();
  const types = new Map(g.nodes.map((n) => [n.id, typeOf(n)]));
  const nodes = g.nodes.map((n): Node => {
    if (isConst(n)) {
      consts.set(n.id, n.params.value.data);
      return n;
    }
    if (isInput(n) || isScan(n) || n.inputs.length === 0 || !n.inputs.every((i) => consts.has(i))) return n;
    const vals = evalNode(n, n.inputs.map((i) => types.get(i)!), n.inputs.map((i) => Array.from(consts.get(i)!)), float64);
    const value = tensor(typeOf(n).shape, vals);
    consts.set(n.id, value.data);
    return { id: n.id, op: 'const', name: n.name, inputs: [], attrs: {}, params: { value }, type: typeOf(n), ...(n.place ? { place: n.place } : {}) };
  });
  return withNodes(g, nodes);
}
