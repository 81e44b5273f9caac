/**
 * Sums. A sum is canonical at construction (SymEngine style): a constant plus a map
 * term -> coefficient, so `x + x` is `2*x` and `x - x` is `0` without a simplifier.
 * Cost is O(n log n) in the number of incoming terms.
 */

import { cAdd, cIsOne, cIsZero, cMul, cNeg, type Coef } from './coef.js';
import { makeAdd, makeNum, scale, unitOf } from './make.js';
import type { Expr } from './nodes.js';
import { compare } from './order.js';
import { toExpr, type Operand } from './operand.js';

/** Collects coefficient * term pairs, merging equal terms. */
class SumBuilder {
  constant: Coef = 0;
  readonly terms: Expr[] = [];
  readonly coefs: Coef[] = [];
  private readonly index = new Map<Expr, number>();

  addNumber(v: Coef): void {
    this.constant = cAdd(this.constant, v);
  }

  /** Adds `c * x` for any expression x (flattening sums, extracting Mul coefficients). */
  addScaled(c: Coef, x: Expr): void {
    if (cIsZero(c)) return;
    switch (x.kind) {
      case 'num':
        return this.addNumber(cMul(c, x.value));
      case 'add':
        this.addNumber(cMul(c, x.constant));
        for (let i = 0; i < x.terms.length; i++) this.addTerm(x.terms[i]!, cMul(c, x.coefs[i]!));
        return;
      case 'mul':
        return cIsOne(x.coef) ? this.addTerm(x, c) : this.addTerm(unitOf(x), cMul(c, x.coef));
      default:
        return this.addTerm(x, c);
    }
  }

  /** Adds `c * t` where t is already a valid Add term. */
  private addTerm(t: Expr, c: Coef): void {
    const i = this.index.get(t);
    if (i === undefined) {
      this.index.set(t, this.terms.length);
      this.terms.push(t);
      this.coefs.push(c);
    } else {
      this.coefs[i] = cAdd(this.coefs[i]!, c);
    }
  }

  build(): Expr {
    const n = this.terms.length;
    if (n === 0) return makeNum(this.constant);
    if (n === 1) return cIsZero(this.constant) ? scale(this.coefs[0]!, this.terms[0]!) : this.sorted();
    return this.sorted();
  }

  private sorted(): Expr {
    const { terms, coefs } = this;
    if (isSorted(terms)) return makeAdd(this.constant, terms, coefs);
    const order = terms.map((_, i) => i).sort((i, j) => compare(terms[i]!, terms[j]!));
    return makeAdd(this.constant, order.map((i) => terms[i]!), order.map((i) => coefs[i]!));
  }
}

function isSorted(xs: readonly Expr[]): boolean {
  for (let i = 1; i < xs.length; i++) if (compare(xs[i - 1]!, xs[i]!) > 0) return false;
  return true;
}

/** Sum of any number of operands (array form: no argument spreading for large inputs). */
export function addAll(xs: readonly Operand[]): Expr {
  if (xs.length === 1) return toExpr(xs[0]!);
  const b = new SumBuilder();
  for (const x of xs) {
    if (typeof x === 'number') b.addNumber(x);
    else b.addScaled(1, toExpr(x));
  }
  return b.build();
}

export function add(...xs: Operand[]): Expr {
  return addAll(xs);
}

/**
 * `constant + sum_i coefs[i] * terms[i]` without building a node per product: the fast path
 * for large linear combinations (dense layers, gates), equal to
 * `addAll(terms.map((t, i) => mul(coefs[i], t)).concat(constant))`.
 */
export function linear(coefs: readonly number[], terms: readonly Operand[], constant: number = 0): Expr {
  if (coefs.length !== terms.length) {
    throw new RangeError(`linear: ${coefs.length} coefficients for ${terms.length} terms`);
  }
  const b = new SumBuilder();
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
  const sb = new SumBuilder();
  sb.addScaled(1, toExpr(a));
  sb.addScaled(cNeg(1), bb);
  return sb.build();
}
