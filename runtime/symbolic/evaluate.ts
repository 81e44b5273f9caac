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

/**
 * log(value) of a positive node in the log domain, for when its plain value overflows or
 * underflows: exp(a) is a, a product sums its factors' logs, a sum of positive terms is their
 * logsumexp (the largest term shifted out). Undefined where there is no such form (a factor or
 * term that is not known positive). Softmax and log_softmax print in textbook form,
 * exp(x_i) / sum_j exp(x_j) and x_i - log(sum_j exp(x_j)), and evaluate through this where the
 * exponentials overflow, as stably as the numeric module's max-shifted form.
 */
function logOf(n: Expr, val: Map<Expr, number>, memo: Map<Expr, number | undefined>): number | undefined {
  if (memo.has(n)) return memo.get(n);
  let out: number | undefined;
  const v = val.get(n)!;
  if (v > 0 && Number.isFinite(v) && v >= Number.MIN_VALUE * 2 ** 60) out = Math.log(v);
  else if (n.kind === 'fn' && n.name === 'exp') {
    const a = val.get(n.args[0]!)!;
    out = Number.isFinite(a) ? a : undefined;
  } else if (n.kind === 'mul') {
    const c = cToFloat(n.coef);
    let sum = c > 0 ? Math.log(c) : undefined;
    for (let i = 0; i < n.bases.length && sum !== undefined; i++) {
      const l = logOf(n.bases[i]!, val, memo);
      sum = l === undefined ? undefined : sum + cToFloat(n.exps[i]!) * l;
    }
    out = sum;
  } else if (n.kind === 'add') {
    const logs: number[] = [];
    const c0 = cToFloat(n.constant);
    if (c0 < 0) out = undefined;
    else {
      if (c0 > 0) logs.push(Math.log(c0));
      let ok = true;
      for (let i = 0; i < n.terms.length && ok; i++) {
        const c = cToFloat(n.coefs[i]!);
        const l = c > 0 ? logOf(n.terms[i]!, val, memo) : undefined;
        if (l === undefined) ok = false;
        else logs.push(Math.log(c) + l);
      }
      if (ok && logs.length) {
        const m = Math.max(...logs);
        out = m === -Infinity ? -Infinity : m + Math.log(logs.reduce((s, l) => s + Math.exp(l - m), 0));
      }
    }
  } else if (n.kind === 'pow') {
    const l = logOf(n.base, val, memo);
    const e = val.get(n.exponent)!;
    out = l === undefined || !Number.isFinite(e) ? undefined : e * l;
  }
  memo.set(n, out);
  return out;
}

/** Whether a plain value lost its meaning to overflow or underflow (and the log domain may recover it). */
const degenerate = (v: number): boolean => !Number.isFinite(v) || v === 0;

function evaluateRoots(roots: readonly Expr[], env: Env): number[] {
  const val = new Map<Expr, number>();
  let memo: Map<Expr, number | undefined> | undefined;
  for (const n of topoOrder(roots)) {
    let v = evalNode(n, val, env);
    // A product or a log whose plain value overflowed (inf / inf, log(inf)) or underflowed: the log domain.
    if (n.kind === 'mul' && degenerate(v) && n.bases.some((b) => degenerate(val.get(b)!))) {
      const l = logOf(n, val, (memo ??= new Map()));
      if (l !== undefined) v = Math.exp(l);
    } else if (n.kind === 'fn' && n.name === 'log' && degenerate(val.get(n.args[0]!)!)) {
      const l = logOf(n.args[0]!, val, (memo ??= new Map()));
      if (l !== undefined) v = l;
    }
    val.set(n, v);
  }
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
