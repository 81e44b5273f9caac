/**
 * Construction fast paths: loose products (`mul(number, x)` not interned until needed),
 * sums that share sorted term arrays, and the identity guarantees that remain.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  add, addAll, compare, countNodes, evaluate, exp, format, intern, linear, max, mul, neg, num, pow, substitute, sym,
  tanh, type Expr,
} from '@layergen/runtime';
import { rng } from './util.js';

const x = sym('x');
const y = sym('y');
const same = (a: Expr, b: Expr, msg?: string): void => assert.ok(a === b, msg ?? `${format(a, 'text')} !== ${format(b, 'text')}`);

test('mul(number, x) built twice in a row is the same object; an interned twin always wins', () => {
  same(mul(2, x), mul(2, x));
  same(mul(x, 0.25), mul(0.25, x));
  same(mul(2, mul(3, x)), mul(6, x));
  const interned = add(x, x); // builders intern 2*x
  same(mul(2, x), interned);
  same(mul(-1, x), neg(x));
});

test('interleaved loose products: structurally equal, canonical once inside other nodes', () => {
  const u = sym('loose_u');
  const a = mul(1.5, u);
  mul(2.5, u);
  const b = mul(1.5, u);
  assert.is(compare(a, b), 0);
  same(intern(a), intern(b));
  same(tanh(a), tanh(b));
  same(exp(a), exp(intern(b)));
  same(max(a, b), intern(a));
  same(pow(a, x), pow(b, x));
  same(mul(a, a), mul(2.25, pow(u, 2)));
  same(add(a, b), mul(3, u));
  assert.is(countNodes([tanh(a), tanh(b)]), 3);
  same(substitute(tanh(a), new Map([[b, y]])), tanh(y));
  const names = new Map<Expr, string>([[b, 'k']]);
  assert.is(format(tanh(a), 'text', { names }), 'tanh(k)');
});

test('addAll of products equals linear, with or without a constant', () => {
  const r = rng(3);
  const xs = Array.from({ length: 40 }, (_, i) => sym(`lin_${(i * 7) % 40}`));
  for (let k = 0; k < 5; k++) {
    const w = xs.map(() => r(-1, 1));
    const viaMul = add(addAll(w.map((c, i) => mul(c, xs[i]!))), 0.5);
    same(viaMul, linear(w, xs, 0.5));
    same(addAll(w.map((c, i) => mul(xs[i]!, c))), linear(w, xs));
  }
});

test('sums of the same terms in any order are the same node and share one terms array', () => {
  const r = rng(9);
  const xs = Array.from({ length: 30 }, (_, i) => tanh(sym(`perm_${i}`)));
  const w = xs.map((_, i) => i + 1);
  const ref = linear(w, xs) as Extract<Expr, { kind: 'add' }>;
  for (let k = 0; k < 5; k++) {
    const order = xs.map((_, i) => i).sort(() => r() - 0.5);
    same(linear(order.map((i) => w[i]!), order.map((i) => xs[i]!)), ref);
  }
  const other = linear(w.map((c) => 2 * c), xs) as Extract<Expr, { kind: 'add' }>;
  assert.ok(other !== ref && other.terms === ref.terms, 'terms array shared');
  const biased = add(ref, 3) as Extract<Expr, { kind: 'add' }>;
  assert.ok(biased.terms === ref.terms && biased.coefs === ref.coefs, 'adding a number shares both arrays');
});

test('coefficients that cancel leave the sum, and the result is canonical', () => {
  const e = addAll([mul(2, x), mul(3, y), mul(-2, x), 1]);
  same(e, add(mul(3, y), 1));
  same(addAll([mul(0.1, x), mul(0.2, x), mul(-0.30000000000000004, x)]), num(0));
  same(addAll([mul(2, x), neg(mul(2, x))]), num(0));
});

test('loose products evaluate, print and count like any node', () => {
  const p = mul(-0.5, tanh(x));
  assert.is(evaluate(p, { x: 1 }), -0.5 * Math.tanh(1));
  assert.is(format(p, 'text'), '-0.5*tanh(x)');
  assert.is(countNodes(p), 3);
  const big = Array.from({ length: 2000 }, (_, i) => mul(i + 1, sym(`big_loose_${i}`)));
  const s = addAll(big);
  assert.is(s.kind === 'add' ? s.terms.length : 0, 2000);
});

test.run();
