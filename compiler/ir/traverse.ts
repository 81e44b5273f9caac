/**
 * One traversal for formulas, and rules on top (tinygrad's `src` + PatternMatcher, in small):
 * `children` / `mapChildren` know every node kind (the switch is exhaustive, so a new kind fails to
 * compile until it is handled here), and everything else — views, searches, replacements — is a
 * walk or a table of rewrite rules run by `rewrite`. `formulaKey` is a structural key, memoised
 * per node, for equality and caches (formulas are immutable, so a node's key never changes).
 */
import type { F, Ix } from './formula.js';

/** The formula children of a node, in a fixed order (index expressions are not formulas). */
export function children(f: F): readonly F[] {
  switch (f.k) {
    case 'num':
    case 'input':
    case 'param':
      return [];
    case 'prim':
      return f.args;
    case 'reduce':
    case 'shift':
      return [f.body];
    case 'alt':
      return [f.numeric, f.symbolic];
    case 'guard':
      return [f.body, f.otherwise];
  }
}

/** The node with each formula child replaced by `fn(child)`; the node itself when nothing changed. */
export function mapChildren(f: F, fn: (c: F) => F): F {
  switch (f.k) {
    case 'num':
    case 'input':
    case 'param':
      return f;
    case 'prim': {
      const args = f.args.map(fn);
      return args.every((a, i) => a === f.args[i]) ? f : { ...f, args };
    }
    case 'reduce':
    case 'shift': {
      const body = fn(f.body);
      return body === f.body ? f : { ...f, body };
    }
    case 'alt': {
      const numeric = fn(f.numeric);
      const symbolic = fn(f.symbolic);
      return numeric === f.numeric && symbolic === f.symbolic ? f : { ...f, numeric, symbolic };
    }
    case 'guard': {
      const body = fn(f.body);
      const otherwise = fn(f.otherwise);
      return body === f.body && otherwise === f.otherwise ? f : { ...f, body, otherwise };
    }
  }
}

/** The index expressions a node itself holds (loads' positions, guards' bounds). */
export function indexesOf(f: F): readonly Ix[] {
  switch (f.k) {
    case 'input':
    case 'param':
      return f.at;
    case 'guard':
      return f.bounds.map((b) => b.ix);
    case 'num':
    case 'prim':
    case 'reduce':
    case 'shift':
    case 'alt':
      return [];
  }
}

/** Calls `visit` on every node, parents before children; `visit` returning false skips the node's children. */
export function walk(f: F, visit: (n: F) => boolean | void): void {
  if (visit(f) === false) return;
  for (const c of children(f)) walk(c, visit);
}

/** Whether any node satisfies `pred`. */
export function some(f: F, pred: (n: F) => boolean): boolean {
  let found = false;
  walk(f, (n) => {
    if (found) return false;
    if (pred(n)) found = true;
    return !found;
  });
  return found;
}

/** A rewrite rule: a replacement for the node, or undefined where it does not apply. */
export type Rule = (f: F) => F | undefined;

/**
 * Rewrites top-down: at each node the first rule that applies replaces it, again until none
 * applies, then the children are rewritten. Nodes no rule touches are returned as they are.
 */
export function rewrite(f: F, rules: readonly Rule[]): F {
  let node = f;
  for (let guard = 0; ; guard++) {
    if (guard > 1000) throw new Error('internal: rewrite rules do not terminate');
    let next: F | undefined;
    for (const r of rules) if ((next = r(node)) !== undefined) break;
    if (next === undefined) break;
    node = next;
  }
  return mapChildren(node, (c) => rewrite(c, rules));
}

/** The numeric view of a formula: `alt` nodes replaced by their numeric form. */
export const numericView = (f: F): F => rewrite(f, [(n) => (n.k === 'alt' ? n.numeric : undefined)]);

/**
 * The symbolic view: `alt` nodes in their textbook form and stabilising shifts dropped
 * (`x - shift(m)` is `x`; a shift anywhere else is 0), so symbolic output prints the textbook formula.
 */
export const symbolicView = (f: F): F =>
  rewrite(f, [
    (n) => (n.k === 'alt' ? n.symbolic : undefined),
    (n) => (n.k === 'prim' && n.op === 'sub' && n.args[1]!.k === 'shift' ? n.args[0]! : undefined),
    (n) => (n.k === 'shift' ? { k: 'num', v: 0 } : undefined),
  ]);

const keys = new WeakMap<F, string>();

function ixKey(x: Ix): string {
  switch (x.k) {
    case 'var':
      return x.name;
    case 'lit':
      return String(x.v);
    case 'add':
      return `(${ixKey(x.a)}+${ixKey(x.b)})`;
    case 'scale':
      return `(${ixKey(x.a)}*${x.c})`;
    case 'div':
      return `(${ixKey(x.a)}/${x.c})`;
    case 'mod':
      return `(${ixKey(x.a)}%${x.c})`;
    case 'load':
      return `load${x.slot}[${x.at.map(ixKey).join(',')}]`;
  }
}

/** A structural key: equal keys, equal formulas. Memoised per node. */
export function formulaKey(f: F): string {
  const known = keys.get(f);
  if (known !== undefined) return known;
  const sub = children(f).map(formulaKey).join(',');
  let own: string;
  switch (f.k) {
    case 'num':
      own = Object.is(f.v, -0) ? '-0' : String(f.v);
      break;
    case 'input':
      own = `in${f.slot}[${f.at.map(ixKey).join(',')}]`;
      break;
    case 'param':
      own = `${JSON.stringify(f.name)}[${f.at.map(ixKey).join(',')}]`;
      break;
    case 'prim':
      own = f.op;
      break;
    case 'reduce':
      own = `${f.op}:${f.v}<${f.n}`;
      break;
    case 'shift':
    case 'alt':
      own = f.k;
      break;
    case 'guard':
      own = `guard[${f.bounds.map((b) => `${ixKey(b.ix)}<${b.lt}`).join(',')}]`;
      break;
  }
  const key = `${own}(${sub})`;
  keys.set(f, key);
  return key;
}

/** Structural equality of formulas. */
export const sameFormula = (a: F, b: F): boolean => a === b || formulaKey(a) === formulaKey(b);
