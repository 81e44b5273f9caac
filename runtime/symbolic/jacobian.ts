/**
 * Jacobians by reverse accumulation over the shared DAG.
 *
 * For each output, one sweep in reverse topological order carries an adjoint (an expression)
 * from each node to its children: adj(child) += adj(node) * d node / d child. A node's
 * adjoint is built once, as one sum of its parents' contributions, when all its parents are
 * done; only nodes that depend on an input are visited. The local partial derivatives are
 * expressed through the forward nodes themselves (d tanh(u)/du = 1 - tanh(u)^2 reuses the
 * node tanh(u)), so the result shares subexpressions with the outputs, and the cost of a
 * sweep is linear in the DAG size (never a tree expansion).
 */

import { addAll, sub } from './add.js';
import type { Coef } from './coef.js';
import { FN_DIFF_RULES } from './diffRules.js';
import { log } from './fns.js';
import { intern, makeNum, makeSym } from './make.js';
import { mulAll, pow } from './mul.js';
import { childrenOf, isExpr, type Expr, type Fn } from './nodes.js';
import { toExpr, type Operand } from './operand.js';
import { topoOrder } from './traverse.js';

/** Nodes (among `order`, children first) that depend on one of the symbols in `inputs`. */
function dependents(order: readonly Expr[], inputs: ReadonlySet<Expr>): Set<Expr> {
  const dep = new Set<Expr>();
  for (const n of order) {
    if (inputs.has(n) || childrenOf(n).some((c) => dep.has(c))) dep.add(n);
  }
  return dep;
}

/** d node / d (its k-th child), for a node that is not a leaf. */
function partial(n: Expr, k: number): Expr | Coef {
  switch (n.kind) {
    case 'add':
      return n.coefs[k]!;
    case 'mul': {
      // n * e / b: the product without one factor of b, times e.
      const b = n.bases[k]!;
      const e = n.exps[k]!;
      return mulAll([n, pow(b, -1), makeNum(e)]);
    }
    case 'pow':
      return k === 0
        ? mulAll([n.exponent, pow(n.base, sub(n.exponent, 1))])
        : mulAll([n, log(n.base)]);
    case 'fn':
      return fnPartial(n, k);
    default:
      throw new Error('jacobian: a leaf has no children');
  }
}

/** Partial of a function node: its diff rule with a unit derivative in argument k. */
function fnPartial(n: Fn, k: number): Expr {
  const one = makeNum(1);
  return FN_DIFF_RULES[n.name](n, n.args.map((_, i) => (i === k ? one : undefined)));
}

/** The gradient of one output with respect to the input symbols, by one reverse sweep. */
function gradient(root: Expr, inputs: readonly Expr[], inputSet: ReadonlySet<Expr>): Expr[] {
  const order = topoOrder([root]);
  const dep = dependents(order, inputSet);
  const contributions = new Map<Expr, Expr[]>();
  const push = (n: Expr, v: Expr): void => {
    const list = contributions.get(n);
    if (list === undefined) contributions.set(n, [v]);
    else list.push(v);
  };
  const adjoint = new Map<Expr, Expr>();
  if (dep.has(root)) push(root, makeNum(1));
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]!;
    const parts = contributions.get(n);
    if (parts === undefined) continue;
    contributions.delete(n);
    const a = addAll(parts);
    adjoint.set(n, a);
    if (n.kind === 'num' || n.kind === 'sym' || (a.kind === 'num' && a.value === 0)) continue;
    childrenOf(n).forEach((c, k) => {
      if (!dep.has(c)) return;
      const d = partial(n, k);
      push(c, isExpr(d) ? mulAll([a, d]) : mulAll([makeNum(d), a]));
    });
  }
  return inputs.map((x) => adjoint.get(x) ?? makeNum(0));
}

/**
 * `J[i][j] = d outputs[i] / d inputs[j]` (inputs are symbols or symbol names), computed by
 * reverse accumulation: one sweep over the shared DAG per output. Entries are canonical
 * expressions sharing subexpressions with the outputs; equal to `diff(outputs[i], inputs[j])`
 * in value (not necessarily in form: the sums are accumulated in a different order).
 */
export function jacobian(outputs: readonly Operand[], inputs: readonly (Operand | string)[]): Expr[][] {
  const xs = inputs.map((s) => (typeof s === 'string' ? makeSym(s) : intern(toExpr(s))));
  for (const x of xs) if (x.kind !== 'sym') throw new TypeError('jacobian: inputs must be symbols');
  const inputSet = new Set(xs);
  return outputs.map((o) => gradient(intern(toExpr(o)), xs, inputSet));
}
