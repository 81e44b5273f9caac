/**
 * Reuse of named sums inside bigger sums, at print time.
 *
 * Sums are flat (x + tanh(x) + tanh(x + tanh(x)) has three terms, not a nested sum), so a
 * chain s_k = s_{k-1} + f(s_{k-1}) is a DAG of sums with 1, 2, ..., k terms: printing each
 * in full is quadratic. When a sum m already has a definition t and a later sum n contains
 * all of m's terms with coefficients lambda times m's, n prints as `lambda*t + rest`
 * (only when n's constant is exactly lambda * m's constant plus a float that adds back
 * exactly). The chain then prints as t_k = t_{k-1} + f(t_{k-1}): linear.
 *
 * Which sums contain which is found before printing (`scan`, in topological order), and a
 * containment counts as a use of the smaller sum, so that it gets a definition when big.
 * Candidates are found through an anchor: each sum is filed under its last term (in
 * canonical order, usually its rarest); a sum looks at the RECENT candidates filed under
 * each of its terms, largest first, and checks at most MAX_CHECKS of them (O(size) each).
 */

import { cAdd, cEquals, cIsZero, cMul, cSub, type Coef } from '../coef.js';
import { newMark, type Add, type Expr } from '../nodes.js';

const MAX_CHECKS = 8;
/** Candidates looked at per anchor: the most recently filed. */
const RECENT = 2;
/** Sums smaller than this are printed in full (nothing to gain). */
const MIN_TERMS = 3;

export interface SubSum {
  /** The named sum reused. */
  readonly sum: Add;
  readonly lambda: Coef;
  /** Indices (into n.terms) of the terms not covered by the named sum. */
  readonly rest: readonly number[];
  /** n.constant - lambda * sum.constant. */
  readonly constant: Coef;
}

export class SubSums {
  private readonly byAnchor = new Map<Expr, Add[]>();
  /** For each sum that contains an earlier one: the biggest such. */
  readonly within = new Map<Add, SubSum>();
  private readonly subs = new Set<Add>();

  /** Whether a later sum contains `m` (found by `scan`). */
  isSub(m: Add): boolean {
    return this.subs.has(m);
  }

  /**
   * Looks for the biggest earlier sum inside `n`, then files `n` as a candidate for later
   * sums. Call on the sums in topological order; returns the sum found, if any.
   */
  scan(n: Add): Add | undefined {
    if (n.terms.length < MIN_TERMS) return undefined;
    const found = this.find(n);
    if (found !== undefined) {
      this.within.set(n, found);
      this.subs.add(found.sum);
    }
    const anchor = n.terms[n.terms.length - 1]!;
    const list = this.byAnchor.get(anchor);
    if (list === undefined) this.byAnchor.set(anchor, [n]);
    else list.push(n);
    return found?.sum;
  }

  private find(n: Add): SubSum | undefined {
    const candidates: Add[] = [];
    for (const t of n.terms) {
      const list = this.byAnchor.get(t);
      if (list === undefined) continue;
      for (let k = Math.max(0, list.length - RECENT); k < list.length; k++) {
        const m = list[k]!;
        if (m.terms.length < n.terms.length) candidates.push(m);
      }
    }
    if (candidates.length === 0) return undefined;
    candidates.sort((a, b) => b.terms.length - a.terms.length);
    const mark = newMark();
    n.terms.forEach((t, i) => {
      t.mark = mark;
      t.slot = i;
    });
    for (let k = 0; k < Math.min(candidates.length, MAX_CHECKS); k++) {
      const found = contained(candidates[k]!, n, mark);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

function contained(m: Add, n: Add, mark: number): SubSum | undefined {
  let lambda: Coef | undefined;
  const covered = new Uint8Array(n.terms.length);
  for (let i = 0; i < m.terms.length; i++) {
    const t = m.terms[i]!;
    if (t.mark !== mark) return undefined;
    const j = t.slot;
    const want = n.coefs[j]!;
    if (lambda === undefined) lambda = exactRatio(want, m.coefs[i]!);
    if (lambda === undefined || !cEquals(cMul(lambda, m.coefs[i]!), want)) return undefined;
    covered[j] = 1;
  }
  const base = cMul(lambda!, m.constant);
  const constant = cSub(n.constant, base);
  if (!cEquals(cAdd(base, constant), n.constant)) return undefined;
  const rest: number[] = [];
  for (let j = 0; j < covered.length; j++) if (covered[j] === 0) rest.push(j);
  return { sum: m, lambda: lambda!, rest, constant: cIsZero(constant) ? 0 : constant };
}

/** a / b when b * (a / b) reproduces a exactly (checked by the caller), else undefined. */
function exactRatio(a: Coef, b: Coef): Coef | undefined {
  if (cEquals(a, b)) return 1;
  if (cEquals(a, cMul(-1, b))) return -1;
  if (typeof a === 'number' && typeof b === 'number') return b === 0 ? undefined : a / b;
  return undefined;
}
