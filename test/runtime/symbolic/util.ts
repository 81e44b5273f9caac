/** Small helpers for the symbolic library tests. */

import * as assert from 'uvu/assert';

/** Deterministic pseudo-random numbers in [lo, hi). */
export function rng(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = 0, hi = 1) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  };
}

export function relErr(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

/** Asserts |a - b| <= tol * max(|a|, |b|, floor). */
export function close(actual: number, expected: number, tol: number, what = '', floor = 1): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(actual), Math.abs(expected), floor);
  assert.ok(err <= tol, `${what}: got ${actual}, expected ${expected} (rel err ${err.toExponential(2)} > ${tol})`);
}
