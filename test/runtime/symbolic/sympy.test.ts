/**
 * Round trip through SymPy: the `sympy` text of expressions parses back with `parse_expr`
 * (symbols declared via `local_dict`) and evaluates to the same values as `evaluate`.
 * Skipped (and passing) when /usr/bin/python3 or its sympy is missing.
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  abs, add, div, erf, evaluate, exp, format, heaviside, log, max, min, mul, neg, pow, relu, sigmoid, sqrt, sub,
  sym, sympySymbols, tanh, type Expr,
} from '@layergen/runtime';
import { relErr, rng } from './util.js';

const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import json, sys
from sympy import Symbol, Float
from sympy.parsing.sympy_parser import parse_expr
out = []
for case in json.load(sys.stdin):
    local = {n: Symbol(n) for n in case['symbols']}
    e = parse_expr(case['text'], local_dict=local)
    vals = []
    for env in case['envs']:
        subs = {local[k]: Float(v, 30) for k, v in env.items()}
        vals.append(float(e.evalf(30, subs=subs)))
    out.append(vals)
print(json.dumps(out))
`;

function hasSympy(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import sympy'], { encoding: 'utf8' });
  return r.status === 0;
}

const x = sym('x');
const y = sym('y');
const [E, I, N, S, beta, gamma, pi, lam] = ['E', 'I', 'N', 'S', 'beta', 'gamma', 'pi', 'lambda'].map((n) => sym(n)) as Expr[];

const EXPRS: Expr[] = [
  add(mul(0.3, sym('s2')), mul(-0.95, sym('s1')), 0.1),
  sigmoid(mul(sym('fc_weight_0_1'), sym('x_0'))),
  div(add(x, 1), mul(x, pow(y, 2))),
  add(erf(x), sqrt(add(pow(y, 2), 1)), abs(x), log(add(pow(y, 2), 1)), tanh(x)),
  add(heaviside(x), min(x, y, 2), max(x, mul(-3, y)), relu(sub(x, y))),
  mul(-1, pow(x, 2), y),
  pow(add(pow(x, 2), 1), neg(y)),
  add(mul(E, I), mul(N, S), pow(beta, 2), exp(neg(gamma)), mul(pi, lam)),
  mul(1.5e-7, x, pow(y, -3), exp(mul(0.30000000000000004, x))),
];

test('sympy text parses back and evaluates to the same values', () => {
  if (!hasSympy()) {
    console.log('  (sympy round-trip test skipped: /usr/bin/python3 with sympy not available)');
    return;
  }
  const r = rng(99);
  const cases = EXPRS.map((e) => {
    const symbols = sympySymbols(e);
    const envs = Array.from({ length: 5 }, () =>
      Object.fromEntries(symbols.map((s) => [s, (r() < 0.5 ? -1 : 1) * r(0.25, 2)])));
    return { text: format(e, 'sympy'), symbols, envs, expected: envs.map((env) => evaluate(e, env)) };
  });
  const run = spawnSync(PYTHON, ['-c', SCRIPT], {
    input: JSON.stringify(cases.map(({ text, symbols, envs }) => ({ text, symbols, envs }))),
    encoding: 'utf8',
  });
  assert.is(run.status, 0, `python failed: ${run.stderr}`);
  const got = JSON.parse(run.stdout) as number[][];
  cases.forEach((c, i) => {
    c.expected.forEach((want, k) => {
      const err = relErr(got[i]![k]!, want);
      assert.ok(err <= 1e-12, `${c.text} at ${JSON.stringify(c.envs[k])}: sympy ${got[i]![k]} vs ${want}`);
    });
  });
});

test.run();
