/**
 * Exact rational numbers: a bigint numerator and denominator, normalised (denominator > 0,
 * gcd 1). An integer in the safe range (zero included) is not a Rational but a number: the
 * same value has one representation. Only the arithmetic lives here; how rationals mix
 * with floats is decided in coef.ts.
 */

export class Rational {
  /** Use `makeRational` (normalises); the fields are then canonical. */
  constructor(readonly num: bigint, readonly den: bigint) {}

  toString(): string {
    return this.den === 1n ? String(this.num) : `${this.num}/${this.den}`;
  }
}

export function isRational(x: unknown): x is Rational {
  return x instanceof Rational;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** p/q normalised; a safe integer is returned as a number. Throws on a zero denominator. */
export function makeRational(p: bigint, q: bigint): Rational | number {
  if (q === 0n) throw new RangeError('rational: zero denominator');
  if (p === 0n) return 0;
  if (q < 0n) {
    p = -p;
    q = -q;
  }
  const g = q === 1n ? 1n : gcd(p, q);
  if (g !== 1n) {
    p /= g;
    q /= g;
  }
  if (q === 1n && p <= MAX_SAFE && p >= -MAX_SAFE) return Number(p);
  return new Rational(p, q);
}

export const rAdd = (a: Rational, b: Rational): Rational | number =>
  a.den === b.den ? makeRational(a.num + b.num, a.den) : makeRational(a.num * b.den + b.num * a.den, a.den * b.den);

export const rMul = (a: Rational, b: Rational): Rational | number => makeRational(a.num * b.num, a.den * b.den);

/** a^k for an integer k (a^-k is the reciprocal; 0 is never a Rational). */
export function rPow(a: Rational, k: number): Rational | number {
  const e = BigInt(Math.abs(k));
  const n = a.num ** e;
  const d = a.den ** e;
  return k >= 0 ? makeRational(n, d) : makeRational(d, n);
}

/** Number of bits of |n| (0 for 0). */
export function bitLength(n: bigint): number {
  if (n < 0n) n = -n;
  return n === 0n ? 0 : n.toString(2).length;
}

/** x * 2^k for a float x and an integer k, in steps so that no intermediate over/underflows. */
function ldexp(x: number, k: number): number {
  while (k > 1000) {
    x *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    x *= 2 ** -1000;
    k += 1000;
  }
  return x * 2 ** k;
}

/**
 * The float64 nearest to a/b: the quotient is taken to 66+ significant bits with a sticky
 * bit, then `Number(bigint)` rounds once (round-half-even). Exact for normal results; a
 * subnormal result may be off by 1 ulp (a second rounding in the final scaling).
 */
export function rToFloat(a: Rational): number {
  const neg = a.num < 0n;
  const n = neg ? -a.num : a.num;
  const shift = 66 - (bitLength(n) - bitLength(a.den));
  const [p, q] = shift >= 0 ? [n << BigInt(shift), a.den] : [n, a.den << BigInt(-shift)];
  let quo = p / q;
  quo = (quo << 1n) | (p % q === 0n ? 0n : 1n);
  const v = ldexp(Number(quo), -shift - 1);
  return neg ? -v : v;
}

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);

/** The exact rational value of a finite float (x = m * 2^e), or 0. */
export function floatToRational(x: number): Rational | number {
  if (!Number.isFinite(x)) throw new RangeError(`exact: ${x} is not a finite number`);
  if (x === 0) return 0;
  F64[0] = x;
  const bits = U64[0]!;
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (expBits !== 0) mant |= 1n << 52n;
  const e = (expBits === 0 ? 1 : expBits) - 1075;
  const m = x < 0 ? -mant : mant;
  return e >= 0 ? makeRational(m << BigInt(e), 1n) : makeRational(m, 1n << BigInt(-e));
}

/** Exact order of two rationals. */
export function rCompare(a: Rational, b: Rational): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** Exact square root when both parts are perfect squares, else undefined. */
export function rSqrt(a: Rational): Rational | number | undefined {
  if (a.num < 0n) return undefined;
  const s = (n: bigint): bigint | undefined => {
    if (n < 2n) return n;
    let x = BigInt(Math.floor(Math.sqrt(Number(n))));
    for (let i = 0; i < 200; i++) {
      const y = (x + n / x) >> 1n;
      if (y >= x && x * x <= n) break;
      x = y;
    }
    while (x * x > n) x -= 1n;
    while ((x + 1n) * (x + 1n) <= n) x += 1n;
    return x * x === n ? x : undefined;
  };
  const p = s(a.num);
  const q = s(a.den);
  return p === undefined || q === undefined ? undefined : makeRational(p, q);
}
