import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  abs, add, cos, countNodes, diff, div, erf, evaluate, exp, heaviside, log, max, maxAll, min, mul, neg, num, pow, relu,
  sigmoid, sin, sqrt, sub, sym, tanh, type Expr,
} from '@layergen/runtime';
import { close, rng } from './util.js';

const x = sym('x');
const y = sym('y');
const z = sym('z');

/** Central finite difference of e along `v` at env. */
function numericDiff(e: Expr, v: string, env: Record<string, number>): number {
  const h = 1e-5 * Math.max(1, Math.abs(env[v]!));
  const at = (d: number): number => evaluate(e, { ...env, [v]: env[v]! + d });
  return (at(h) - at(-h)) / (2 * h);
}

/** (name, expression, sampling range of x, y, z) — ranges keep away from kinks and poles. */
const CASES: [string, Expr, [number, number]][] = [
  ['exp', exp(mul(x, y)), [-2, 2]],
  ['log', log(add(pow(x, 2), y, 3)), [-1, 1]],
  ['tanh', tanh(sub(x, mul(2, y))), [-2, 2]],
  ['erf', erf(mul(x, y)), [-1.5, 1.5]],
  ['sin', sin(mul(x, y)), [-2, 2]],
  ['cos', cos(add(x, mul(2, y))), [-2, 2]],
  ['sqrt', sqrt(add(pow(x, 2), pow(y, 2), 0.5)), [-2, 2]],
  ['abs', abs(sub(x, y)), [-2, 2]],
  ['heaviside', mul(heaviside(x), y), [-2, 2]],
  ['max', max(x, mul(2, y), z), [-2, 2]],
  ['min', min(x, mul(2, y), z), [-2, 2]],
  ['relu', relu(add(x, y)), [-2, 2]],
  ['sigmoid', sigmoid(mul(x, y)), [-2, 2]],
  ['sum', add(mul(3, x), mul(-2, y), mul(x, y), 7), [-2, 2]],
  ['product powers', mul(pow(x, 3), pow(y, -2), z), [0.5, 2]],
  ['pow symbolic exponent', pow(add(pow(x, 2), 1), y), [-1.5, 1.5]],
  ['pow numeric base', pow(2, mul(x, y)), [-2, 2]],
  ['opaque power', pow(mul(x, y), 0.5), [0.2, 2]],
  ['quotient', div(add(x, 1), add(pow(y, 2), 1)), [-2, 2]],
  ['composition', tanh(add(mul(sigmoid(x), exp(neg(pow(y, 2)))), erf(mul(x, z)))), [-1.5, 1.5]],
  ['lstm-like cell', mul(sigmoid(add(mul(0.5, x), mul(-0.3, y))), tanh(add(mul(sigmoid(y), z), mul(0.7, x)))), [-2, 2]],
];

test('diff matches central finite differences for every node kind', () => {
  const r = rng(42);
  for (const [name, e, [lo, hi]] of CASES) {
    for (const v of ['x', 'y', 'z']) {
      const d = diff(e, v);
      for (let k = 0; k < 12; k++) {
        const env = { x: r(lo, hi), y: r(lo, hi), z: r(lo, hi) };
        const kink = name === 'max' || name === 'min' ? Math.min(
          Math.abs(env.x - 2 * env.y), Math.abs(env.x - env.z), Math.abs(2 * env.y - env.z)) : 1;
        const near0 = name === 'abs' || name === 'relu' ? Math.abs(env.x - (name === 'abs' ? env.y : -env.y)) : 1;
        if (kink < 1e-3 || near0 < 1e-3 || (name === 'heaviside' && Math.abs(env.x) < 1e-3)) continue;
        close(evaluate(d, env), numericDiff(e, v, env), 1e-6, `d/d${v} ${name} at ${JSON.stringify(env)}`);
      }
    }
  }
});

test('exact derivatives', () => {
  assert.ok(diff(pow(x, 2), x) === mul(2, x));
  assert.ok(diff(mul(x, y), 'x') === y);
  assert.ok(diff(add(mul(3, x), y, 1), x) === num(3));
  assert.ok(diff(exp(x), x) === exp(x));
  assert.ok(diff(log(x), x) === pow(x, -1));
  assert.ok(diff(relu(x), x) === heaviside(x));
  assert.ok(diff(erf(x), x) === mul(2 / Math.sqrt(Math.PI), exp(neg(pow(x, 2)))));
  assert.ok(diff(abs(x), x) === sub(heaviside(x), heaviside(neg(x))));
  assert.ok(diff(tanh(x), x) === sub(1, pow(tanh(x), 2)));
  assert.ok(diff(sin(x), x) === cos(x));
  assert.ok(diff(cos(x), x) === neg(sin(x)));
  assert.ok(diff(y, x) === num(0));
  assert.ok(diff(5, x) === num(0));
  assert.ok(diff(heaviside(x), x) === num(0));
  assert.throws(() => diff(x, add(x, 1)), /with respect to a symbol/);
});

test('relu and abs have derivative 0 at 0 (PyTorch convention)', () => {
  assert.is(evaluate(diff(relu(x), x), { x: 0 }), 0);
  assert.is(evaluate(diff(relu(x), x), { x: 1e-300 }), 1);
  assert.is(evaluate(diff(abs(x), x), { x: 0 }), 0);
  assert.is(evaluate(diff(abs(x), x), { x: -2 }), -1);
});

test('max/min at ties: the first argument in canonical order takes the whole derivative', () => {
  const m = max(x, y, z);
  const at = { x: 1, y: 1, z: 1 };
  const grads = ['x', 'y', 'z'].map((v) => evaluate(diff(m, v), at));
  assert.equal(grads, [1, 0, 0]);
  const n = min(x, y);
  assert.equal(['x', 'y'].map((v) => evaluate(diff(n, v), { x: 2, y: 2 })), [1, 0]);
  assert.equal(['x', 'y'].map((v) => evaluate(diff(n, v), { x: 2, y: 3 })), [1, 0]);
  assert.equal(['x', 'y'].map((v) => evaluate(diff(n, v), { x: 4, y: 3 })), [0, 1]);
  // gradients always sum to one for max of the variables
  const r = rng(3);
  const many = maxAll([x, y, z, sym('w')]);
  for (let k = 0; k < 20; k++) {
    const env = { x: Math.round(r(0, 3)), y: Math.round(r(0, 3)), z: Math.round(r(0, 3)), w: Math.round(r(0, 3)) };
    const total = ['x', 'y', 'z', 'w'].reduce((s, v) => s + evaluate(diff(many, v), env), 0);
    assert.is(total, 1);
  }
});

test('diff is linear in DAG size (deep shared chain)', () => {
  let e: Expr = x;
  const n = 300;
  for (let k = 0; k < n; k++) e = tanh(add(mul(e, e), e, 0.1));
  const t0 = performance.now();
  const d = diff(e, x);
  const ms = performance.now() - t0;
  assert.ok(countNodes(d) < 40 * n, `derivative DAG has ${countNodes(d)} nodes`);
  assert.ok(ms < 2000, `diff took ${ms} ms`);
  let v = 0.2;
  let dv = 1;
  for (let k = 0; k < n; k++) {
    const inner = v * v + v + 0.1;
    dv = (1 - Math.tanh(inner) ** 2) * (2 * v + 1) * dv;
    v = Math.tanh(inner);
  }
  close(evaluate(d, { x: 0.2 }), dv, 1e-10, 'chain rule through 300 levels', 1e-300);
});

test.run();
