/**
 * The gpu backend's scheduling step, between the plan and the kernel emitter: which steps run as
 * *tiled contractions*, which values are *packed*, and which reductions get kernels of their own
 * (`hoistReductions`, at the end).
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
import { formulaKey, numericView, rewrite, some, walk } from '../../ir/traverse.js';
import { freeVars, outVar, type F } from '../../ir/formula.js';
import { substVars } from '../../ir/substitute.js';

/** Outputs per thread of a tiled step, and floats per texel of a packed value. */
export const LANES = 4;

export interface Schedule {
  /** The contraction of each tiled step, by node id. */
  readonly tiled: ReadonlyMap<number, Contraction>;
  /** Nodes whose value is packed. */
  readonly packed: ReadonlySet<number>;
}

/** The contraction of a formula when it can run tiled: one row per example, 4+ outputs, an epilogue without reductions. */
export function tiledContraction(
  formula: F,
  outShape: readonly number[],
  inShapes: readonly (readonly number[])[],
  params: Readonly<Record<string, { readonly tensor: { readonly shape: readonly number[] } }>>,
): Contraction | undefined {
  const paramShapes = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.tensor.shape]));
  const c = matchContraction(formula, outShape, inShapes, paramShapes);
  // the epilogue runs once per lane: no reductions in it
  return !c || c.rows !== 1 || c.N < LANES || some(numericView(c.epilogue), (n) => n.k === 'reduce') ? undefined : c;
}

function tileable(p: Plan, s: Step): Contraction | undefined {
  const c = tiledContraction(s.formula, s.out.shape, s.inTypes.map((t) => t.shape), s.params);
  if (!c) return undefined;
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

/** Reductions over fewer than this many terms stay inside the kernel that uses them. */
const HOIST_MIN = 4;

/** A reduction computed by its own kernel: its formula over `shape` (per example). */
export interface HoistedReduction {
  readonly formula: F;
  readonly shape: readonly number[];
}

/**
 * A formula's reductions that do not depend on every output index (softmax's max and sum over
 * the reduced axis, a norm's mean and variance) as their own kernels, innermost first: each is
 * computed once per value of the indices it depends on, instead of once per output element, and
 * read back as input slot `firstSlot + j` (parts[j]) by the later parts and the formula.
 */
export function hoistReductions(f: F, outShape: readonly number[], firstSlot: number): { parts: HoistedReduction[]; formula: F } {
  const outVars = outShape.map((_, d) => outVar(d));
  const parts: HoistedReduction[] = [];
  const candidate = (n: F): boolean => {
    if (n.k !== 'reduce' || n.n < HOIST_MIN) return false;
    const free = freeVars(n);
    return [...free].every((v) => outVars.includes(v)) && free.size < outVars.length;
  };
  let formula = numericView(f);
  for (;;) {
    let found: F | undefined;
    walk(formula, (n) => {
      if (found) return false;
      if (candidate(n) && !some((n as Extract<F, { k: 'reduce' }>).body, candidate)) found = n;
      return undefined;
    });
    if (!found) return { parts, formula };
    const free = freeVars(found);
    const dims = outShape.map((_, d) => d).filter((d) => free.has(outVar(d)));
    const renamed = substVars(found, new Map(dims.map((d, j) => [outVar(d), { k: 'var', name: outVar(j) }] as const)));
    const slot = firstSlot + parts.length;
    parts.push({ formula: renamed, shape: dims.map((d) => outShape[d]!) });
    const key = formulaKey(found);
    const read: F = { k: 'input', slot, at: dims.map((d) => ({ k: 'var', name: outVar(d) })) };
    formula = rewrite(formula, [(n) => (n.k === 'reduce' && formulaKey(n) === key ? read : undefined)]);
  }
}
