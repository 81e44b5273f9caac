/**
 * Formula evaluation over an algebra: one formula for every output element, and scans step by
 * step. The graph-level reference interpreter (compiler/interpret.ts) runs these with each op's
 * formula; with the float64 algebra it is constant folding and the reference for tests, with the
 * symbolic algebra `eval --symbolic`.
 */
import { PRIMS, type PrimName } from './prims.js';
import type { F, Ix } from './formula.js';
import type { CellRef, ScanAttrs } from './scan.js';
import { evalIx, flatIndex, outVar } from './formula.js';
import type { Node, Tensor, TensorType } from './graph.js';
import { size } from './graph.js';

/** Scalar semantics: how numbers, primitives and reductions combine. */
export interface Algebra<V> {
  num(v: number): V;
  prim(op: PrimName, args: V[]): V;
  sum(xs: V[]): V;
  max(xs: V[]): V;
  /** Symbolic algebras take stabilising shifts as 0 and the symbolic form of `alt` nodes. */
  readonly symbolic: boolean;
}

export const float64: Algebra<number> = {
  num: (v) => v,
  prim: (op, args) => (PRIMS[op].num as (...a: number[]) => number)(...args),
  sum: (xs) => xs.reduce((a, b) => a + b, 0),
  max: (xs) => xs.reduce((a, b) => Math.max(a, b), -Infinity),
  symbolic: false,
};

/** Parameter data as the interpreter reads it: numbers, or values of the algebra (symbolic params). */
export interface ParamData<V> {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number | V>;
}

/** Replaces a node's parameter tensor (e.g. by symbols); `undefined` keeps the numbers. */
export type ParamHook<V> = (n: Node, param: string, t: Tensor) => ParamData<V> | undefined;

export function nodeParams<V>(n: Node, hook?: ParamHook<V>): Record<string, ParamData<V>> {
  if (!hook) return n.params;
  return Object.fromEntries(Object.entries(n.params).map(([k, t]) => [k, hook(n, k, t) ?? t]));
}

/** Evaluates one formula for every output element. `inputs`/`params` hold flat row-major data. */
export function evalFormula<V>(
  f: F,
  outShape: readonly number[],
  inputs: readonly { shape: readonly number[]; data: ArrayLike<V> }[],
  params: Readonly<Record<string, ParamData<V>>>,
  alg: Algebra<V>,
): V[] {
  const env = new Map<string, number>();
  const loadIndex = (slot: number, at: readonly number[]): number => {
    const t = inputs[slot]!;
    const v = t.data[evalIx(flatIndex(at.map((a) => ({ k: 'lit', v: a }) as const), t.shape), env)];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`index input ${slot} holds ${String(v)}, not an integer`);
    return v;
  };
  const ix = (x: Ix): number => evalIx(x, env, loadIndex);
  const go = (g: F): V => {
    switch (g.k) {
      case 'num':
        return alg.num(g.v);
      case 'input': {
        const t = inputs[g.slot]!;
        return t.data[ix(flatIndex(g.at, t.shape))]!;
      }
      case 'param': {
        const t = params[g.name]!;
        const v = t.data[ix(flatIndex(g.at, t.shape))]!;
        return typeof v === 'number' ? alg.num(v) : v;
      }
      case 'prim':
        return alg.prim(g.op, g.args.map(go));
      case 'reduce': {
        const xs: V[] = [];
        for (let r = 0; r < g.n; r++) {
          env.set(g.v, r);
          xs.push(go(g.body));
        }
        env.delete(g.v);
        return g.op === 'sum' ? alg.sum(xs) : alg.max(xs);
      }
      case 'shift':
        return alg.symbolic ? alg.num(0) : go(g.body);
      case 'alt':
        return go(alg.symbolic ? g.symbolic : g.numeric);
      case 'guard': {
        const inside = g.bounds.every((b) => {
          const v = ix(b.ix);
          return v >= 0 && v < b.lt;
        });
        return go(inside ? g.body : g.otherwise);
      }
    }
  };
  const out: V[] = new Array(size(outShape));
  const idx = new Array<number>(outShape.length).fill(0);
  for (let flat = 0; flat < out.length; flat++) {
    let rest = flat;
    for (let d = outShape.length - 1; d >= 0; d--) {
      idx[d] = rest % outShape[d]!;
      rest = Math.floor(rest / outShape[d]!);
      env.set(outVar(d), idx[d]!);
    }
    out[flat] = go(f);
  }
  return out;
}

/** Runs a scan node: the step program once per time step, in order (reversed when `reverse`). */
export function evalScan<V>(n: Node, inTypes: readonly TensorType[], ins: readonly (readonly V[])[], alg: Algebra<V>, hook?: ParamHook<V>): V[] {
  const body = n.body!;
  const params = nodeParams(n, hook);
  const { steps, reverse } = n.attrs as unknown as ScanAttrs;
  const F = inTypes[0]!.shape[1]!;
  const states = new Map(body.states.map((s) => [s.name, s.init !== undefined ? [...ins[s.init]!] : new Array<V>(s.size).fill(alg.num(0))]));
  const out: V[] = [];
  for (let step = 0; step < steps; step++) {
    const t = reverse ? steps - 1 - step : step;
    const x = ins[0]!.slice(t * F, (t + 1) * F);
    const cells = new Map<string, V[]>();
    const value = (r: CellRef): { shape: readonly number[]; data: readonly V[] } => {
      if (r.kind === 'x') return { shape: [F], data: x };
      const data = r.kind === 'state' ? states.get(r.name)! : cells.get(r.name)!;
      return { shape: [data.length], data };
    };
    for (const c of body.cells) cells.set(c.name, evalFormula(c.formula, c.shape, c.inputs.map(value), params, alg));
    const row = cells.get(body.emit)!;
    for (let j = 0; j < row.length; j++) out[t * row.length + j] = row[j]!;
    for (const s of body.states) states.set(s.name, cells.get(body.next[s.name]!)!);
  }
  return out;
}
