/** Substitution of symbols (by name) or of arbitrary subexpressions, memoised over the DAG. */

import { intern, makeSym } from './make.js';
import type { Expr } from './nodes.js';
import { toExpr, type Operand } from './operand.js';
import { rebuildWith } from './rebuild.js';
import { rootsOf, topoOrder } from './traverse.js';

export type Substitution =
  | Readonly<Record<string, Operand>>
  | ReadonlyMap<string | Expr, Operand>;

function normalise(map: Substitution): Map<Expr, Expr> {
  const out = new Map<Expr, Expr>();
  const entries: Iterable<[string | Expr, Operand]> = map instanceof Map
    ? map.entries() : Object.entries(map as Readonly<Record<string, Operand>>);
  for (const [k, v] of entries) out.set(typeof k === 'string' ? makeSym(k) : intern(toExpr(k)), toExpr(v));
  return out;
}

function substituteRoots(roots: readonly Expr[], map: Substitution): Expr[] {
  const repl = normalise(map);
  const done = new Map<Expr, Expr>();
  for (const n of topoOrder(roots, (x) => repl.has(x))) {
    done.set(n, repl.get(n) ?? rebuildWith(n, done));
  }
  return roots.map((r) => done.get(r)!);
}

/**
 * Replaces symbols (keys are names) or subexpressions (keys are Expr nodes, matched by
 * identity, i.e. structurally) and re-canonicalises: `substitute(x + y, {y: x})` is `2*x`.
 * Replacement values are not themselves substituted again.
 */
export function substitute(e: Operand, map: Substitution): Expr;
export function substitute(e: readonly Operand[], map: Substitution): Expr[];
export function substitute(e: Operand | readonly Operand[], map: Substitution): Expr | Expr[] {
  const out = substituteRoots(rootsOf(e).map(intern), map);
  return Array.isArray(e) ? out : out[0]!;
}
