/** Small non-cryptographic hash helpers for the intern tables (int32 results). */

import type { Coef } from './coef.js';

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

/** Mixes `x` into the running hash `h` (murmur3-style finaliser steps). */
export function mix(h: number, x: number): number {
  let k = Math.imul(x | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Hash of a float64's bits; all NaNs hash alike, and `-0` hashes like `0`. */
export function hashFloat(v: number): number {
  if (v !== v) return 0x7ff80000;
  if (v === 0) return 0;
  f64[0] = v;
  return mix(i32[0]!, i32[1]!);
}

/** Hash of a bigint from its 32-bit chunks. */
function hashBig(h: number, n: bigint): number {
  let v = n < 0n ? -n : n;
  h = mix(h, n < 0n ? 1 : 0);
  do {
    h = mix(h, Number(BigInt.asIntN(32, v)));
    v >>= 32n;
  } while (v !== 0n);
  return h;
}

const RATIONAL_TAG = 0x5eed1e55;

export function hashCoef(c: Coef): number {
  return typeof c === 'number' ? hashFloat(c) : hashBig(hashBig(RATIONAL_TAG, c.num), c.den);
}

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * Hash of (expression id, coefficient) pairs: the loop of the Add and Mul makers, with the
 * float hash written out so that no coefficient is boxed by a call. Sums and products get
 * a copy each (same code): their coefficient arrays differ in elements kind (floats vs
 * small integers), and a load site that sees both returns floats boxed.
 */
export function hashTerms(seed: number, xs: readonly { readonly id: number }[], cs: readonly Coef[]): number {
  let h = seed;
  for (let i = 0; i < xs.length; i++) {
    h = mix(h, xs[i]!.id);
    const c = cs[i]!;
    let k: number;
    if (typeof c !== 'number') k = hashCoef(c);
    else if (c === 1) k = 1;
    else if (c !== c) k = 0x7ff80000;
    else if (c === 0) k = 0;
    else {
      f64[0] = c;
      k = mix(i32[0]!, i32[1]!);
    }
    h = mix(h, k);
  }
  return h;
}

/** `hashTerms` for products (see there). */
export function hashFactors(seed: number, xs: readonly { readonly id: number }[], cs: readonly Coef[]): number {
  let h = seed;
  for (let i = 0; i < xs.length; i++) {
    h = mix(h, xs[i]!.id);
    const c = cs[i]!;
    let k: number;
    if (typeof c !== 'number') k = hashCoef(c);
    else if (c === 1) k = 1;
    else if (c !== c) k = 0x7ff80000;
    else if (c === 0) k = 0;
    else {
      f64[0] = c;
      k = mix(i32[0]!, i32[1]!);
    }
    h = mix(h, k);
  }
  return h;
}
