/**
 * Resource guards: sizes estimated from shapes alone, before anything is allocated — parameters
 * per layer and in all, elements of each layer's per-example output (and of each input), and the
 * steps of a recurrent layer, and the operations a symbolic evaluation builds. A net beyond a
 * limit is refused with the layer, the size and the option that raises the limit; the CLI sets
 * the limits from --max-params, --max-elements, --max-steps and --max-symbolic-nodes (the API
 * through setLimits).
 */
import { LayergenError, type Place } from './errors.js';
import { formulaCost } from './ir/formula.js';
import { isInput, isLayerOp, kindOf, size, typeOf, type Graph } from './ir/graph.js';
import { formulaOf, getOp } from './ops/registry.js';

export interface Limits {
  /** Parameters of the whole net (each 8 bytes as float64). */
  readonly maxParams: number;
  /** Elements of one layer's (or input's) per-example value. */
  readonly maxElements: number;
  /** Time steps of a recurrent layer. */
  readonly maxSteps: number;
  /** Expression operations a symbolic evaluation of one example may build (all layers). */
  readonly maxSymbolicNodes: number;
}

export const DEFAULT_LIMITS: Limits = { maxParams: 500_000_000, maxElements: 50_000_000, maxSteps: 1_000_000, maxSymbolicNodes: 20_000_000 };

let current: Limits = DEFAULT_LIMITS;

/** Sets the limits for later loads (the CLI does this from its options); returns the previous ones. */
export function setLimits(limits: Partial<Limits>): Limits {
  const before = current;
  current = { ...current, ...limits };
  return before;
}

export const limits = (): Limits => current;

const n = (v: number): string => v.toLocaleString('en-US');

/**
 * Throws a LayergenError at the first layer beyond a limit; the graph must have its shapes
 * inferred. Returns the net's parameter and tensor counts (what a weights file may hold).
 */
export function checkLimits(g: Graph, l: Limits = current): { params: number; tensors: number } {
  const byId = new Map(g.nodes.map((node) => [node.id, node]));
  let total = 0;
  let tensors = 0;
  for (const node of g.nodes) {
    const shape = typeOf(node).shape;
    const elements = size(shape);
    const what = isInput(node) ? `input "${node.name}"` : `layer "${node.name}"`;
    if (elements > l.maxElements) {
      throw new LayergenError(
        `${what}: ${n(elements)} elements per example (shape [${shape.join(', ')}]) exceed the limit of ${n(l.maxElements)} (--max-elements to raise it)`,
        node.place,
      );
    }
    if (!isLayerOp(node)) continue;
    const op = getOp(node.op);
    const ins = node.inputs.map((i) => typeOf(byId.get(i)!));
    const specs = Object.values(op.params?.(node.attrs, ins) ?? {});
    tensors += specs.length;
    const params = specs.reduce((a, p) => a + size(p.shape), 0);
    total += params;
    if (total > l.maxParams) {
      const own = params > l.maxParams ? `${n(params)} parameters` : `${n(params)} parameters bring the net to ${n(total)}, which`;
      throw new LayergenError(`layer "${node.name}": ${own} exceed the limit of ${n(l.maxParams)} (--max-params to raise it)`, node.place);
    }
    const steps = op.steps?.(node.attrs, ins);
    if (steps !== undefined && steps > l.maxSteps) {
      throw new LayergenError(`layer "${node.name}": ${n(steps)} time steps exceed the limit of ${n(l.maxSteps)} (--max-steps to raise it)`, node.place);
    }
  }
  return { params: total, tensors };
}

/** A layer's estimated expression operations, and where it is defined. */
export interface LayerCost {
  readonly name: string;
  cost: number;
  readonly place?: Place;
}

/**
 * Expression operations the symbolic evaluation of one example builds, per layer: output
 * elements times the symbolic form's operations per element (a recurrent scan: per step, times
 * the steps), the nodes a layer expands into counted as that layer. An upper bound — hash-consing and constant folding make fewer nodes.
 */
export function symbolicCost(g: Graph): LayerCost[] {
  const types = new Map(g.nodes.map((node) => [node.id, typeOf(node)]));
  const byLayer = new Map<string, LayerCost>();
  for (const node of g.nodes) {
    const k = kindOf(node);
    let cost: number;
    if (k.kind === 'scan') {
      const perStep = k.node.body.cells.reduce((a, c) => a + size(c.shape) * formulaCost(c.formula, 'symbolic'), 0);
      cost = perStep * (node.attrs as { steps: number }).steps;
    } else if (k.kind === 'op' || k.kind === 'fused') {
      const type = types.get(node.id)!;
      const f = node.formula ?? formulaOf(node, node.inputs.map((i) => types.get(i)!), type);
      cost = size(type.shape) * formulaCost(f, 'symbolic');
    } else continue;
    // the nodes a layer expanded into (`lstm/input_proj_l0`) count as the layer
    const layer = node.name.split('/')[0]!;
    const prev = byLayer.get(layer);
    if (prev) prev.cost += cost;
    else byLayer.set(layer, { name: layer, cost, place: node.place });
  }
  return [...byLayer.values()];
}

/** Throws a LayergenError when a symbolic evaluation of the (optimised) graph would build too much. */
export function checkSymbolicSize(g: Graph, l: Limits = current): void {
  let total = 0;
  for (const { name, cost, place } of symbolicCost(g)) {
    total += cost;
    if (total > l.maxSymbolicNodes) {
      const own = cost > l.maxSymbolicNodes ? '' : `, bringing the net to ${n(total)}`;
      throw new LayergenError(
        `layer "${name}": its symbolic form needs about ${n(cost)} expression operations${own}, beyond the limit of ${n(l.maxSymbolicNodes)} (--max-symbolic-nodes to raise it)`,
        place,
      );
    }
  }
}
