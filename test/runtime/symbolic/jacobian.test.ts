import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  abs, add, countNodes, diff, div, erf, evaluate, exp, heaviside, jacobian, linear, log, max, min, mul, num, pow,
  rational, relu, sigmoid, sqrt, sub, sym, tanh, type Expr,
} from '@layergen/runtime';
import { close, rng } from './util.js';

const x = sym('x');
const y = sym('y');
const z = sym('z');

/** Expressions covering every node kind; sampled away from kinks and poles. */
const EXPRS: Expr[] = [
  exp(mul(x, y)),
  log(add(pow(x, 2), y, 3)),
  tanh(sub(x, mul(2, y))),
  erf(mul(x, y)),
  sqrt(add(pow(x, 2), pow(y, 2), 0.5)),
  mul(heaviside(x), y),
  max(x, mul(2, y), z),
  min(x, mul(2, y), z),
  sigmoid(mul(x, y)),
  mul(pow(x, 3), pow(add(pow(y, 2), 1), -2), z),
  pow(add(pow(x, 2), 1), y),
  pow(2, mul(x, y)),
  div(add(x, 1), add(pow(y, 2), 1)),
  mul(sigmoid(add(mul(0.5, x), mul(-0.3, y))), tanh(add(mul(sigmoid(y), z), mul(0.7, x)))),
  add(mul(rational(1, 3), pow(x, 2)), mul(rational(-2, 5), y, z)),
  abs(sub(add(x, 3), y)),
  relu(add(x, y, 1)),
];

function numericDiff(e: Expr, v: string, env: Record<string, number>): number {
  const h = 1e-5 * Math.max(1, Math.abs(env[v]!));
  return (evaluate(e, { ...env, [v]: env[v]! + h }) - evaluate(e, { ...env, [v]: env[v]! - h })) / (2 * h);
}

test('jacobian agrees with diff and with finite differences', () => {
  const r = rng(5);
  const J = jacobian(EXPRS, ['x', 'y', y, 'z', 'w']);
  assert.is(J.length, EXPRS.length);
  EXPRS.forEach((e, i) => {
    const row = J[i]!;
    assert.is(row.length, 5);
    assert.ok(row[1] === row[2], 'a symbol given twice gets the same entry');
    assert.ok(row[4] === num(0), 'an absent input has derivative 0');
    for (let k = 0; k < 6; k++) {
      const env = { x: r(0.3, 1.5), y: r(-1.2, 1.2), z: r(-1.5, 1.5), w: 0 };
      if (Math.abs(env.x - 2 * env.y) < 1e-3 || Math.abs(env.x - env.z) < 1e-3 || Math.abs(2 * env.y - env.z) < 1e-3) continue;
      ['x', 'y', 'z'].forEach((v, j) => {
        const got = evaluate(row[j === 0 ? 0 : j + 1]!, env);
        close(got, evaluate(diff(e, v), env), 1e-12, `expr ${i} d/d${v} vs diff`, 1e-300);
        close(got, numericDiff(e, v, env), 1e-6, `expr ${i} d/d${v} vs finite differences`);
      });
    }
  });
});

test('exact derivatives stay exact; inputs must be symbols', () => {
  const [[dx, dy]] = jacobian([add(mul(rational(1, 3), pow(x, 2)), mul(rational(2, 7), y))], [x, y]) as [[Expr, Expr]];
  assert.ok(dx === mul(rational(2, 3), x), 'd/dx (x^2/3) = 2x/3 exactly');
  assert.ok(dy === rational(2, 7));
  assert.ok(jacobian([tanh(x)], [x])[0]![0] === sub(1, pow(tanh(x), 2)));
  assert.throws(() => jacobian([x], [add(x, 1)]), /inputs must be symbols/);
});

/** h_t = tanh(W h_{t-1} + U u) over `steps` steps, with 4 input symbols u0..u3. */
function rnn(hidden: number, steps: number): { h: Expr[]; u: Expr[] } {
  const r = rng(17);
  const W = Array.from({ length: hidden }, () => Array.from({ length: hidden }, () => r(-1, 1) / Math.sqrt(hidden)));
  const U = Array.from({ length: hidden }, () => Array.from({ length: 4 }, () => r(-1, 1)));
  const u = [0, 1, 2, 3].map((i) => sym(`u${i}`));
  let h: (Expr | number)[] = new Array<number>(hidden).fill(0);
  for (let t = 0; t < steps; t++) h = W.map((row, i) => tanh(add(linear(row, h), linear(U[i]!, u))));
  return { h: h as Expr[], u };
}

test('jacobian of a 50-step recurrent DAG with 4 inputs: fast, linear size, shares the forward DAG', () => {
  const { h, u } = rnn(16, 50);
  const t0 = performance.now();
  const J = jacobian(h, u);
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `jacobian took ${ms.toFixed(0)} ms`);
  const fwd = countNodes(h);
  const both = countNodes([...h, ...J.flat()]);
  assert.ok(both < 25 * fwd * h.length, `${both} nodes for a ${fwd}-node forward DAG`);
  assert.is(countNodes(J.flat()), both, 'the Jacobian contains the forward DAG (shared, not copied)');
  const env = { u0: 0.3, u1: -0.2, u2: 0.7, u3: 0.1 };
  for (const [i, j] of [[0, 0], [5, 2], [15, 3]] as const) {
    close(evaluate(J[i]![j]!, env), numericDiff(h[i]!, `u${j}`, env), 1e-6, `J[${i}][${j}]`);
  }
});

test.run();
