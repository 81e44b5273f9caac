/** Leaf constructors. */

import { exactCoef, rationalCoef } from './coef.js';
import { makeNum, makeSym } from './make.js';
import type { Num, Sym } from './nodes.js';

/** A float64 constant (`-0` is normalised to `0`, all NaNs are one node). */
export function num(v: number): Num {
  if (typeof v !== 'number') throw new TypeError(`num: expected a number, got ${typeof v}`);
  return makeNum(v);
}

/** The symbol with this name (one node per name). */
export function sym(name: string): Sym {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('sym: expected a non-empty name');
  return makeSym(name);
}

/**
 * The exact rational p/q (bigint or safe-integer arguments), normalised: `rational(2, 4)` is
 * `rational(1, 2)`; `rational(0, q)` is `num(0)`. Exact integers (`rational(3)`) are distinct
 * from the float 3 (they print alike). See coef.ts for how exact and float numbers mix.
 */
export function rational(p: bigint | number, q: bigint | number = 1): Num {
  return makeNum(rationalCoef(p, q));
}

/** The exact rational value of a finite float (x = m * 2^e): `exact(0.1)` is 3602879701896397/36028797018963968. */
export function exact(x: number): Num {
  if (typeof x !== 'number') throw new TypeError(`exact: expected a number, got ${typeof x}`);
  return makeNum(exactCoef(x));
}
