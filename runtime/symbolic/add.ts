/**
 * Sums. A sum is canonical at construction (SymEngine style): a constant plus a map
 * term -> coefficient, so `x + x` is `2*x` and `x - x` is `0` without a simplifier.
 *
 * Cost: O(n) to collect n incoming terms (merging uses a scratch slot on each node, no
 * hash map), then the canonical sort. Sorting is skipped when the terms are known to be in
 * order (one sum plus numbers, e.g. adding a bias), and a sort is remembered by the exact
 * term sequence it sorted (SORT_CACHE entries): the 512 rows of a dense layer over the same
 * inputs sort once, and then share one terms array. Sorted arrays are also remembered by
 * content (SORTED_CACHE), so the same terms met in a different order share that array too.
 */

import { cAdd, cIsOne, cIsZero, cMul, cNeg, type Coef } from './coef.js';
import { mix } from './hash.js';
import { makeAdd, makeNum, scale, unitOf } from './make.js';
import { newMark, type Expr } from './nodes.js';
import { compare } from './order.js';
import { numericValue, toExpr, type Operand } from './operand.js';

/**
 * Collects coefficient * term pairs, merging equal terms. One instance (SUM) is reused:
 * builders never nest (nothing called while collecting builds another sum), and reusing its
 * arrays leaves no garbage but the node's own exact-size arrays.
 */
class SumBuilder {
  constant: Coef = 0;
  private n = 0;
  private readonly terms: Expr[] = [];
  /** Scratch coefficients; replaced after holding a Rational (keeps it a float array). */
  private coefs: Coef[] = [];
  private exact = false;
  private mark = 0;
  /** The terms of the only sum added so far (already in canonical order); null once mixed. */
  private source: readonly Expr[] | null | undefined = undefined;

  begin(): this {
    if (this.exact) {
      this.coefs = [];
      this.exact = false;
    }
    this.constant = 0;
    this.n = 0;
    this.mark = newMark();
    this.source = undefined;
    return this;
  }

  addNumber(v: Coef): void {
    this.constant = cAdd(this.constant, v);
  }

  /** Adds `c * x` for any expression x (flattening sums, extracting Mul coefficients). */
  addScaled(c: Coef, x: Expr): void {
    if (cIsZero(c)) return;
    switch (x.kind) {
      case 'num':
        return this.addNumber(cMul(c, x.value));
      case 'add': {
        this.addNumber(cMul(c, x.constant));
        this.source = this.source === undefined && this.n === 0 ? x.terms : null;
        const { terms, coefs } = x;
        for (let i = 0; i < terms.length; i++) this.addTerm(terms[i]!, cMul(c, coefs[i]!));
        return;
      }
      case 'mul':
        this.source = null;
        return cIsOne(x.coef) ? this.addTerm(x, c) : this.addTerm(unitOf(x), cMul(c, x.coef));
      default:
        this.source = null;
        return this.addTerm(x, c);
    }
  }

  /** Adds `c * t` where t is already a valid Add term. */
  private addTerm(t: Expr, c: Coef): void {
    if (t.mark === this.mark) {
      const i = t.slot;
      const sum = cAdd(this.coefs[i]!, c);
      if (typeof sum !== 'number') this.exact = true;
      this.coefs[i] = sum;
      return;
    }
    t.mark = this.mark;
    t.slot = this.n;
    if (typeof c !== 'number') this.exact = true;
    this.terms[this.n] = t;
    this.coefs[this.n++] = c;
  }

  /** Removes terms whose coefficients cancelled to 0; true if any was removed. */
  private dropZeros(): boolean {
    const { terms, coefs, n } = this;
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (cIsZero(coefs[i]!)) continue;
      terms[k] = terms[i]!;
      coefs[k++] = coefs[i]!;
    }
    this.n = k;
    return k < n;
  }

  build(): Expr {
    const dropped = this.dropZeros();
    const { terms, coefs, constant, source, n } = this;
    let result: Expr;
    if (n === 0) result = makeNum(constant);
    else if (n === 1 && cIsZero(constant)) result = scale(coefs[0]!, terms[0]!);
    else if (source != null && !dropped) result = makeAdd(constant, source, coefs.slice(0, n));
    else {
      const [sorted, perm] = source != null ? [terms.slice(0, n), null] : sortTerms(terms, n);
      const out: Coef[] = [];
      for (let i = 0; i < n; i++) out.push(coefs[perm === null ? i : perm[i]!]!);
      result = makeAdd(constant, sorted, out);
    }
    terms.fill(undefined as unknown as Expr, 0, n);
    return result;
  }
}

const SUM = new SumBuilder();

interface SortEntry {
  readonly input: readonly Expr[];
  readonly sorted: readonly Expr[];
  readonly perm: readonly number[] | null;
}

const SORT_CACHE: (SortEntry | undefined)[] = new Array<SortEntry | undefined>(64).fill(undefined);
const SORT_CACHE_MIN = 8;

/** Whether `a` is exactly the first n elements of `b`. */
function samePrefix(a: readonly Expr[], b: readonly Expr[], n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The first n terms (a scratch array) in canonical order, as a new or cached array, and
 * the permutation used (null: already in order).
 */
function sortTerms(terms: readonly Expr[], n: number): [readonly Expr[], readonly number[] | null] {
  if (n < SORT_CACHE_MIN) return sortUncached(terms.slice(0, n));
  const key = mix(mix(mix(n, terms[0]!.id), terms[n >> 1]!.id), terms[n - 1]!.id) & (SORT_CACHE.length - 1);
  const hit = SORT_CACHE[key];
  if (hit !== undefined && samePrefix(hit.input, terms, n)) return [hit.sorted, hit.perm];
  const input = terms.slice(0, n);
  const [fresh, perm] = sortUncached(input);
  const sorted = shareSorted(fresh);
  SORT_CACHE[key] = { input, sorted, perm };
  return [sorted, perm];
}

/**
 * Sorted term arrays by content: the same terms reached in another order (a permuted layer,
 * or an input order that was evicted from SORT_CACHE) get the array already in use.
 */
const SORTED_CACHE: (readonly Expr[] | undefined)[] = new Array<readonly Expr[] | undefined>(64).fill(undefined);

function shareSorted(sorted: readonly Expr[]): readonly Expr[] {
  let h = sorted.length;
  for (const t of sorted) h = mix(h, t.id);
  const key = h & (SORTED_CACHE.length - 1);
  const hit = SORTED_CACHE[key];
  if (hit !== undefined && samePrefix(hit, sorted, sorted.length)) return hit;
  SORTED_CACHE[key] = sorted;
  return sorted;
}

function sortUncached(terms: readonly Expr[]): [readonly Expr[], readonly number[] | null] {
  let inOrder = true;
  for (let i = 1; i < terms.length && inOrder; i++) if (compare(terms[i - 1]!, terms[i]!) > 0) inOrder = false;
  if (inOrder) return [terms, null];
  const perm = terms.map((_, i) => i).sort((i, j) => compare(terms[i]!, terms[j]!));
  return [perm.map((i) => terms[i]!), perm];
}

/** Sum of any number of operands (array form: no argument spreading for large inputs). */
export function addAll(xs: readonly Operand[]): Expr {
  if (xs.length === 1) return toExpr(xs[0]!);
  if (xs.length === 2) {
    const quick = addNumberToSum(xs[0]!, xs[1]!) ?? addNumberToSum(xs[1]!, xs[0]!);
    if (quick !== undefined) return quick;
  }
  const b = SUM.begin();
  for (const x of xs) {
    if (typeof x === 'number') b.addNumber(x);
    else b.addScaled(1, toExpr(x));
  }
  return b.build();
}

/** `s + v` for a sum s and a number v, sharing s's arrays; else undefined. */
function addNumberToSum(s: Operand, v: Operand): Expr | undefined {
  if (typeof s === 'number' || s.kind !== 'add') return undefined;
  const k = numericValue(v);
  if (k === undefined) return undefined;
  return cIsZero(k) ? s : makeAdd(cAdd(s.constant, k), s.terms, s.coefs);
}

export function add(...xs: Operand[]): Expr {
  // As in `mul`: two operands are passed on one by one (no rest array once inlined).
  return xs.length === 2 ? add2(xs[0]!, xs[1]!) : addAll(xs);
}

function add2(a: Operand, b: Operand): Expr {
  const quick = addNumberToSum(a, b) ?? addNumberToSum(b, a);
  return quick ?? addAll([a, b]);
}

/**
 * `constant + sum_i coefs[i] * terms[i]` without building a node per product: the fast path
 * for large linear combinations (dense layers, gates), equal to
 * `addAll(terms.map((t, i) => mul(coefs[i], t)).concat(constant))`.
 */
export function linear(coefs: readonly Coef[], terms: readonly Operand[], constant: Coef = 0): Expr {
  if (coefs.length !== terms.length) {
    throw new RangeError(`linear: ${coefs.length} coefficients for ${terms.length} terms`);
  }
  const b = SUM.begin();
  b.addNumber(constant);
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i]!;
    if (typeof t === 'number') b.addNumber(cMul(coefs[i]!, t));
    else b.addScaled(coefs[i]!, toExpr(t));
  }
  return b.build();
}

export function neg(a: Operand): Expr {
  return scale(-1, toExpr(a));
}

export function sub(a: Operand, b: Operand): Expr {
  const bb = toExpr(b);
  const aa = toExpr(a);
  const sb = SUM.begin();
  sb.addScaled(1, aa);
  sb.addScaled(cNeg(1), bb);
  return sb.build();
}
