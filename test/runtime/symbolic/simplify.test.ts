/** Construction-time identities, and the explicit `prune`. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  add, countNodes, evaluate, exp, format, freeSymbols, linear, log, max, maxAll, min, minAll, mul, num, pow, prune, rational,
  sigmoid, sub, sym, tanh, type Expr,
} from '@layergen/runtime';
import { close } from './util.js';

const x = sym('x');
const y = sym('y');
const same = (a: Expr, b: Expr, msg?: string): void => assert.ok(a === b, msg ?? `${format(a, 'text')} !== ${format(b, 'text')}`);

test('values at 0 and 1 and constant folding', () => {
  same(tanh(0), num(0));
  same(exp(0), num(1));
  same(log(1), num(0));
  same(tanh(sub(x, x)), num(0));
  same(exp(mul(0, y)), num(1));
  same(log(add(x, 1, mul(-1, x))), num(0));
  same(add(mul(2, 3), pow(2, 2), tanh(0)), num(10));
  same(sub(x, x), num(0));
  same(sub(tanh(x), tanh(x)), num(0));
});

test('max/min: equal arguments, nesting, numbers', () => {
  same(max(x, x), x);
  same(min(tanh(x), tanh(x)), tanh(x));
  same(max(max(x, max(y, 1)), 2), max(2, x, y));
  same(min(min(x, 3), min(y, rational(1, 2))), min(rational(1, 2), x, y));
  same(max(3, 4), num(4));
  same(min(3, 4), num(3));
  same(maxAll([1, 2, x, max(x, 5)]), max(5, x));
  same(minAll([x]), x);
});

test('exp and log cancel; sigmoid keeps its structure', () => {
  same(exp(log(x)), x);
  same(log(exp(x)), x);
  same(log(exp(add(x, y))), add(x, y));
  same(exp(log(tanh(x))), tanh(x));
  same(sigmoid(x), pow(add(1, exp(mul(-1, x))), -1));
  same(sigmoid(log(x)), pow(add(1, exp(mul(-1, log(x)))), -1));
  assert.is(format(sigmoid(mul(2, x)), 'text'), '1/(exp(-2*x) + 1)');
});

test('prune drops small sum terms everywhere in the DAG, memoised, through the constructors', () => {
  const inner = linear([1, 1e-12, -2e-9, 0.5], [x, y, sym('z'), tanh(y)], 1e-15);
  const e = add(tanh(inner), mul(inner, inner), linear([3e-10], [y]));
  const p = prune(e, 1e-6);
  const kept = add(x, mul(0.5, tanh(y)), 1e-15);
  same(p, add(tanh(kept), mul(kept, kept)));
  same(prune(e, 0), e, 'eps 0 keeps everything');
  same(prune(linear([1e-9], [x], 2), 1e-6), num(2));
  same(prune(add(x, mul(1e-9, y)), 1e-6), x);
  assert.equal(prune([inner, x], 1e-6), [kept, x]);
  assert.throws(() => prune(x, -1), /non-negative/);
  const env = { x: 0.3, y: -0.4, z: 0.9 };
  close(evaluate(p, env), evaluate(e, env), 1e-8, 'pruned value close to the original');
});

test('prune is linear on deep shared DAGs', () => {
  let c: Expr = x;
  for (let k = 0; k < 2000; k++) c = tanh(add(mul(c, c), mul(1e-12, y), c, 0.1));
  const t0 = performance.now();
  const p = prune(c, 1e-9);
  assert.ok(performance.now() - t0 < 2000);
  assert.ok(countNodes(p) < countNodes(c));
  let v = 0.2;
  for (let k = 0; k < 2000; k++) v = Math.tanh(v * v + v + 0.1);
  close(evaluate(p, { x: 0.2 }), v, 1e-9, "pruned chain");
  assert.equal(freeSymbols(p), ["x"]);
});

test.run();
