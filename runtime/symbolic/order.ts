/**
 * The canonical total order on expressions. It is structural (never uses creation ids),
 * so canonical forms and printed text do not depend on the order nodes were built in.
 *
 * Order: by kind (Num < Sym < Mul < Pow < Fn < Add); Num by value; Sym by natural name
 * order (x2 < x10); composite nodes by height, then lexicographically by their parts.
 * Because distinct nodes are structurally distinct, a lexicographic comparison decides at
 * the first differing child pair, so `compare` descends one path only and runs as a loop
 * (O(height * width), no recursion, no stack growth on deep DAGs).
 */

import { cCompare, type Coef } from './coef.js';
import { FN_TABLE } from './fnTable.js';
import type { Add, Expr, Fn, Mul, Pow, Sym } from './nodes.js';

/** Natural sort key of a symbol name: each digit run is prefixed by its length. */
export function symbolSortKey(name: string): string {
  return name.replace(/\d+/g, (d) => {
    const t = d.replace(/^0+(?=\d)/, '');
    return String.fromCharCode(0x20 + Math.min(t.length, 0x5e)) + t;
  });
}

function compareSym(a: Sym, b: Sym): number {
  if (a.sortKey !== b.sortKey) return a.sortKey < b.sortKey ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The pair to compare next when a step does not decide (module-level: no allocation). */
let nextA: Expr | undefined;
let nextB: Expr | undefined;
/** A step's result meaning "compare nextA with nextB". */
const DESCEND = 0.5;

function stepList(
  xa: readonly Expr[], ca: readonly Coef[] | null,
  xb: readonly Expr[], cb: readonly Coef[] | null,
): number {
  const n = Math.min(xa.length, xb.length);
  for (let i = 0; i < n; i++) {
    if (xa[i] !== xb[i]) {
      nextA = xa[i];
      nextB = xb[i];
      return DESCEND;
    }
    if (ca !== null && cb !== null) {
      const c = cCompare(ca[i]!, cb[i]!);
      if (c !== 0) return c;
    }
  }
  return xa.length - xb.length;
}

function stepMul(a: Mul, b: Mul): number {
  const s = stepList(a.bases, a.exps, b.bases, b.exps);
  return s !== 0 ? s : cCompare(a.coef, b.coef);
}

function stepAdd(a: Add, b: Add): number {
  const s = stepList(a.terms, a.coefs, b.terms, b.coefs);
  return s !== 0 ? s : cCompare(a.constant, b.constant);
}

function stepPow(a: Pow, b: Pow): number {
  const base = a.base !== b.base;
  nextA = base ? a.base : a.exponent;
  nextB = base ? b.base : b.exponent;
  return DESCEND;
}

function stepFn(a: Fn, b: Fn): number {
  const d = FN_TABLE[a.name].order - FN_TABLE[b.name].order;
  return d !== 0 ? d : stepList(a.args, null, b.args, null);
}

function step(a: Expr, b: Expr): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.height !== b.height) return a.height - b.height;
  switch (a.kind) {
    case 'num':
      return cCompare(a.value, (b as typeof a).value);
    case 'sym':
      return compareSym(a, b as Sym);
    case 'mul':
      return stepMul(a, b as Mul);
    case 'add':
      return stepAdd(a, b as Add);
    case 'pow':
      return stepPow(a, b as Pow);
    case 'fn':
      return stepFn(a, b as Fn);
  }
}

/**
 * Negative, zero or positive as `a` sorts before, equal to, or after `b`. Zero means
 * structurally equal: the same node, or a loose product and its interned twin (nodes.ts).
 */
export function compare(a: Expr, b: Expr): number {
  for (;;) {
    if (a === b) return 0;
    const s = step(a, b);
    if (s !== DESCEND) return s;
    a = nextA!;
    b = nextB!;
  }
}
