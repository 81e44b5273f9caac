/**
 * Named functions, with their construction-time simplifications: numeric arguments fold
 * through FN_TABLE (the same semantics `evaluate` uses); max/min flatten, fold their numeric
 * arguments into one, deduplicate and sort; idempotent functions collapse (abs(abs(x))).
 */

import { add, neg } from './add.js';
import { FN_TABLE, type FnName } from './fnTable.js';
import { makeFn, makeNum } from './make.js';
import { pow } from './mul.js';
import type { Expr } from './nodes.js';
import { compare } from './order.js';
import { toExpr, type Operand } from './operand.js';

const IDEMPOTENT: ReadonlySet<FnName> = new Set<FnName>(['abs', 'heaviside']);

function unaryFn(name: FnName, a: Operand): Expr {
  const x = toExpr(a);
  if (x.kind === 'num') return makeNum(FN_TABLE[name].eval([x.value]));
  if (IDEMPOTENT.has(name) && x.kind === 'fn' && x.name === name) return x;
  return makeFn(name, [x]);
}

export const exp = (a: Operand): Expr => unaryFn('exp', a);
export const log = (a: Operand): Expr => unaryFn('log', a);
export const tanh = (a: Operand): Expr => unaryFn('tanh', a);
export const erf = (a: Operand): Expr => unaryFn('erf', a);
export const sqrt = (a: Operand): Expr => unaryFn('sqrt', a);
export const abs = (a: Operand): Expr => unaryFn('abs', a);
/** Heaviside step H(x): 1 for x > 0, 0 for x <= 0 (so relu'(0) = 0, as in PyTorch). */
export const heaviside = (a: Operand): Expr => unaryFn('heaviside', a);

/** Flattens nested same-name calls and folds all numeric arguments into one. */
function collectExtremum(name: 'max' | 'min', xs: readonly Operand[]): { nums: number[]; rest: Set<Expr> } {
  const nums: number[] = [];
  const rest = new Set<Expr>();
  const visit = (o: Operand): void => {
    if (typeof o === 'number') return void nums.push(o);
    const x = toExpr(o);
    if (x.kind === 'num') nums.push(x.value);
    else if (x.kind === 'fn' && x.name === name) x.args.forEach(visit);
    else rest.add(x);
  };
  xs.forEach(visit);
  return { nums, rest };
}

function extremum(name: 'max' | 'min', xs: readonly Operand[]): Expr {
  if (xs.length === 0) throw new RangeError(`${name}: needs at least one argument`);
  const { nums, rest } = collectExtremum(name, xs);
  const folded = nums.length > 0 ? FN_TABLE[name].eval(nums) : undefined;
  if (folded !== undefined && (rest.size === 0 || folded !== folded)) return makeNum(folded);
  const args = [...rest].sort(compare);
  if (folded !== undefined) args.unshift(makeNum(folded));
  return args.length === 1 ? args[0]! : makeFn(name, args);
}

export const maxAll = (xs: readonly Operand[]): Expr => extremum('max', xs);
export const minAll = (xs: readonly Operand[]): Expr => extremum('min', xs);
export const max = (...xs: Operand[]): Expr => extremum('max', xs);
export const min = (...xs: Operand[]): Expr => extremum('min', xs);

/** max(0, a). */
export const relu = (a: Operand): Expr => extremum('max', [0, a]);

/** 1 / (1 + exp(-a)); there is no sigmoid node. */
export const sigmoid = (a: Operand): Expr => pow(add(1, exp(neg(a))), -1);

/** Builds `name(args)` through the canonicalising constructor of that function. */
export function fn(name: FnName, args: readonly Operand[]): Expr {
  if (name === 'max' || name === 'min') return extremum(name, args);
  if (args.length !== 1) throw new RangeError(`${name}: expected 1 argument, got ${args.length}`);
  return unaryFn(name, args[0]!);
}
