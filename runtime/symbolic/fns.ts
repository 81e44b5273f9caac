/**
 * Named functions, with their construction-time simplifications:
 * - float arguments fold through FN_TABLE (the same semantics `evaluate` uses), except an exp
 *   that overflows (exp(800) stays a call, which `evaluate` handles in the log domain); exact
 *   (rational) arguments fold only where the result is exact: abs, heaviside, sqrt of a
 *   perfect square, and the values at 0 and 1 (exp(1/2) stays exp(1/2));
 * - max/min flatten, fold their numeric arguments into one (exactly for rationals),
 *   deduplicate and sort;
 * - idempotent functions collapse (abs(abs(x))); exp(log(x)) = x and log(exp(x)) = x
 *   (real arguments: log is only defined where the first identity holds).
 */

import { add, neg } from './add.js';
import { cAbs, cCompare, cIsOne, cIsPositive, isRational, type Coef } from './coef.js';
import { FN_TABLE, type FnName } from './fnTable.js';
import { intern, makeFn, makeNum } from './make.js';
import { pow } from './mul.js';
import type { Expr } from './nodes.js';
import { compare } from './order.js';
import { toExpr, type Operand } from './operand.js';
import { rSqrt, type Rational } from './rational.js';

const IDEMPOTENT: ReadonlySet<FnName> = new Set<FnName>(['abs', 'heaviside']);
const INVERSES: Readonly<Partial<Record<FnName, FnName>>> = { exp: 'log', log: 'exp' };

/** f(r) for an exact r when the result is exact, else undefined (the call stays symbolic). */
function exactValue(name: FnName, r: Rational): Coef | undefined {
  switch (name) {
    case 'abs':
      return cAbs(r);
    case 'heaviside':
      return cIsPositive(r) ? 1 : 0;
    case 'sqrt':
      return rSqrt(r);
    case 'log':
      return cIsOne(r) ? 0 : undefined;
    default:
      return undefined;
  }
}

function unaryFn(name: FnName, a: Operand): Expr {
  const x = toExpr(a);
  if (x.kind === 'num') {
    const v = x.value;
    if (!isRational(v)) {
      const y = FN_TABLE[name].eval([v]);
      // exp(800) stays a call: folded to Infinity it would turn a softmax of numbers into NaN,
      // while `evaluate` computes such calls stably (in the log domain)
      if (!(name === 'exp' && Number.isFinite(v) && !Number.isFinite(y))) return makeNum(y);
    } else {
      const r = exactValue(name, v);
      if (r !== undefined) return makeNum(r);
    }
  }
  if (x.kind === 'fn') {
    if (IDEMPOTENT.has(name) && x.name === name) return x;
    if (INVERSES[name] === x.name) return x.args[0]!;
  }
  return makeFn(name, [x]);
}

export const exp = (a: Operand): Expr => unaryFn('exp', a);
export const log = (a: Operand): Expr => unaryFn('log', a);
export const tanh = (a: Operand): Expr => unaryFn('tanh', a);
export const erf = (a: Operand): Expr => unaryFn('erf', a);
export const sin = (a: Operand): Expr => unaryFn('sin', a);
export const cos = (a: Operand): Expr => unaryFn('cos', a);
export const sqrt = (a: Operand): Expr => unaryFn('sqrt', a);
export const abs = (a: Operand): Expr => unaryFn('abs', a);
/** Heaviside step H(x): 1 for x > 0, 0 for x <= 0 (so relu'(0) = 0, as in PyTorch). */
export const heaviside = (a: Operand): Expr => unaryFn('heaviside', a);

/** Flattens nested same-name calls and folds all numeric arguments into one. */
function collectExtremum(name: 'max' | 'min', xs: readonly Operand[]): { nums: Coef[]; rest: Set<Expr> } {
  const nums: Coef[] = [];
  const rest = new Set<Expr>();
  const visit = (o: Operand): void => {
    if (typeof o === 'number') return void nums.push(o);
    const x = toExpr(o);
    if (x.kind === 'num') nums.push(x.value);
    else if (x.kind === 'fn' && x.name === name) x.args.forEach(visit);
    else rest.add(intern(x));
  };
  xs.forEach(visit);
  return { nums, rest };
}

/** The max (min) of numbers: NaN wins, rationals compare exactly, ties keep the first. */
function foldExtremum(name: 'max' | 'min', nums: readonly Coef[]): Coef {
  if (nums.every((v) => typeof v === 'number')) return FN_TABLE[name].eval(nums as number[]);
  let best = nums[0]!;
  for (const v of nums) {
    if (v !== v) return NaN;
    const c = cCompare(v, best);
    if (name === 'max' ? c > 0 : c < 0) best = v;
  }
  return best;
}

function extremum(name: 'max' | 'min', xs: readonly Operand[]): Expr {
  if (xs.length === 0) throw new RangeError(`${name}: needs at least one argument`);
  const { nums, rest } = collectExtremum(name, xs);
  const folded = nums.length > 0 ? foldExtremum(name, nums) : undefined;
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
