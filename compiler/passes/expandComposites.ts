/**
 * expandComposites: replaces composite layers (recurrent ones) by the nodes they are made of —
 * scans, concat, take — in place, keeping the layer's id so consumers and outputs still refer to
 * it. Runs after inferShapes (expansion needs shapes) and re-infers the new nodes' types.
 */
import { isLayerOp, typeOf, withNodes, type Graph, type Node } from '../ir/graph.js';
import { getOp } from '../ops/registry.js';
import { inferShapes } from './inferShapes.js';

export function expandComposites(g0: Graph): Graph {
  // Composites may expand into composites (a transformer layer into multi-head attention, that
  // into attention): expand until none is left.
  let g = g0;
  for (let round = 0; round < 8; round++) {
    const next = expandOnce(g);
    if (next === g) return g;
    g = next;
  }
  throw new Error('internal: composites still expanding after 8 rounds');
}

function expandOnce(g: Graph): Graph {
  let next = Math.max(...g.nodes.map((n) => n.id)) + 1;
  const fresh = (): number => next++;
  const types = new Map(g.nodes.map((n) => [n.id, typeOf(n)]));
  let changed = false;
  const nodes = g.nodes.flatMap((n): Node[] => {
    const op = isLayerOp(n) && !n.formula ? getOp(n.op) : undefined;
    // An op may expand only in some configurations (conv with padding_mode other than zeros).
    const expanded = op?.expand?.(n, n.inputs.map((i) => types.get(i)!), fresh);
    if (!expanded) return [n];
    changed = true;
    return expanded;
  });
  return changed ? inferShapes(withNodes(g, nodes)) : g;
}
