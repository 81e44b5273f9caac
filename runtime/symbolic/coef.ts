/**
 * Numeric coefficients and exponents.
 *
 * Every piece of arithmetic the symbolic library does on numbers (constant folding,
 * Add constants and coefficients, Mul coefficients and exponents) goes through the
 * helpers below, never through raw operators. Today a coefficient is a float64; an
 * exact rational (bigint numerator/denominator) can be added later by widening
 * `Coef` to `number | Rational` and teaching these helpers about it, without touching
 * the node classes or the constructors.
 */

export type Coef = number;

export const ZERO: Coef = 0;
export const ONE: Coef = 1;

/** Canonical form of a float: `-0` becomes `0` so that hash-consing sees one zero. */
export function coefOf(v: number): Coef {
  return v === 0 ? 0 : v;
}

export function cAdd(a: Coef, b: Coef): Coef {
  return coefOf(a + b);
}

export function cMul(a: Coef, b: Coef): Coef {
  return coefOf(a * b);
}

export function cNeg(a: Coef): Coef {
  return coefOf(-a);
}

/** a^b; b = 1 and b = -1 are exact (a, 1/a), as in `evaluate` and the printed JS. */
export function cPow(a: Coef, b: Coef): Coef {
  if (b === 1) return a;
  return coefOf(b === -1 ? 1 / a : a ** b);
}

export function cIsZero(a: Coef): boolean {
  return a === 0;
}

export function cIsOne(a: Coef): boolean {
  return a === 1;
}

/** Strictly negative (NaN is not negative). */
export function cIsNegative(a: Coef): boolean {
  return a < 0;
}

export function cIsPositive(a: Coef): boolean {
  return a > 0;
}

export function cIsInteger(a: Coef): boolean {
  return Number.isInteger(a);
}

export function cAbs(a: Coef): Coef {
  return a < 0 ? -a : a;
}

/** The float64 value (lossy once exact rationals exist). */
export function cToFloat(a: Coef): number {
  return a;
}

/** Structural equality: NaN equals NaN here (one NaN node, one NaN coefficient). */
export function cEquals(a: Coef, b: Coef): boolean {
  return a === b || (a !== a && b !== b);
}

/** Total order: numeric order, NaN last. */
export function cCompare(a: Coef, b: Coef): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  return a !== a ? (b !== b ? 0 : 1) : -1;
}
