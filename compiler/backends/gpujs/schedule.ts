/**
 * The gpu backend's scheduling step, between the plan and the kernel emitter: which steps run as
 * *tiled contractions* and which values are *packed*.
 *
 * A step whose formula is a contraction (numeric/contraction.ts: `sum_k W[o, k] x[k]` then a
 * pointwise epilogue of o) over one row per example runs as a tiled kernel: each thread computes
 * four outputs o = 4 q .. 4 q + 3 of one example and returns them as one RGBA texel (gpu.js
 * `Array(4)`), reading W packed four outputs to a texel (`W4[k * N4 + q]`, neighbouring threads
 * reading neighbouring texels) and, where the input is packed too, four k per texel of x: 5 texel
 * reads per 16 multiply-adds instead of 2 per one.
 *
 * A tiled step's value is packed (ceil(size / 4) texels per example, lanes past the end zero);
 * every other value is one float per thread. Where a tiled step reads a flat value, or another
 * step a packed one, the emitter inserts a pack or unpack kernel (once per value); the net's
 * packed outputs are unpacked as they are read back.
 */
import { isConst } from '../../ir/graph.js';
import { matchContraction, type Contraction } from '../numeric/contraction.js';
import type { Plan, Step } from '../plan.js';
import { numericView, some } from '../../ir/traverse.js';

/** Outputs per thread of a tiled step, and floats per texel of a packed value. */
export const LANES = 4;

export interface Schedule {
  /** The contraction of each tiled step, by node id. */
  readonly tiled: ReadonlyMap<number, Contraction>;
  /** Nodes whose value is packed. */
  readonly packed: ReadonlySet<number>;
}

function tileable(p: Plan, s: Step): Contraction | undefined {
  const paramShapes = Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, v.tensor.shape]));
  const c = matchContraction(s.formula, s.out.shape, s.inTypes.map((t) => t.shape), paramShapes);
  // the epilogue runs once per lane: no reductions in it
  if (!c || c.rows !== 1 || c.N < LANES || some(numericView(c.epilogue), (n) => n.k === 'reduce')) return undefined;
  const x = p.graph.nodes.find((n) => n.id === s.node.inputs[c.slot]);
  return x && !isConst(x) ? c : undefined;
}

export function schedule(p: Plan): Schedule {
  const tiled = new Map<number, Contraction>();
  for (const s of p.steps) {
    if (s.kind !== 'formula') continue;
    const c = tileable(p, s);
    if (c) tiled.set(s.node.id, c);
  }
  return { tiled, packed: new Set(tiled.keys()) };
}
