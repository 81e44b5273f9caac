/** removeDead: drops nodes no output depends on (inputs are kept: they are the module's interface). */
import { withNodes, type Graph } from '../ir/graph.js';

export function removeDead(g: Graph): Graph {
  const live = new Set<number>([...g.outputs.map((o) => o.node), ...g.inputs]);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (live.has(n.id)) n.inputs.forEach((x) => live.add(x));
  }
  return withNodes(g, g.nodes.filter((n) => live.has(n.id)));
}
