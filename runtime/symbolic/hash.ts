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

export function hashCoef(c: Coef): number {
  return hashFloat(c);
}

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}
