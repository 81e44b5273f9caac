import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  abs, add, countNodes, div, erf, erfNum, evaluate, evaluateAll, exp, freeSymbols, heaviside, log, max, min, mul,
  neg, num, pow, relu, sigmoid, sqrt, sub, substitute, sym, tanh, type Expr,
} from '@layergen/runtime';
import { close, rng } from './util.js';
import * as S from '@layergen/runtime';

const x = sym('x');
const y = sym('y');
const z = sym('z');

/** Pairs of (expression, the same formula in plain JS). */
const CASES: [Expr, (x: number, y: number) => number][] = [
  [add(mul(0.3, x), mul(-0.95, y), 0.1), (x, y) => 0.3 * x - 0.95 * y + 0.1],
  [sigmoid(x), (x) => 1 / (1 + Math.exp(-x))],
  [mul(tanh(x), exp(neg(pow(y, 2)))), (x, y) => Math.tanh(x) * Math.exp(-(y * y))],
  [div(add(x, 1), add(pow(y, 2), 1)), (x, y) => (x + 1) / (y * y + 1)],
  [log(add(1, pow(x, 2))), (x) => Math.log(1 + x * x)],
  [sqrt(add(pow(x, 2), pow(y, 2))), (x, y) => Math.hypot(x, y)],
  [abs(sub(x, y)), (x, y) => Math.abs(x - y)],
  [max(x, y, 0.25), (x, y) => Math.max(x, y, 0.25)],
  [min(x, mul(2, y)), (x, y) => Math.min(x, 2 * y)],
  [relu(sub(x, y)), (x, y) => Math.max(0, x - y)],
  [heaviside(x), (x) => (x > 0 ? 1 : 0)],
  [erf(mul(x, y)), (x, y) => erfNum(x * y)],
  [pow(2, x), (x) => 2 ** x],
  [pow(add(pow(x, 2), 1), y), (x, y) => (x * x + 1) ** y],
  [pow(mul(add(pow(x, 2), 1), add(pow(y, 2), 2)), 0.5), (x, y) => Math.sqrt((x * x + 1) * (y * y + 2))],
  [mul(x, pow(y, -3)), (x, y) => x / y ** 3],
];

test('evaluate agrees with plain JS Math at random points', () => {
  const r = rng(1);
  CASES.forEach(([e, f], i) => {
    for (let k = 0; k < 50; k++) {
      const env = { x: r(-3, 3), y: r(-3, 3) };
      close(evaluate(e, env), f(env.x, env.y), 1e-13, `case ${i} at ${JSON.stringify(env)}`, 1e-300);
    }
  });
});

test('evaluate accepts numbers, Maps and arrays', () => {
  assert.is(evaluate(3, {}), 3);
  assert.is(evaluate(add(x, 1), new Map([['x', 2]])), 3);
  assert.equal(evaluate([x, add(x, y), 7], { x: 1, y: 2 }), [1, 3, 7]);
  assert.equal(evaluateAll([mul(x, y)], { x: 3, y: 4 }), [12]);
});

test('evaluate names the unbound symbol', () => {
  assert.throws(() => evaluate(add(x, sym('missing_one')), { x: 1 }), /unbound symbol "missing_one"/);
  assert.throws(() => evaluate(x, { toString: 1 } as unknown as Record<string, number>), /unbound symbol "x"/);
});

/** x_{k+1} = tanh(x_k * x_k + x_k): as a tree it would have ~2^n nodes. */
function deepChain(n: number, seed: Expr): Expr[] {
  const chain = [seed];
  for (let k = 0; k < n; k++) {
    const p = chain[k]!;
    chain.push(tanh(add(mul(p, p), p, 0.1)));
  }
  return chain;
}

test('evaluate is memoised over the DAG (deep shared chain)', () => {
  const chain = deepChain(400, x);
  const top = chain[chain.length - 1]!;
  assert.ok(countNodes(top) < 5 * 400 + 10);
  let v = 0.3;
  for (let k = 0; k < 400; k++) v = Math.tanh(v * v + v + 0.1);
  close(evaluate(top, { x: 0.3 }), v, 1e-12, 'deep chain');
});

test('substitute symbols by name, re-canonicalising', () => {
  const e = add(x, y);
  assert.ok(substitute(e, { y: x }) === mul(2, x));
  assert.ok(substitute(e, { x: 1, y: 2 }) === num(3));
  assert.ok(substitute(exp(mul(x, y)), { y: 0 }) === num(1));
  assert.ok(substitute(max(x, y), { x: y }) === y);
  assert.ok(substitute(e, { w: 5 }) === e);
  assert.ok(substitute(e, new Map<string, number>([['x', 3]])) === add(y, 3));
});

test('substitute subexpressions by node; values are not re-substituted', () => {
  const e = add(exp(x), mul(2, exp(x)), tanh(exp(x)));
  assert.ok(substitute(e, new Map([[exp(x), z]])) === add(mul(3, z), tanh(z)));
  assert.ok(substitute(add(x, y), { x: y, y: x }) === add(x, y));
  assert.equal(substitute([x, y], { x: 2 }), [num(2), y]);
});

test('substitute agrees with evaluate and is memoised on deep DAGs', () => {
  const chain = deepChain(300, x);
  const top = chain[chain.length - 1]!;
  const s = substitute(top, { x: add(y, z) });
  assert.equal(freeSymbols(s), ['y', 'z']);
  close(evaluate(s, { y: 0.1, z: 0.2 }), evaluate(top, { x: 0.1 + 0.2 }), 1e-12, 'substituted chain');
  const e = add(sigmoid(x), mul(x, y), pow(y, x));
  const r = rng(7);
  for (let k = 0; k < 20; k++) {
    const env = { y: r(0.1, 2), z: r(0.1, 2) };
    const v = evaluate(substitute(e, { x: mul(z, y) }), env);
    close(v, evaluate(e, { x: env.z * env.y, y: env.y }), 1e-13, 'substitute/evaluate');
  }
});

test('freeSymbols sorted naturally; countNodes counts shared nodes once', () => {
  assert.equal(freeSymbols([add(sym('s10'), sym('s2')), exp(sym('a'))]), ['a', 's2', 's10']);
  assert.equal(freeSymbols(3), []);
  const t = tanh(x);
  assert.is(countNodes(add(mul(t, t), t)), 4); // x, tanh, tanh^2, sum
});


test('softmax and log_softmax in textbook form evaluate without overflow (the log domain where exp overflows or underflows)', () => {
  const [a, b, c] = [S.sym('a'), S.sym('b'), S.sym('c')];
  const total = S.add(S.exp(a), S.exp(b), S.exp(c));
  const softmax = [a, b, c].map((x) => S.div(S.exp(x), total));
  const logSoftmax = [a, b, c].map((x) => S.sub(x, S.log(total)));
  const stable = (xs: number[]): { p: number[]; lp: number[] } => {
    const m = Math.max(...xs);
    const lse = m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
    return { p: xs.map((x) => Math.exp(x - lse)), lp: xs.map((x) => x - lse) };
  };
  for (const xs of [[800, 799, 0], [1000, -1000, 990], [-800, -801, -1200], [0.5, -0.25, 2]]) {
    const env = { a: xs[0]!, b: xs[1]!, c: xs[2]! };
    const want = stable(xs);
    const p = S.evaluateAll(softmax, env);
    const lp = S.evaluateAll(logSoftmax, env);
    p.forEach((v, i) => assert.ok(Math.abs(v - want.p[i]!) <= 1e-12 * Math.max(1, Math.abs(want.p[i]!)), `softmax ${xs}: ${p} vs ${want.p}`));
    lp.forEach((v, i) => assert.ok(Math.abs(v - want.lp[i]!) <= 1e-12 * Math.max(1, Math.abs(want.lp[i]!)), `log_softmax ${xs}: ${lp} vs ${want.lp}`));
  }
  // The printed form stays the textbook one.
  assert.is(S.format(softmax[0]!, 'text'), 'exp(a)/(exp(a) + exp(b) + exp(c))');
  // Genuine overflow stays what it is: exp(800) alone is Infinity.
  assert.is(S.evaluate(S.exp(a), { a: 800 }), Infinity);
  // Built from numbers, an overflowing exp stays a call (folded to Infinity it would make NaN),
  // so the same softmax of numbers, or of numbers and symbols, is right too.
  assert.is(S.format(S.exp(800), 'text'), 'exp(800)');
  assert.is(S.format(S.exp(700), 'text'), String(Math.exp(700)));
  for (const xs of [[800, -800, 1], [1000, 990, -1000]] as const) {
    const want = stable([...xs]);
    for (const mixed of [false, true]) {
      const args = xs.map((v, i) => (mixed && i === 1 ? S.sym('b') : S.num(v)));
      const sum = S.add(...args.map((x) => S.exp(x)));
      const env = { b: xs[1] };
      args.forEach((x, i) => {
        close(S.evaluate(S.div(S.exp(x), sum), env), want.p[i]!, 1e-12, `softmax of ${xs}${mixed ? ' (b a symbol)' : ''}`);
        close(S.evaluate(S.sub(x, S.log(sum)), env), want.lp[i]!, 1e-12, `log_softmax of ${xs}${mixed ? ' (b a symbol)' : ''}`);
      });
    }
  }
});

test.run();
