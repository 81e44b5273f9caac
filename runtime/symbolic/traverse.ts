/** DAG traversal helpers: iterative (no recursion), each shared node visited once. */

import { childrenOf, type Expr, type Sym } from './nodes.js';
import { compare } from './order.js';
import { toExpr, type Operand } from './operand.js';

export type Operands = Operand | readonly Operand[];

export function rootsOf(e: Operands): Expr[] {
  return Array.isArray(e) ? (e as readonly Operand[]).map(toExpr) : [toExpr(e as Operand)];
}

/**
 * All nodes reachable from `roots`, children before parents. When `stop(n)` is true the
 * node is listed but its children are not visited (unless reached another way).
 */
export function topoOrder(roots: readonly Expr[], stop?: (n: Expr) => boolean): Expr[] {
  const out: Expr[] = [];
  const seen = new Set<Expr>();
  const nodes: Expr[] = [];
  const next: number[] = [];
  for (const r of roots) {
    if (seen.has(r)) continue;
    seen.add(r);
    nodes.push(r);
    next.push(0);
    while (nodes.length > 0) {
      const top = nodes.length - 1;
      const n = nodes[top]!;
      const kids = stop !== undefined && stop(n) ? [] : childrenOf(n);
      const i = next[top]!;
      if (i >= kids.length) {
        out.push(n);
        nodes.pop();
        next.pop();
        continue;
      }
      next[top] = i + 1;
      const c = kids[i]!;
      if (!seen.has(c)) {
        seen.add(c);
        nodes.push(c);
        next.push(0);
      }
    }
  }
  return out;
}

/** Number of distinct nodes in the DAG (shared subexpressions counted once). */
export function countNodes(e: Operands): number {
  return topoOrder(rootsOf(e)).length;
}

/** Names of the symbols occurring in the expression(s), in canonical (natural) order. */
export function freeSymbols(e: Operands): string[] {
  const syms = topoOrder(rootsOf(e)).filter((n): n is Sym => n.kind === 'sym');
  return syms.sort(compare).map((s) => s.name);
}

/** The symbol names to declare when parsing SymPy output (`local_dict` = {name: Symbol(name)}). */
export const sympySymbols = freeSymbols;
