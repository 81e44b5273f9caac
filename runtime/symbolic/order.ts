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

import { cCompare } from './coef.js';
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

/** Result of one comparison step: a number decides; a pair means "compare these next". */
type Step = number | [Expr, Expr];

function stepList(
  xa: readonly Expr[], ca: readonly number[] | null,
  xb: readonly Expr[], cb: readonly number[] | null,
): Step {
  const n = Math.min(xa.length, xb.length);
  for (let i = 0; i < n; i++) {
    if (xa[i] !== xb[i]) return [xa[i]!, xb[i]!];
    if (ca !== null && cb !== null) {
      const c = cCompare(ca[i]!, cb[i]!);
      if (c !== 0) return c;
    }
  }
  return xa.length - xb.length;
}

function stepMul(a: Mul, b: Mul): Step {
  const s = stepList(a.bases, a.exps, b.bases, b.exps);
  return s !== 0 ? s : cCompare(a.coef, b.coef);
}

function stepAdd(a: Add, b: Add): Step {
  const s = stepList(a.terms, a.coefs, b.terms, b.coefs);
  return s !== 0 ? s : cCompare(a.constant, b.constant);
}

function stepPow(a: Pow, b: Pow): Step {
  return a.base !== b.base ? [a.base, b.base] : [a.exponent, b.exponent];
}

function stepFn(a: Fn, b: Fn): Step {
  const d = FN_TABLE[a.name].order - FN_TABLE[b.name].order;
  return d !== 0 ? d : stepList(a.args, null, b.args, null);
}

function step(a: Expr, b: Expr): Step {
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

/** Negative, zero or positive as `a` sorts before, equal to (same node), or after `b`. */
export function compare(a: Expr, b: Expr): number {
  for (;;) {
    if (a === b) return 0;
    const s = step(a, b);
    if (typeof s === 'number') return s;
    a = s[0];
    b = s[1];
  }
}
