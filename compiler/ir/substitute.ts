/**
 * Formula rewriting: substituting one formula for another's loads of an input (how fusion joins
 * a producer and its pointwise consumer), renaming parameters and bound reduction variables.
 */
import type { F, Ix } from './formula.js';
import { outVar } from './formula.js';
import { walk } from './traverse.js';

/** Rebuilds an index expression with `var` leaves replaced by `vars` (others kept). */
export function substIx(x: Ix, vars: ReadonlyMap<string, Ix>): Ix {
  switch (x.k) {
    case 'var':
      return vars.get(x.name) ?? x;
    case 'lit':
      return x;
    case 'add':
      return { k: 'add', a: substIx(x.a, vars), b: substIx(x.b, vars) };
    case 'load':
      return { k: 'load', slot: x.slot, at: x.at.map((a) => substIx(a, vars)) };
    case 'scale':
    case 'div':
    case 'mod':
      return { ...x, a: substIx(x.a, vars) };
  }
}

/** Bottom-up rewrite: `leaf` may replace `input`/`param` nodes; index variables go through `vars`. */
function rewrite(f: F, vars: ReadonlyMap<string, Ix>, leaf: (g: Extract<F, { k: 'input' | 'param' }>) => F): F {
  const go = (g: F): F => rewrite(g, vars, leaf);
  const at = (xs: readonly Ix[]): Ix[] => xs.map((a) => substIx(a, vars));
  switch (f.k) {
    case 'num':
      return f;
    case 'input':
    case 'param':
      return leaf({ ...f, at: at(f.at) });
    case 'prim':
      return { k: 'prim', op: f.op, args: f.args.map(go) };
    case 'reduce': {
      const v = vars.get(f.v);
      const name = v?.k === 'var' ? v.name : f.v;
      return { k: 'reduce', op: f.op, v: name, n: f.n, body: go(f.body) };
    }
    case 'shift':
      return { k: 'shift', body: go(f.body) };
    case 'alt':
      return { k: 'alt', numeric: go(f.numeric), symbolic: go(f.symbolic) };
    case 'guard':
      return {
        k: 'guard',
        bounds: f.bounds.map((b) => ({ ix: substIx(b.ix, vars), lt: b.lt })),
        body: go(f.body),
        otherwise: go(f.otherwise),
      };
  }
}

/** Names of the reduction variables a formula binds. */
export function boundVars(f: F, out: Set<string> = new Set()): Set<string> {
  walk(f, (n) => void (n.k === 'reduce' && out.add(n.v)));
  return out;
}

/** How many loads of input `slot` a formula makes (both forms of an `alt` counted). */
export function countInputs(f: F, slot: number): number {
  let count = 0;
  walk(f, (n) => void (n.k === 'input' && n.slot === slot && count++));
  return count;
}

/** Node count of a formula outside reductions (what a substitution duplicates per use); shifts are free. */
export function scalarSize(f: F): number {
  let count = 0;
  walk(f, (n) => {
    if (n.k === 'shift') return;
    count++;
    if (n.k === 'reduce') return false;
  });
  return count;
}

/** Renames parameters (names absent from `names` are kept). */
export function renameParams(f: F, names: ReadonlyMap<string, string>): F {
  return rewrite(f, new Map(), (g) => (g.k === 'param' && names.has(g.name) ? { ...g, name: names.get(g.name)! } : g));
}

/**
 * `consumer` with each load of its input `slot`, `input(slot, at)`, replaced by `producer`
 * evaluated at `at` (the producer's output variables i0, i1, ... bound to `at`). The producer's
 * reduction variables are renamed where they clash with the consumer's, so every copy of a
 * producer reduction stays identical (backends compute identical reductions once).
 */
export function substituteInput(consumer: F, slot: number, producer: F, producerRank: number): F {
  const taken = boundVars(consumer);
  const renames = new Map<string, Ix>();
  let next = 0;
  for (const v of boundVars(producer)) {
    if (!taken.has(v)) continue;
    let fresh: string;
    do fresh = `r${next++}`;
    while (taken.has(fresh) || boundVars(producer).has(fresh));
    taken.add(fresh);
    renames.set(v, { k: 'var', name: fresh });
  }
  const p = renames.size ? rewrite(producer, renames, (g) => g) : producer;
  return rewrite(consumer, new Map(), (g) => {
    if (g.k !== 'input' || g.slot !== slot) return g;
    const vars = new Map<string, Ix>(g.at.slice(0, producerRank).map((a, d) => [outVar(d), a]));
    return rewrite(p, vars, (h) => h);
  });
}

/** A formula with index variables replaced (e.g. an output variable by a loop expression). */
export function substVars(f: F, vars: ReadonlyMap<string, Ix>): F {
  return rewrite(f, vars, (g) => g);
}
