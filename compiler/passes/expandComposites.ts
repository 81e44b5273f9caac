/**
 * expandComposites: replaces composite layers (recurrent ones) by the nodes they are made of —
 * scans, concat, take — in place, keeping the layer's id so consumers and outputs still refer to
 * it. Runs after inferShapes (expansion needs shapes) and re-infers the new nodes' types.
 */
import { isLayerOp, typeOf, withNodes, type Graph, type Node } from '../ir/graph.js';
import { getOp } from '../ops/registry.js';
import { inferShapes } from './inferShapes.js';

export function expandComposites(g: Graph): Graph {
  let next = Math.max(...g.nodes.map((n) => n.id)) + 1;
  const fresh = (): number => next++;
  const types = new Map(g.nodes.map((n) => [n.id, typeOf(n)]));
  let changed = false;
  const nodes = g.nodes.flatMap((n): Node[] => {
    const op = isLayerOp(n) && !n.formula ? getOp(n.op) : undefined;
    if (!op?.expand) return [n];
    changed = true;
    return op.expand(n, n.inputs.map((i) => types.get(i)!), fresh);
  });
  return changed ? inferShapes(withNodes(g, nodes)) : g;
}
