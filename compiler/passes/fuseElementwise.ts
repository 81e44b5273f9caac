/**
 * fuseElementwise: a pointwise layer (an op marked `elementwise`: activations, dropout, identity)
 * whose input is computed by a formula node that nothing else reads is merged with it: the
 * producer's formula is substituted for the consumer's `input(0, i)`, giving one `fused` node
 * that carries its own formula (e.g. relu(sum_k W[o,k] x[k] + b[o])). Chains fuse step by step.
 * Every backend then computes the pair in one loop (or one gpu kernel) without the intermediate.
 */
import { isFused, isLayerOp, paramLabel, typeOf, withNodes, type Graph, type Node, type Tensor } from '../ir/graph.js';
import { countInputs, renameParams, scalarSize, substituteInput } from '../ir/substitute.js';
import { formulaOf, lookupOp } from '../ops/registry.js';

/** A producer duplicated into several uses by the consumer must be this small (reductions are shared). */
const MAX_DUPLICATED = 24;
/**
 * Layers one fused node may hold: a chain of thousands of pointwise layers fuses in runs of this
 * many, so names, formulas and generated loops stay bounded (a 20,000-layer chain compiles).
 */
const MAX_CHAIN = 32;

function isPointwise(n: Node): boolean {
  return n.formula === undefined && n.inputs.length === 1 && lookupOp(n.op)?.elementwise === true;
}

export function fuseElementwise(g: Graph): Graph {
  const uses = new Map<number, number>();
  for (const n of g.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  const outputs = new Set(g.outputs.map((o) => o.node));
  const current = new Map(g.nodes.map((n) => [n.id, n]));
  const fusedAway = new Set<number>();
  const nodes: Node[] = [];
  for (const n of g.nodes) {
    const p = n.inputs.length === 1 ? current.get(n.inputs[0]!)! : undefined;
    const fusable =
      p !== undefined &&
      isPointwise(n) &&
      (isLayerOp(p) || isFused(p)) &&
      uses.get(p.id) === 1 &&
      !outputs.has(p.id) &&
      typeOf(p).dtype === 'float';
    const fused = fusable ? fuse(p, n, current) : undefined;
    if (!fused) {
      nodes.push(n);
      continue;
    }
    fusedAway.add(p!.id);
    current.set(n.id, fused);
    nodes.push(fused);
  }
  return withNodes(g, nodes.filter((n) => !fusedAway.has(n.id)));
}

/** The fused node, or undefined when substituting would duplicate too much of the producer. */
function fuse(p: Node, c: Node, current: ReadonlyMap<number, Node>): Node | undefined {
  const pIns = p.inputs.map((i) => typeOf(current.get(i)!));
  const chain = isFused(p) ? String(p.attrs.ops).split('+').length : 1;
  if (chain >= MAX_CHAIN) return undefined;
  const pf = p.formula ?? formulaOf(p, pIns, typeOf(p));
  const cf = formulaOf(c, [typeOf(p)], typeOf(c));
  if (countInputs(cf, 0) > 1 && scalarSize(pf) > MAX_DUPLICATED) return undefined;
  const params: Record<string, Tensor> = {};
  const origin: Record<string, string> = {};
  for (const [k, t] of Object.entries(p.params)) {
    params[k] = t;
    origin[k] = paramLabel(p, k);
  }
  const renames = new Map<string, string>();
  for (const [k, t] of Object.entries(c.params)) {
    let name = k;
    for (let i = 2; name in params; i++) name = `${k}_${i}`;
    if (name !== k) renames.set(k, name);
    params[name] = t;
    origin[name] = paramLabel(c, k);
  }
  const formula = substituteInput(renames.size ? renameParams(cf, renames) : cf, 0, pf, typeOf(p).shape.length);
  const ops = [isFused(p) ? String(p.attrs.ops) : p.op, c.op].join('+');
  return {
    id: c.id,
    op: 'fused',
    name: fusedName(p.name, c.name),
    inputs: p.inputs,
    attrs: { ops },
    params,
    origin,
    formula,
    type: typeOf(c),
    ...(c.place ?? p.place ? { place: (c.place ?? p.place)! } : {}),
  };
}

/** `a+b`; a long chain's name keeps its first and last layer (`r0+…+r31`), so names stay short. */
function fusedName(first: string, next: string): string {
  const full = `${first}+${next}`;
  return full.length <= 80 ? full : `${first.split('+')[0]}+…+${next}`;
}
