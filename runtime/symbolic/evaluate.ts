/** float64 interpreter over the DAG: each shared node is evaluated once per call. */

import { cToFloat } from './coef.js';
import { FN_TABLE } from './fnTable.js';
import type { Expr } from './nodes.js';
import type { Operand } from './operand.js';
import { rootsOf, topoOrder } from './traverse.js';

export type Env = Readonly<Record<string, number>> | ReadonlyMap<string, number>;

function lookup(env: Env, name: string): number {
  const v = env instanceof Map ? env.get(name) : Object.prototype.hasOwnProperty.call(env, name)
    ? (env as Readonly<Record<string, number>>)[name] : undefined;
  if (v === undefined) throw new Error(`evaluate: unbound symbol "${name}"`);
  return v;
}

/** x ^ e with the exact shortcuts the JS printer also uses (x*x is exact, 1/x is exact). */
export function powNum(x: number, e: number): number {
  if (e === 1) return x;
  if (e === -1) return 1 / x;
  return x ** e;
}

function evalNode(n: Expr, val: Map<Expr, number>, env: Env): number {
  switch (n.kind) {
    case 'num':
      return cToFloat(n.value);
    case 'sym':
      return lookup(env, n.name);
    case 'add': {
      let s = cToFloat(n.constant);
      for (let i = 0; i < n.terms.length; i++) s += cToFloat(n.coefs[i]!) * val.get(n.terms[i]!)!;
      return s;
    }
    case 'mul': {
      let p = cToFloat(n.coef);
      for (let i = 0; i < n.bases.length; i++) p *= powNum(val.get(n.bases[i]!)!, cToFloat(n.exps[i]!));
      return p;
    }
    case 'pow':
      return val.get(n.base)! ** val.get(n.exponent)!;
    case 'fn':
      return FN_TABLE[n.name].eval(n.args.map((a) => val.get(a)!));
  }
}

function evaluateRoots(roots: readonly Expr[], env: Env): number[] {
  const val = new Map<Expr, number>();
  for (const n of topoOrder(roots)) val.set(n, evalNode(n, val, env));
  return roots.map((r) => val.get(r)!);
}

/** Value of one expression, or of each expression of an array (sharing work between them). */
export function evaluate(e: Operand, env: Env): number;
export function evaluate(e: readonly Operand[], env: Env): number[];
export function evaluate(e: Operand | readonly Operand[], env: Env): number | number[] {
  const values = evaluateRoots(rootsOf(e), env);
  return Array.isArray(e) ? values : values[0]!;
}

export function evaluateAll(es: readonly Operand[], env: Env): number[] {
  return evaluateRoots(rootsOf(es), env);
}
