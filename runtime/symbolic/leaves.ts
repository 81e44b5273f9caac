/** Leaf constructors. */

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
