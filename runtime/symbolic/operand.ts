/** Turning `Expr | number` operands into expressions or plain numbers. */

import type { Coef } from './coef.js';
import { makeNum } from './make.js';
import { isExpr, type Expr } from './nodes.js';

export type Operand = Expr | number;

export function toExpr(x: Operand): Expr {
  if (typeof x === 'number') return makeNum(x);
  if (!isExpr(x)) throw new TypeError(`symbolic: expected an Expr or a number, got ${String(x)}`);
  return x;
}

/** The numeric value of a number or Num node, else undefined. */
export function numericValue(x: Operand): Coef | undefined {
  if (typeof x === 'number') return x;
  return x.kind === 'num' ? x.value : undefined;
}
