/**
 * Numeric coefficients and exponents: a float64 `number`, or an exact `Rational` (bigint
 * numerator/denominator, see rational.ts).
 *
 * Every piece of arithmetic the symbolic library does on numbers (constant folding, Add
 * constants and coefficients, Mul coefficients and exponents) goes through the helpers
 * below, never through raw operators.
 *
 * Exactness rules:
 * - number op number is float64 arithmetic, as before rationals existed.
 * - Rational op Rational is exact. A number that is a safe integer (|n| <= 2^53 - 1) counts
 *   as exact when it meets a Rational, so `1 + 1/2` is `3/2` and `2 * (1/3)` is `2/3`.
 * - Rational op any other number (0.1, 1e300, NaN) is float64 arithmetic on the rational's
 *   float value: mixing a float in makes the result a float.
 * - Neutral elements keep exactness: 0 + r and 1 * r are r.
 * - Integer powers of rationals are exact (up to 2^16 bits of result); other powers are floats.
 * - An integer result in the safe range is a number (a safe integer is exact anyway), so
 *   `rational(6, 3)`, `exact(2)` and `num(2)` are one node and `x^(1/2) * x^(3/2)` is `x^2`.
 *   Hence two integers divide as floats: write `rational(1, 3)`, not `div(rational(1), 3)`.
 *   Integers past 2^53 stay Rationals (`rational(2n ** 80n)`).
 */

import {
  bitLength, makeRational, Rational, rAdd, rCompare, rMul, rPow, rToFloat, floatToRational,
} from './rational.js';

export { Rational, isRational } from './rational.js';

export type Coef = number | Rational;

export const ZERO: Coef = 0;
export const ONE: Coef = 1;

/** Canonical form of a float: `-0` becomes `0` so that hash-consing sees one zero. */
export function coefOf(v: number): Coef {
  return v === 0 ? 0 : v;
}

/** The exact value of `a` as a Rational (0 as 0), or undefined for an inexact float. */
function exactOf(a: Coef): Rational | 0 | undefined {
  if (typeof a !== 'number') return a;
  if (a === 0) return 0;
  return Number.isSafeInteger(a) ? new Rational(BigInt(a), 1n) : undefined;
}

/** Applies an exact operation when both operands are exact, else a float one. */
function mixed(
  a: Coef, b: Coef,
  exact: (x: Rational | 0, y: Rational | 0) => Coef,
  float: (x: number, y: number) => number,
): Coef {
  const x = exactOf(a);
  const y = exactOf(b);
  if (x !== undefined && y !== undefined) return exact(x, y);
  return coefOf(float(cToFloat(a), cToFloat(b)));
}

const exactAdd = (x: Rational | 0, y: Rational | 0): Coef => (x === 0 ? y : y === 0 ? x : rAdd(x, y));
const exactMul = (x: Rational | 0, y: Rational | 0): Coef => (x === 0 || y === 0 ? 0 : rMul(x, y));

// The float paths of cAdd, cMul, cNeg are kept tiny so that they inline: a float passed
// to or returned from a call that is not inlined is boxed (a heap allocation).

export function cAdd(a: Coef, b: Coef): Coef {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    return r === 0 ? 0 : r;
  }
  return cAddSlow(a, b);
}

function cAddSlow(a: Coef, b: Coef): Coef {
  if (a === 0) return b;
  if (b === 0) return a;
  return mixed(a, b, exactAdd, (x, y) => x + y);
}

export function cMul(a: Coef, b: Coef): Coef {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    return r === 0 ? 0 : r;
  }
  return cMulSlow(a, b);
}

function cMulSlow(a: Coef, b: Coef): Coef {
  if (a === 1) return b;
  if (b === 1) return a;
  return mixed(a, b, exactMul, (x, y) => x * y);
}

export function cNeg(a: Coef): Coef {
  return typeof a === 'number' ? (a === 0 ? 0 : -a) : new Rational(-a.num, a.den);
}

export function cSub(a: Coef, b: Coef): Coef {
  return cAdd(a, cNeg(b));
}

/** a / b: float division for two floats, exact when one is a Rational and both are exact. */
export function cDiv(a: Coef, b: Coef): Coef {
  if (typeof a === 'number' && typeof b === 'number') return coefOf(a / b);
  const y = exactOf(b);
  if (y === undefined || y === 0) return coefOf(cToFloat(a) / cToFloat(b));
  return cMul(a, makeRational(y.den, y.num));
}

/** Largest result (in bits) an exact integer power may have before falling back to a float. */
const MAX_POW_BITS = 1 << 16;

/** a^b; b = 1 and b = -1 are exact (a, 1/a), as in `evaluate` and the printed JS. */
export function cPow(a: Coef, b: Coef): Coef {
  if (b === 1) return a;
  if (typeof a === 'number' && typeof b === 'number') return coefOf(b === -1 ? 1 / a : a ** b);
  if (typeof a !== 'number' && cIsInteger(b)) {
    const k = cToFloat(b);
    const bits = Math.max(bitLength(a.num), bitLength(a.den)) * Math.abs(k);
    if (bits <= MAX_POW_BITS) return rPow(a, k);
  }
  if (typeof a === 'number' && Number.isSafeInteger(a) && a !== 0 && typeof b !== 'number' && b.den === 1n) {
    return cPow(new Rational(BigInt(a), 1n), b);
  }
  const x = cToFloat(a);
  const y = cToFloat(b);
  return coefOf(y === -1 ? 1 / x : x ** y);
}

export function cIsZero(a: Coef): boolean {
  return a === 0;
}

export function cIsOne(a: Coef): boolean {
  return a === 1 || (typeof a !== 'number' && a.num === 1n && a.den === 1n);
}

/** Strictly negative (NaN is not negative). */
export function cIsNegative(a: Coef): boolean {
  return typeof a === 'number' ? a < 0 : a.num < 0n;
}

export function cIsPositive(a: Coef): boolean {
  return typeof a === 'number' ? a > 0 : a.num > 0n;
}

export function cIsInteger(a: Coef): boolean {
  return typeof a === 'number' ? Number.isInteger(a) : a.den === 1n;
}

/** True for a Rational (an exact number); floats, even integer-valued ones, are not. */
export function cIsExact(a: Coef): a is Rational {
  return typeof a !== 'number';
}

export function cAbs(a: Coef): Coef {
  if (typeof a === 'number') return a < 0 ? -a : a;
  return a.num < 0n ? new Rational(-a.num, a.den) : a;
}

/** The float64 value (correctly rounded for rationals in the normal range). */
export function cToFloat(a: Coef): number {
  return typeof a === 'number' ? a : rToFloat(a);
}

/** Structural equality: NaN equals NaN here (one NaN node, one NaN coefficient). */
export function cEquals(a: Coef, b: Coef): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b || (a !== a && b !== b);
  return a.num === b.num && a.den === b.den;
}

/** Total order: numeric order (exact), NaN last; at equal values a float sorts first. */
export function cCompare(a: Coef, b: Coef): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    return a !== a ? (b !== b ? 0 : 1) : -1;
  }
  if (typeof a !== 'number' && typeof b !== 'number') return rCompare(a, b);
  const f = (typeof a === 'number' ? a : b) as number;
  const r = (typeof a === 'number' ? b : a) as Rational;
  let c: number;
  if (f !== f) c = 1;
  else if (f === Infinity || f === -Infinity) c = f > 0 ? 1 : -1;
  else {
    const fr = floatToRational(f);
    c = rCompare(typeof fr === 'number' ? new Rational(BigInt(fr), 1n) : fr, r);
    if (c === 0) c = -1;
  }
  return typeof a === 'number' ? c : -c;
}

/** p/q exactly (bigint or integer arguments); 0 is the number 0. */
export function rationalCoef(p: bigint | number, q: bigint | number = 1): Coef {
  const big = (v: bigint | number, what: string): bigint => {
    if (typeof v === 'bigint') return v;
    if (!Number.isSafeInteger(v)) throw new RangeError(`rational: ${what} ${v} is not a safe integer`);
    return BigInt(v);
  };
  return makeRational(big(p, 'numerator'), big(q, 'denominator'));
}

/** The exact rational value of a finite float: `exact(0.1)` is 3602879701896397/36028797018963968. */
export function exactCoef(x: number): Coef {
  return floatToRational(x);
}
