/** The symbolic algebra for the reference interpreter (`layergen eval --symbolic`). */
import * as S from '@layergen/runtime';
import type { Algebra } from '../../ir/interpret.js';
import { PRIMS } from '../../ir/prims.js';

type V = S.Expr | number;
type Ctor = (...a: V[]) => S.Expr;

export const symbolic: Algebra<V> = {
  num: (v) => v,
  prim: (op, args) => (S[PRIMS[op].sym] as Ctor)(...args),
  sum: (xs) => S.addAll(xs),
  max: (xs) => S.maxAll(xs),
  symbolic: true,
};
