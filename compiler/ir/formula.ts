/**
 * The per-element formula language. An op says what ONE element of its output is, as a
 * function of the output index variables `i0, i1, ...`: loads from inputs and parameters at
 * index expressions, scalar primitives, and reductions. Numeric loops, gpu.js kernels, the
 * symbolic module and the reference interpreter are all renderings of these formulas.
 */
import type { PrimName } from './prims.js';

/** Integer index expressions (affine in the loop variables, plus floor-div and mod). */
export type Ix =
  | { readonly k: 'var'; readonly name: string }
  | { readonly k: 'lit'; readonly v: number }
  | { readonly k: 'add'; readonly a: Ix; readonly b: Ix }
  | { readonly k: 'scale'; readonly a: Ix; readonly c: number }
  | { readonly k: 'div'; readonly a: Ix; readonly c: number }
  | { readonly k: 'mod'; readonly a: Ix; readonly c: number }
  /** An integer read from input `slot` (an int tensor) at `at`: data-dependent indexing (embedding). */
  | { readonly k: 'load'; readonly slot: number; readonly at: readonly Ix[] };

/** A condition `0 <= ix < bound`; a guard takes its body where all hold, else its fallback. */
export interface Bound {
  readonly ix: Ix;
  readonly lt: number;
}

export type F =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'input'; readonly slot: number; readonly at: readonly Ix[] }
  | { readonly k: 'param'; readonly name: string; readonly at: readonly Ix[] }
  | { readonly k: 'prim'; readonly op: PrimName; readonly args: readonly F[] }
  | { readonly k: 'reduce'; readonly op: 'sum' | 'max'; readonly v: string; readonly n: number; readonly body: F }
  /** A stabilising shift (e.g. softmax's max): it cancels mathematically, so numeric and gpu
   * backends compute it and symbolic backends take it as 0, printing the textbook formula. */
  | { readonly k: 'shift'; readonly body: F }
  /** One function in two forms: numeric backends evaluate `numeric` (stable, or faithful to
   * PyTorch's kernel), symbolic backends build `symbolic` (the textbook formula). */
  | { readonly k: 'alt'; readonly numeric: F; readonly symbolic: F }
  | { readonly k: 'guard'; readonly bounds: readonly Bound[]; readonly body: F; readonly otherwise: F };

/** The output index variable of axis `axis`. */
export const outVar = (axis: number): string => `i${axis}`;

export function ix(x: Ix | number | string): Ix {
  if (typeof x === 'number') return { k: 'lit', v: x };
  if (typeof x === 'string') return { k: 'var', name: x };
  return x;
}

export const I = {
  add(a: Ix | number | string, b: Ix | number | string): Ix {
    const x = ix(a), y = ix(b);
    if (x.k === 'lit' && y.k === 'lit') return { k: 'lit', v: x.v + y.v };
    if (y.k === 'lit' && y.v === 0) return x;
    if (x.k === 'lit' && x.v === 0) return y;
    return { k: 'add', a: x, b: y };
  },
  scale(a: Ix | number | string, c: number): Ix {
    const x = ix(a);
    if (x.k === 'lit') return { k: 'lit', v: x.v * c };
    if (c === 1) return x;
    if (c === 0) return { k: 'lit', v: 0 };
    return { k: 'scale', a: x, c };
  },
  div(a: Ix | number | string, c: number): Ix {
    const x = ix(a);
    if (x.k === 'lit') return { k: 'lit', v: Math.floor(x.v / c) };
    return c === 1 ? x : { k: 'div', a: x, c };
  },
  mod(a: Ix | number | string, c: number): Ix {
    const x = ix(a);
    if (x.k === 'lit') return { k: 'lit', v: ((x.v % c) + c) % c };
    return c === 1 ? { k: 'lit', v: 0 } : { k: 'mod', a: x, c };
  },
};

/** Row-major flat offset of a multi-index in a tensor of `shape`. */
export function flatIndex(at: readonly Ix[], shape: readonly number[]): Ix {
  let acc: Ix = { k: 'lit', v: 0 };
  at.forEach((a, d) => {
    acc = I.add(I.scale(acc, shape[d]!), a);
  });
  return acc;
}

/** The output index variables of a rank-`rank` output, as index expressions. */
export function outIndex(rank: number): Ix[] {
  return Array.from({ length: rank }, (_, d) => ix(outVar(d)));
}

/** Builds formulas; hands out fresh reduction variable names so nested reductions never clash. */
export class FormulaBuilder {
  private next = 0;
  num(v: number): F {
    return { k: 'num', v };
  }
  input(slot: number, at: readonly (Ix | number | string)[]): F {
    return { k: 'input', slot, at: at.map(ix) };
  }
  param(name: string, at: readonly (Ix | number | string)[]): F {
    return { k: 'param', name, at: at.map(ix) };
  }
  prim(op: PrimName, ...args: F[]): F {
    return { k: 'prim', op, args };
  }
  reduce(op: 'sum' | 'max', n: number, body: (v: string) => F): F {
    const v = `r${this.next++}`;
    return { k: 'reduce', op, v, n, body: body(v) };
  }
  sum(n: number, body: (v: string) => F): F {
    return this.reduce('sum', n, body);
  }
  max(n: number, body: (v: string) => F): F {
    return this.reduce('max', n, body);
  }
  shift(body: F): F {
    return { k: 'shift', body };
  }
  alt(numeric: F, symbolic: F): F {
    return { k: 'alt', numeric, symbolic };
  }
  /** An integer index read from int input `slot` at `at`. */
  index(slot: number, at: readonly (Ix | number | string)[]): Ix {
    return { k: 'load', slot, at: at.map(ix) };
  }
  guard(bounds: readonly Bound[], body: F, otherwise: F): F {
    return bounds.length === 0 ? body : { k: 'guard', bounds, body, otherwise };
  }
}

function ixVars(x: Ix, out: Set<string>): void {
  switch (x.k) {
    case 'var':
      out.add(x.name);
      return;
    case 'lit':
      return;
    case 'add':
      ixVars(x.a, out);
      ixVars(x.b, out);
      return;
    case 'load':
      x.at.forEach((a) => ixVars(a, out));
      return;
    case 'scale':
    case 'div':
    case 'mod':
      ixVars(x.a, out);
  }
}

/**
 * Scalar operations per element of a formula (a reduction counts its length times its body);
 * `view` picks the branch of an `alt` (numeric code, or the symbolic form).
 */
export function formulaCost(f: F, view: 'numeric' | 'symbolic' = 'numeric'): number {
  switch (f.k) {
    case 'num':
    case 'input':
    case 'param':
      return 1;
    case 'prim':
      return 1 + f.args.reduce((a, g) => a + formulaCost(g, view), 0);
    case 'reduce':
      return f.n * (1 + formulaCost(f.body, view));
    case 'shift':
      return formulaCost(f.body, view);
    case 'alt':
      return formulaCost(view === 'numeric' ? f.numeric : f.symbolic, view);
    case 'guard':
      return 1 + Math.max(formulaCost(f.body, view), formulaCost(f.otherwise, view));
  }
}

/** Index variables a formula depends on (bound reduction variables excluded). */
export function freeVars(f: F, out: Set<string> = new Set()): Set<string> {
  switch (f.k) {
    case 'num':
      return out;
    case 'input':
    case 'param':
      f.at.forEach((a) => ixVars(a, out));
      return out;
    case 'prim':
      f.args.forEach((a) => freeVars(a, out));
      return out;
    case 'reduce': {
      const inner = freeVars(f.body);
      inner.delete(f.v);
      inner.forEach((v) => out.add(v));
      return out;
    }
    case 'shift':
      return freeVars(f.body, out);
    case 'alt':
      freeVars(f.numeric, out);
      return freeVars(f.symbolic, out);
    case 'guard':
      f.bounds.forEach((b) => ixVars(b.ix, out));
      freeVars(f.body, out);
      return freeVars(f.otherwise, out);
  }
}

/** Evaluates an index expression under integer bindings; `load` reads int inputs. */
export function evalIx(x: Ix, env: ReadonlyMap<string, number>, load?: (slot: number, at: readonly number[]) => number): number {
  const go = (y: Ix): number => evalIx(y, env, load);
  switch (x.k) {
    case 'var': {
      const v = env.get(x.name);
      if (v === undefined) throw new Error(`unbound index variable ${x.name}`);
      return v;
    }
    case 'lit':
      return x.v;
    case 'add':
      return go(x.a) + go(x.b);
    case 'scale':
      return go(x.a) * x.c;
    case 'div':
      return Math.floor(go(x.a) / x.c);
    case 'mod': {
      const v = go(x.a);
      return ((v % x.c) + x.c) % x.c;
    }
    case 'load':
      if (!load) throw new Error('internal: data-dependent index without a loader');
      return load(x.slot, x.at.map(go));
  }
}
