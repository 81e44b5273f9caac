/**
 * `prune(e, eps)`: drops the terms of sums whose coefficient is smaller than `eps` in
 * magnitude, everywhere in the DAG. Explicit opt-in only (nothing else in the library ever
 * drops a term): pruning changes values, by at most sum |c_i * t_i| over the dropped terms.
 * Memoised over the DAG; the result is rebuilt through the canonicalising constructors,
 * so it simplifies further where it can (a sum left with one term becomes that term).
 */

import { linear } from './add.js';
import { cAbs, cToFloat, type Coef } from './coef.js';
import { intern } from './make.js';
import type { Expr } from './nodes.js';
import type { Operand } from './operand.js';
import { rebuildWith } from './rebuild.js';
import { rootsOf, topoOrder } from './traverse.js';

function pruneSum(n: Expr & { kind: 'add' }, done: ReadonlyMap<Expr, Expr>, eps: number): Expr {
  const coefs: Coef[] = [];
  const terms: Expr[] = [];
  let dropped = false;
  n.terms.forEach((t, i) => {
    const c = n.coefs[i]!;
    if (cToFloat(cAbs(c)) < eps) {
      dropped = true;
      return;
    }
    coefs.push(c);
    terms.push(done.get(t) ?? t);
  });
  return dropped ? linear(coefs, terms, n.constant) : rebuildWith(n, done);
}

function pruneRoots(roots: readonly Expr[], eps: number): Expr[] {
  const done = new Map<Expr, Expr>();
  for (const n of topoOrder(roots)) done.set(n, n.kind === 'add' ? pruneSum(n, done, eps) : rebuildWith(n, done));
  return roots.map((r) => done.get(r)!);
}

/** `e` (or each expression of an array) with sum terms of |coefficient| < eps removed. */
export function prune(e: Operand, eps: number): Expr;
export function prune(e: readonly Operand[], eps: number): Expr[];
export function prune(e: Operand | readonly Operand[], eps: number): Expr | Expr[] {
  if (!(eps >= 0)) throw new RangeError(`prune: eps must be a non-negative number, got ${eps}`);
  const out = pruneRoots(rootsOf(e).map(intern), eps);
  return Array.isArray(e) ? out : out[0]!;
}
