/**
 * Recognises contractions in formulas: an inner product of a weight row with the last axis of
 * an input, `sum_k W[o, k] * x[..., k]`, followed by a pointwise *epilogue* of the output index
 * `o` only (bias, fused activation): linear layers, fused linear+activation, the gate affines of
 * recurrent cells. Such steps get register-tiled loops (gemm.ts) instead of the generic ones.
 */
import type { F, Ix } from '../../ir/formula.js';
import { freeVars, outVar } from '../../ir/formula.js';
import { indexesOf, numericView, rewrite, sameFormula, some, walk } from '../../ir/traverse.js';

export interface Contraction {
  /** Input slot holding x, per example [...lead, K]. */
  readonly slot: number;
  /** Parameter holding W, [N, K] row-major. */
  readonly weight: string;
  readonly K: number;
  readonly N: number;
  /** Rows of x per example (product of the leading axes). */
  readonly rows: number;
  /** The formula with the inner product replaced by `input(acc, [o])`; reads no other input. */
  readonly epilogue: F;
  /** The virtual input slot of the accumulator in `epilogue`. */
  readonly acc: number;
}

const isVar = (x: Ix, name: string): boolean => x.k === 'var' && x.name === name;

export { numericView } from '../../ir/traverse.js';

/** The reductions in a formula, outermost first. */
function reductionsOf(f: F): F[] {
  const out: F[] = [];
  walk(f, (n) => void (n.k === 'reduce' && out.push(n)));
  return out;
}

function ixLoads(x: Ix): boolean {
  switch (x.k) {
    case 'load':
      return true;
    case 'add':
      return ixLoads(x.a) || ixLoads(x.b);
    case 'var':
    case 'lit':
      return false;
    case 'scale':
    case 'div':
    case 'mod':
      return ixLoads(x.a);
  }
}

/** True when a formula indexes by data (embedding): such formulas cannot be unrolled at compile time. */
export const hasIndexLoad = (f: F): boolean => some(f, (n) => indexesOf(n).some(ixLoads));

/** The contraction a formula computes, if it is one (see the file comment). */
export function matchContraction(
  formula: F,
  outShape: readonly number[],
  inShapes: readonly (readonly number[])[],
  paramShapes: Readonly<Record<string, readonly number[]>>,
): Contraction | undefined {
  if (outShape.length === 0) return undefined;
  const f = numericView(formula);
  const reductions = reductionsOf(f);
  if (reductions.length === 0 || !reductions.every((r) => sameFormula(r, reductions[0]!))) return undefined;
  const red = reductions[0]!;
  if (red.k !== 'reduce' || red.op !== 'sum' || red.body.k !== 'prim' || red.body.op !== 'mul') return undefined;
  const [a, b] = red.body.args as [F, F];
  const w = a.k === 'param' ? a : b.k === 'param' ? b : undefined;
  const x = a.k === 'input' ? a : b.k === 'input' ? b : undefined;
  if (!w || w.k !== 'param' || !x || x.k !== 'input') return undefined;
  const last = outVar(outShape.length - 1);
  const lead = outShape.slice(0, -1);
  const N = outShape[outShape.length - 1]!;
  const K = red.n;
  const wShape = paramShapes[w.name];
  const xShape = inShapes[x.slot];
  if (!wShape || !xShape || wShape.length !== 2 || wShape[0] !== N || wShape[1] !== K) return undefined;
  if (!isVar(w.at[0]!, last) || !isVar(w.at[1]!, red.v)) return undefined;
  if (xShape.length !== lead.length + 1 || xShape[lead.length] !== K || lead.some((d, i) => xShape[i] !== d)) return undefined;
  if (!x.at.every((ix, d) => isVar(ix, d === lead.length ? red.v : outVar(d)))) return undefined;
  const acc = inShapes.length;
  const accAt: F = { k: 'input', slot: acc, at: [{ k: 'var', name: last }] };
  const epilogue = rewrite(f, [(n) => (n.k === 'reduce' && sameFormula(n, red) ? accAt : undefined)]);
  const free = freeVars(epilogue);
  if ([...free].some((v) => v !== last)) return undefined;
  if (readsInputsBesides(epilogue, acc)) return undefined;
  return { slot: x.slot, weight: w.name, K, N, rows: lead.reduce((p, d) => p * d, 1), epilogue, acc };
}

function readsInputsBesides(f: F, acc: number): boolean {
  return some(f, (n) => (n.k === 'input' && n.slot !== acc) || indexesOf(n).some(ixLoads));
}
