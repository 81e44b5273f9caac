/**
 * cse: identical nodes — same op, same inputs, same attributes, formula and scan body, and
 * parameters with identical data — are computed once; later copies are dropped and their
 * consumers read the first. A copy that is a graph output is kept (each output has its node).
 */
import { isInput, withNodes, type Graph, type Node, type Tensor } from '../ir/graph.js';

/** FNV-1a over a tensor's bytes (bucketing only; equal buckets are compared element by element). */
function hashData(t: Tensor): string {
  const u = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length * 2);
  let h = 0x811c9dc5;
  for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i]!, 0x01000193);
  return (h >>> 0).toString(16);
}

function signature(n: Node): string {
  const params = Object.entries(n.params)
    .map(([k, t]) => `${k}[${t.shape.join(',')}]#${hashData(t)}`)
    .join(';');
  return JSON.stringify([n.op, n.inputs, n.attrs, n.type, params, n.formula ?? null, n.body ?? null]);
}

function sameData(a: Node, b: Node): boolean {
  return Object.entries(a.params).every(([k, t]) => {
    const u = b.params[k]!.data;
    return t.data.every((v, i) => Object.is(v, u[i]));
  });
}

export function cse(g: Graph): Graph {
  const outputs = new Set(g.outputs.map((o) => o.node));
  const replaced = new Map<number, number>();
  const seen = new Map<string, Node[]>();
  const nodes: Node[] = [];
  for (const n0 of g.nodes) {
    const n = n0.inputs.some((i) => replaced.has(i)) ? { ...n0, inputs: n0.inputs.map((i) => replaced.get(i) ?? i) } : n0;
    if (isInput(n)) {
      nodes.push(n);
      continue;
    }
    const key = signature(n);
    const twin = seen.get(key)?.find((m) => sameData(m, n));
    if (twin && !outputs.has(n.id)) {
      replaced.set(n.id, twin.id);
      continue;
    }
    seen.set(key, [...(seen.get(key) ?? []), n]);
    nodes.push(n);
  }
  return replaced.size ? withNodes(g, nodes) : g;
}
