import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  abs, add, addAll, countNodes, div, exp, format, heaviside, isExpr, log, max, maxAll, min, minAll, mul, mulAll,
  neg, num, pow, relu, sigmoid, sqrt, sub, sym, tanh, type Expr,
} from '@layergen/runtime';

const x = sym('x');
const y = sym('y');
const z = sym('z');
const same = (a: Expr, b: Expr, msg?: string): void => assert.ok(a === b, msg ?? `${format(a, 'text')} !== ${format(b, 'text')}`);

test('hash-consing: structurally identical nodes are the same object', () => {
  same(sym('x'), x);
  same(num(2.5), num(2.5));
  same(add(x, mul(2, y)), add(mul(y, 2), x));
  same(exp(tanh(x)), exp(tanh(sym('x'))));
  same(pow(x, y), pow(sym('x'), sym('y')));
  same(max(x, y, 1), max(1, y, x));
  assert.ok(add(x, y) !== add(x, z));
});

test('ids are unique integers; isExpr', () => {
  const nodes = [x, y, num(1), add(x, y), mul(x, y), pow(x, y), exp(x)];
  const ids = nodes.map((n) => n.id);
  assert.ok(ids.every(Number.isInteger));
  assert.is(new Set(ids).size, ids.length);
  assert.ok(isExpr(x) && isExpr(num(3)));
  assert.not.ok(isExpr(3) || isExpr('x') || isExpr({ kind: 'sym', name: 'x' }) || isExpr(null));
});

test('constants fold', () => {
  same(add(2, 3), num(5));
  same(mul(2, 3, 4), num(24));
  same(sub(2, 5), num(-3));
  same(div(1, 4), num(0.25));
  same(pow(2, 3), num(8));
  same(exp(0), num(1));
  same(tanh(0), num(0));
  same(log(1), num(0));
  same(sqrt(4), num(2));
  same(abs(-2), num(2));
  same(heaviside(0), num(0));
  same(heaviside(3), num(1));
  same(max(1, 5, 3), num(5));
  same(min(1, 5, 3), num(1));
  same(num(-0), num(0));
  same(num(NaN), num(NaN));
});

test('identities: x+0, 1*x, 0*x, x+x, x-x, x*x, x/x', () => {
  same(add(x, 0), x);
  same(mul(1, x), x);
  same(mul(0, x), num(0));
  same(mul(x, 0, y), num(0));
  same(add(x, x), mul(2, x));
  same(sub(x, x), num(0));
  same(mul(x, x), pow(x, 2));
  same(div(x, x), num(1));
  same(mul(x, y, div(1, x)), y);
  same(neg(neg(x)), x);
});

test('coefficients collect: 2*(3*x) = 6*x, 3x - x = 2x', () => {
  same(mul(2, mul(3, x)), mul(6, x));
  same(sub(mul(3, x), x), mul(2, x));
  same(add(mul(2, x, y), mul(y, x)), mul(3, x, y));
  const e = mul(6, x);
  assert.is(e.kind, 'mul');
  if (e.kind === 'mul') assert.equal([e.coef, e.bases, e.exps], [6, [x], [1]]);
});

test('a number times a sum distributes (SymPy style)', () => {
  const e = mul(2, add(x, y));
  same(e, add(mul(2, x), mul(2, y)));
  assert.is(e.kind, 'add');
  same(mul(2, add(x, 1)), add(mul(2, x), 2));
  same(neg(add(x, y)), add(neg(x), neg(y)));
  // a product with other factors keeps the sum as a factor
  assert.is(mul(x, add(x, y)).kind, 'mul');
});

test('nested sums and products flatten', () => {
  const s = add(add(x, y), add(y, z), 1);
  assert.is(s.kind, 'add');
  if (s.kind === 'add') {
    assert.equal(s.terms, [x, y, z]);
    assert.equal(s.coefs, [1, 2, 1]);
    assert.is(s.constant, 1);
  }
  const p = mul(mul(x, y), mul(y, z), 3);
  assert.is(p.kind, 'mul');
  if (p.kind === 'mul') {
    assert.equal(p.bases, [x, y, z]);
    assert.equal(p.exps, [1, 2, 1]);
    assert.is(p.coef, 3);
  }
});

test('powers with numeric exponents', () => {
  same(pow(x, 0), num(1));
  same(pow(x, 1), x);
  same(pow(pow(x, 2), 3), mulAll([x, x, x, x, x, x]));
  same(pow(mul(2, x), 2), mul(4, x, x));
  same(pow(mul(x, y), -1), mul(pow(x, -1), pow(y, -1)));
  same(pow(1, x), num(1));
  assert.is(pow(x, y).kind, 'pow');
  assert.is(pow(2, x).kind, 'pow');
});

test('non-integer powers of products stay opaque (sqrt(x^2) is not x)', () => {
  const r = pow(mul(4, x, y), 0.5);
  same(r, mul(2, pow(mul(x, y), 0.5)));
  same(mul(r, r), mul(4, x, y));
  const q = pow(pow(x, 2), 0.5);
  assert.ok(q !== x && q !== abs(x));
  same(pow(q, 2), pow(x, 2));
});

test('max/min: fold, flatten, dedupe, sort', () => {
  same(max(x, x), x);
  same(max(max(x, y), z), max(x, max(y, z)));
  same(max(z, y, x), max(x, y, z));
  same(max(0, max(1, x)), max(1, x));
  same(max(1, max(y, 2), x), max(2, x, y));
  same(min(x, min(y, x)), min(x, y));
  const m = max(y, x, y, x);
  assert.is(m.kind, 'fn');
  if (m.kind === 'fn') assert.equal(m.args, [x, y]);
  same(max(NaN, x), num(NaN));
  same(relu(x), max(0, x));
  same(relu(-3), num(0));
  const big = Array.from({ length: 200000 }, (_, i) => i % 1000);
  same(maxAll(big), num(999));
  same(minAll(big), num(0));
});

test('idempotent functions collapse', () => {
  same(abs(abs(x)), abs(x));
  same(heaviside(heaviside(x)), heaviside(x));
});

test('sigmoid is 1/(1+exp(-a)) with no sigmoid node', () => {
  same(sigmoid(x), pow(add(1, exp(neg(x))), -1));
  same(sigmoid(0), num(0.5));
});

test('canonical order is structural, not creation order', () => {
  const b9 = sym('zz_b9_fresh');
  const a9 = sym('zz_a9_fresh');
  assert.is(format(add(b9, a9), 'text'), 'zz_a9_fresh + zz_b9_fresh');
  assert.is(format(add(sym('v10'), sym('v2'), sym('v1')), 'text'), 'v1 + v2 + v10');
  const e1 = add(exp(sym('q2')), tanh(sym('q1')), mul(sym('q1'), sym('q2')));
  const e2 = add(mul(sym('q2'), sym('q1')), tanh(sym('q1')), exp(sym('q2')));
  assert.is(format(e1, 'text'), format(e2, 'text'));
});

test('addAll/mulAll take large arrays without spreading', () => {
  const xs = Array.from({ length: 150000 }, (_, i) => sym(`big${i}`));
  const s = addAll(xs);
  assert.is(s.kind === 'add' ? s.terms.length : 0, 150000);
  assert.is(countNodes(s), 150001);
  same(addAll(xs.map(() => 1)), num(150000));
  assert.is(mulAll(xs.slice(0, 1000)).kind, 'mul');
});

test('Operands: Num nodes act like numbers', () => {
  same(add(num(2), num(3)), num(5));
  same(pow(x, num(2)), pow(x, 2));
  same(mul(num(3), x), mul(3, x));
  assert.throws(() => add(x, 'y' as unknown as number), /expected an Expr or a number/);
});

test.run();
