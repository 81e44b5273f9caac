/** Rebuilding a node from new children through the canonicalising constructors. */

import { makeNum } from './make.js';
import { linear } from './add.js';
import { fn } from './fns.js';
import { mulAll, pow } from './mul.js';
import { childrenOf, type Expr } from './nodes.js';

/** `n` with its children replaced by `kids` (same order as `childrenOf(n)`). */
export function rebuild(n: Expr, kids: readonly Expr[]): Expr {
  switch (n.kind) {
    case 'num':
    case 'sym':
      return n;
    case 'add':
      return linear(n.coefs, kids, n.constant);
    case 'mul':
      return mulAll([makeNum(n.coef), ...kids.map((k, i) => pow(k, makeNum(n.exps[i]!)))]);
    case 'pow':
      return pow(kids[0]!, kids[1]!);
    case 'fn':
      return fn(n.name, kids);
  }
}

/** Rebuilds `n` from `mapped` children, returning `n` itself when no child changed. */
export function rebuildWith(n: Expr, mapped: ReadonlyMap<Expr, Expr>): Expr {
  const kids = childrenOf(n);
  let changed = false;
  const next = kids.map((k) => {
    const m = mapped.get(k) ?? k;
    if (m !== k) changed = true;
    return m;
  });
  return changed ? rebuild(n, next) : n;
}
