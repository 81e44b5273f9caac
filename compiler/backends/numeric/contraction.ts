/**
 * Recognises contractions in formulas: an inner product of a weight row with the last axis of
 * an input, `sum_k W[o, k] * x[..., k]`, followed by a pointwise *epilogue* of the output index
 * `o` only (bias, fused activation): linear layers, fused linear+activation, the gate affines of
 * recurrent cells. Such steps get register-tiled loops (gemm.ts) instead of the generic ones.
 */
import type { F, Ix } from '../../ir/formula.js';
import { freeVars, outVar } from '../../ir/formula.js';

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

/** The numeric view of a formula: `alt` nodes replaced by their numeric form. */
export function numericView(f: F): F {
  switch (f.k) {
    case 'alt':
      return numericView(f.numeric);
    case 'prim':
      return { ...f, args: f.args.map(numericView) };
    case 'reduce':
    case 'shift':
      return { ...f, body: numericView(f.body) };
    case 'guard':
      return { ...f, body: numericView(f.body), otherwise: numericView(f.otherwise) };
    default:
      return f;
  }
}

function collect(f: F, out: F[]): void {
  switch (f.k) {
    case 'reduce':
      out.push(f);
      collect(f.body, out);
      return;
    case 'prim':
      f.args.forEach((a) => collect(a, out));
      return;
    case 'shift':
      collect(f.body, out);
      return;
    case 'guard':
      collect(f.body, out);
      collect(f.otherwise, out);
      return;
    default:
      return;
  }
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
    default:
      return ixLoads(x.a);
  }
}

/** True when a formula indexes by data (embedding): such formulas cannot be unrolled at compile time. */
export function hasIndexLoad(f: F): boolean {
  switch (f.k) {
    case 'input':
    case 'param':
      return f.at.some(ixLoads);
    case 'prim':
      return f.args.some(hasIndexLoad);
    case 'reduce':
    case 'shift':
      return hasIndexLoad(f.body);
    case 'alt':
      return hasIndexLoad(f.numeric) || hasIndexLoad(f.symbolic);
    case 'guard':
      return f.bounds.some((b) => ixLoads(b.ix)) || hasIndexLoad(f.body) || hasIndexLoad(f.otherwise);
    default:
      return false;
  }
}

function replace(f: F, key: string, by: F): F {
  if (f.k === 'reduce' && JSON.stringify(f) === key) return by;
  switch (f.k) {
    case 'prim':
      return { ...f, args: f.args.map((a) => replace(a, key, by)) };
    case 'shift':
    case 'reduce':
      return { ...f, body: replace(f.body, key, by) };
    case 'guard':
      return { ...f, body: replace(f.body, key, by), otherwise: replace(f.otherwise, key, by) };
    default:
      return f;
  }
}

/** The contraction a formula computes, if it is one (see the file comment). */
export function matchContraction(
  formula: F,
  outShape: readonly number[],
  inShapes: readonly (readonly number[])[],
  paramShapes: Readonly<Record<string, readonly number[]>>,
): Contraction | undefined {
  if (outShape.length === 0) return undefined;
  const f = numericView(formula);
  const reductions: F[] = [];
  collect(f, reductions);
  const keys = new Set(reductions.map((r) => JSON.stringify(r)));
  if (keys.size !== 1) return undefined;
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
  const epilogue = replace(f, keys.values().next().value!, { k: 'input', slot: acc, at: [{ k: 'var', name: last }] });
  const free = freeVars(epilogue);
  if ([...free].some((v) => v !== last)) return undefined;
  if (readsInputsBesides(epilogue, acc)) return undefined;
  return { slot: x.slot, weight: w.name, K, N, rows: lead.reduce((p, d) => p * d, 1), epilogue, acc };
}

function readsInputsBesides(f: F, acc: number): boolean {
  if (f.k === 'input') return f.slot !== acc;
  if (f.k === 'prim') return f.args.some((g) => readsInputsBesides(g, acc));
  if (f.k === 'guard') return f.bounds.some((b) => ixLoads(b.ix)) || readsInputsBesides(f.body, acc) || readsInputsBesides(f.otherwise, acc);
  if (f.k === 'shift') return readsInputsBesides(f.body, acc);
  if (f.k === 'param') return f.at.some(ixLoads);
  return false;
}
