/**
 * Products and powers, canonical at construction: a coefficient times a map
 * base -> numeric exponent, so `x*x` is `x^2`, `2*(3*x)` is `6*x`, `x/x` is `1`, and a
 * number times a sum distributes (`2*(x+y)` is `2*x + 2*y`, as in SymPy).
 *
 * Powers with a numeric exponent live in Mul; `Pow` nodes hold symbolic exponents and
 * numeric bases (`2^x`). `(a*b)^k` distributes for integer k; for non-integer k only a
 * positive coefficient is split off (`(4*x*y)^0.5` = `2*(x*y)^0.5`) and the rest stays an
 * opaque base, since `(x*y)^0.5 != x^0.5 * y^0.5` for negative x, y.
 */

import { cAdd, cDiv, cIsInteger, cIsOne, cIsPositive, cIsZero, cMul, cPow, type Coef } from './coef.js';
import { intern, makeMul, makeNum, makePow, scaleLoose, unitOf } from './make.js';
import { newMark, type Expr, type Mul } from './nodes.js';
import { compare } from './order.js';
import { numericValue, toExpr, type Operand } from './operand.js';

/** Collects base ^ exponent factors, merging equal bases. */
class ProductBuilder {
  coef: Coef = 1;
  private readonly bases: Expr[] = [];
  private readonly exps: Coef[] = [];
  private readonly mark = newMark();

  /** Multiplies by `x ^ e` for any expression x and numeric e. */
  addPower(x: Expr, e: Coef): void {
    if (x.kind === 'num') {
      this.coef = cMul(this.coef, cPow(x.value, e));
    } else if (x.kind === 'mul' && (cIsOne(e) || cIsInteger(e))) {
      this.coef = cMul(this.coef, cPow(x.coef, e));
      for (let i = 0; i < x.bases.length; i++) this.addPower(x.bases[i]!, cMul(x.exps[i]!, e));
    } else {
      this.addFactor(x, e);
    }
  }

  private addFactor(b0: Expr, e: Coef): void {
    const b = intern(b0);
    if (b.mark === this.mark) {
      this.exps[b.slot] = cAdd(this.exps[b.slot]!, e);
      return;
    }
    b.mark = this.mark;
    b.slot = this.bases.length;
    this.bases.push(b);
    this.exps.push(e);
  }

  build(): Expr {
    if (cIsZero(this.coef)) return makeNum(0);
    const { bases, exps } = this.expandOpaque();
    const keep: number[] = [];
    for (let i = 0; i < bases.length; i++) if (!cIsZero(exps[i]!)) keep.push(i);
    keep.sort((i, j) => compare(bases[i]!, bases[j]!));
    return makeMul(this.coef, keep.map((i) => bases[i]!), keep.map((i) => exps[i]!));
  }

  /** Opaque Mul bases whose merged exponent became an integer are multiplied out. */
  private expandOpaque(): { bases: Expr[]; exps: Coef[] } {
    const bad = this.bases.some((b, i) => b.kind === 'mul' && cIsInteger(this.exps[i]!));
    if (!bad) return { bases: this.bases, exps: this.exps };
    const again = new ProductBuilder();
    again.coef = this.coef;
    for (let i = 0; i < this.bases.length; i++) again.addPower(this.bases[i]!, this.exps[i]!);
    return again.expandOpaque();
  }
}

/** Product of any number of operands (array form: no argument spreading). */
export function mulAll(xs: readonly Operand[]): Expr {
  if (xs.length === 1) return toExpr(xs[0]!);
  if (xs.length === 2) {
    const [a, b] = xs as [Operand, Operand];
    const ca = numericValue(a);
    if (ca !== undefined) return scaleLoose(ca, toExpr(b));
    const cb = numericValue(b);
    if (cb !== undefined) return scaleLoose(cb, toExpr(a));
  }
  const p = new ProductBuilder();
  for (const x of xs) {
    if (typeof x === 'number') p.coef = cMul(p.coef, x);
    else p.addPower(toExpr(x), 1);
  }
  return p.build();
}

export function mul(...xs: Operand[]): Expr {
  // Two operands (the common case) are passed on one by one, so that the rest array of an
  // inlined call needs no allocation.
  return xs.length === 2 ? mul2(xs[0]!, xs[1]!) : mulAll(xs);
}

function mul2(a: Operand, b: Operand): Expr {
  const ca = numericValue(a);
  if (ca !== undefined) return scaleLoose(ca, toExpr(b));
  const cb = numericValue(b);
  if (cb !== undefined) return scaleLoose(cb, toExpr(a));
  return mulAll([a, b]);
}

/** a / b, i.e. a * b^-1; two floats fold as a float division, a rational and an exact number exactly. */
export function div(a: Operand, b: Operand): Expr {
  const ka = numericValue(a);
  const kb = numericValue(b);
  if (ka !== undefined && kb !== undefined) {
    return makeNum(cDiv(ka, kb));
  }
  return mulAll([a, pow(b, -1)]);
}

/** `m ^ k` for a Mul m and a non-integer k. */
function powMulFractional(m: Mul, k: Coef): Expr {
  const p = new ProductBuilder();
  if (cIsPositive(m.coef)) {
    p.coef = cPow(m.coef, k);
    p.addPower(unitOf(m), k);
  } else {
    p.addPower(m, k);
  }
  return p.build();
}

export function pow(a: Operand, b: Operand): Expr {
  const kb = numericValue(b);
  const ka = numericValue(a);
  if (kb === undefined) return ka !== undefined && cIsOne(ka) ? makeNum(1) : makePow(toExpr(a), toExpr(b));
  if (ka !== undefined) return makeNum(cPow(ka, kb));
  if (cIsZero(kb)) return makeNum(1);
  const x = a as Expr;
  if (cIsOne(kb)) return x;
  if (x.kind === 'mul' && !cIsInteger(kb)) return powMulFractional(x, kb);
  const p = new ProductBuilder();
  p.addPower(x, kb);
  return p.build();
}
