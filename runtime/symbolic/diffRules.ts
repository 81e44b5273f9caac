/**
 * Derivative rules of the named functions, one row each: given the node f(args) and the
 * derivatives of its args, the derivative of the node (chain rule included).
 *
 * max/min: the derivative follows the argument that attains the extremum; at ties the
 * first argument in canonical order wins, so the indicators always sum to 1. For
 * relu = max(0, x) the constant sorts first, hence relu'(0) = 0 (PyTorch's convention):
 *   [a_i wins] = prod_{j<i} H(a_i - a_j) * prod_{j>i} (1 - H(a_j - a_i))     (max)
 * with H the Heaviside step, H(0) = 0. The cost is O(n) factors per varying argument
 * (O(n^2) for an n-ary max of n varying arguments: fine for pooling windows).
 */

import { add, addAll, neg, sub } from './add.js';
import type { FnName } from './fnTable.js';
import { cos, exp, heaviside, sin } from './fns.js';
import { mul, mulAll, pow } from './mul.js';
import type { Expr, Fn } from './nodes.js';

export type FnDiffRule = (node: Fn, dArgs: readonly (Expr | undefined)[]) => Expr;

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Rule for f(x) with f'(x) given as a function of (x, f(x)). */
const chain = (df: (x: Expr, fx: Fn) => Expr): FnDiffRule =>
  (node, d) => mul(df(node.args[0]!, node), d[0] ?? 0);

/** [a_i is the max (or min) of args], ties resolved in favour of the earliest argument. */
function winner(args: readonly Expr[], i: number, isMax: boolean): Expr {
  const factors: Expr[] = [];
  args.forEach((aj, j) => {
    if (j === i) return;
    const ai = args[i]!;
    const beats = isMax ? sub(ai, aj) : sub(aj, ai);
    factors.push(j < i ? heaviside(beats) : sub(1, heaviside(neg(beats))));
  });
  return mulAll(factors);
}

const extremumRule = (isMax: boolean): FnDiffRule => (node, d) =>
  addAll(node.args.flatMap((_, i) => (d[i] === undefined ? [] : [mul(winner(node.args, i, isMax), d[i]!)])));

export const FN_DIFF_RULES: Readonly<Record<FnName, FnDiffRule>> = {
  exp: chain((_, fx) => fx),
  log: chain((x) => pow(x, -1)),
  tanh: chain((_, fx) => sub(1, pow(fx, 2))),
  erf: chain((x) => mul(TWO_OVER_SQRT_PI, exp(neg(pow(x, 2))))),
  sqrt: chain((_, fx) => mul(0.5, pow(fx, -1))),
  abs: chain((x) => sub(heaviside(x), heaviside(neg(x)))),
  heaviside: () => add(0),
  max: extremumRule(true),
  min: extremumRule(false),
  log1p: chain((x) => pow(add(1, x), -1)),
  sin: chain((x) => cos(x)),
  cos: chain((x) => neg(sin(x))),
};
