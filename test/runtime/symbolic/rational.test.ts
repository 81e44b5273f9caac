/** Exact rational numbers: construction, exact arithmetic, mixing rules, printing, float conversion. */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  abs, add, addAll, diff, div, evaluate, exact, exp, format, isRational, log, max, min, mul, num, pow, rational,
  sqrt, sub, sym, tanh, type Expr, type Language,
} from '@layergen/runtime';
import { rng } from './util.js';

const x = sym('x');
const same = (a: Expr, b: Expr, msg?: string): void => assert.ok(a === b, msg ?? `${format(a, 'text')} !== ${format(b, 'text')}`);
const LANGS: Language[] = ['text', 'sympy', 'js', 'mathematica', 'latex'];

test('constructors normalise; exact(x) is the binary value of the float', () => {
  assert.is(format(exact(0.1), 'text'), '3602879701896397/36028797018963968');
  same(rational(2, 4), rational(1, 2));
  same(rational(3, -6), rational(-1, 2));
  same(rational(0, 7), num(0));
  same(rational(6n, 3n), rational(2));
  same(exact(0.5), rational(1, 2));
  same(exact(-3), rational(-3));
  assert.is(format(exact(2 ** -1074), 'text'), `1/${2n ** 1074n}`);
  assert.is(format(exact(1e300), 'text'), String(BigInt(1e300)));
  same(rational(2), num(2), 'a safe integer has one representation');
  assert.is(format(rational(2n ** 80n), 'text'), String(2n ** 80n));
  assert.throws(() => rational(1, 0), /zero denominator/);
  assert.throws(() => rational(0.5, 2), /not a safe integer/);
  assert.throws(() => exact(Infinity), /not a finite number/);
  const v = rational(1, 3);
  assert.ok(v.kind === 'num' && isRational(v.value));
});

test('arithmetic on rationals is exact', () => {
  same(add(exact(0.1), exact(0.2)), rational(10808639105689191n, 36028797018963968n));
  assert.ok(add(exact(0.1), exact(0.2)) !== exact(0.3), '0.1 + 0.2 != 0.3 exactly, as in binary');
  same(addAll(Array.from({ length: 10 }, () => exact(0.1))), rational(36028797018963970n, 36028797018963968n));
  same(add(mul(rational(1, 3), x), mul(rational(1, 6), x)), mul(rational(1, 2), x));
  same(sub(mul(rational(1, 3), x), mul(rational(1, 3), x)), num(0));
  same(mul(rational(2, 3), rational(3, 4)), rational(1, 2));
  same(pow(rational(2, 3), 3), rational(8, 27));
  same(pow(rational(2, 3), -2), rational(9, 4));
  same(div(rational(1, 3), rational(2, 3)), rational(1, 2));
  same(div(rational(1, 2), 3), rational(1, 6));
  same(div(x, rational(3, 2)), mul(rational(2, 3), x));
  same(mul(pow(x, rational(1, 2)), pow(x, rational(1, 2))), x);
  same(pow(pow(x, rational(1, 2)), 4), pow(x, 2));
  assert.is(format(pow(pow(x, rational(2, 3)), rational(3, 2)), 'text'), '(x^(2/3))^(3/2)', 'not x: opaque');
  same(diff(mul(rational(1, 3), pow(x, 3)), x), pow(x, 2));
});

test('mixing: safe integers count as exact, other floats make the result a float', () => {
  same(add(rational(1, 2), 1), rational(3, 2));
  same(mul(2, rational(1, 3)), rational(2, 3));
  same(mul(rational(1, 3), mul(3, x)), x);
  same(add(rational(1, 2), 0.25), num(0.75));
  same(mul(0.5, rational(1, 3)), num(0.5 / 3));
  same(add(mul(0.1, x), mul(rational(1, 10), x)), mul(0.1 + 0.1, x));
  same(add(rational(1, 2), num(0)), rational(1, 2));
  same(div(1, 3), num(1 / 3));
  same(div(rational(1), rational(3)), num(1 / 3), 'two integers divide as floats: write rational(1, 3)');
});

test('functions of rationals stay symbolic unless the value is exact', () => {
  assert.is(format(exp(rational(1, 2)), 'text'), 'exp(1/2)');
  assert.is(format(tanh(rational(-1, 3)), 'text'), 'tanh(-1/3)');
  same(exp(sub(rational(1, 2), rational(1, 2))), num(1));
  same(log(rational(1)), num(0));
  same(sqrt(rational(4, 9)), rational(2, 3));
  assert.is(format(sqrt(rational(2, 3)), 'text'), 'sqrt(2/3)');
  same(sqrt(rational(2)), num(Math.SQRT2), 'an integer is a float: it folds');
  same(abs(rational(-1, 3)), rational(1, 3));
  same(max(rational(1, 3), 0.3), rational(1, 3));
  same(min(rational(1, 3), 0.3), num(0.3));
  same(max(rational(1, 3), rational(1, 2), x), max(rational(1, 2), x));
  same(min(rational(1, 3), NaN), num(NaN));
});

test('printing in every language', () => {
  const want: Record<Language, [string, string]> = {
    text: ['-(2/3)*x + 1/3', 'x^(1/2)'],
    sympy: ['-Rational(2, 3)*x + Rational(1, 3)', 'x**Rational(1, 2)'],
    js: ['-(2/3)*x + 1/3', 'x ** (1/2)'],
    mathematica: ['-(2/3)*x + 1/3', 'x^(1/2)'],
    latex: ['-\\frac{2}{3} x + \\frac{1}{3}', 'x^{\\frac{1}{2}}'],
  };
  for (const lang of LANGS) {
    assert.is(format(add(mul(rational(-2, 3), x), rational(1, 3)), lang), want[lang][0], lang);
    assert.is(format(pow(x, rational(1, 2)), lang), want[lang][1], lang);
    assert.is(format(mul(rational(5), x), lang), lang === 'latex' ? '5 x' : '5*x', lang);
  }
  const jsValue = new Function('x', `return ${format(add(mul(rational(-2, 3), x), rational(1, 3)), 'js')};`) as (v: number) => number;
  assert.is(jsValue(0.5), 0);
});

/** The float64 neighbours of v (next down, next up), for v finite and non-zero. */
function neighbours(v: number): [number, number] {
  const b = new Float64Array([v]);
  const u = new BigInt64Array(b.buffer);
  const bits = u[0]!;
  u[0] = bits - 1n;
  const a = b[0]!;
  u[0] = bits + 1n;
  const c = b[0]!;
  return v > 0 ? [a, c] : [c, a];
}

/** |p/q - exact(f)| as a comparable rational distance (numerator over q * 2^1100). */
function distance(p: bigint, q: bigint, f: number): bigint {
  const e = exact(f);
  const r = e.kind === 'num' && isRational(e.value) ? e.value : { num: 0n, den: 1n };
  const scale = 1n << 1100n;
  const d = (p * r.den - r.num * q) * scale / (q * r.den);
  return d < 0n ? -d : d;
}

test('evaluate rounds rationals to the nearest float', () => {
  assert.is(evaluate(exact(0.1), {}), 0.1);
  assert.is(evaluate(rational(1, 3), {}), 1 / 3);
  assert.is(evaluate(rational(-(2n ** 80n), 3n), {}), -(2 ** 80) / 3);
  assert.is(evaluate(add(mul(rational(1, 3), x), rational(2, 3)), { x: 2 }), 4 / 3);
  const r = rng(77);
  for (let k = 0; k < 300; k++) {
    const p = BigInt(Math.floor(r(1, 2 ** 53))) * 10n ** BigInt(Math.floor(r(0, 40)));
    const q = BigInt(Math.floor(r(1, 2 ** 53))) * 10n ** BigInt(Math.floor(r(0, 40)));
    const v = evaluate(rational(p, q), {});
    const [down, up] = neighbours(v);
    const dv = distance(p, q, v);
    assert.ok(dv <= distance(p, q, down) && dv <= distance(p, q, up), `${p}/${q} -> ${v} is not the nearest float`);
  }
});

test('SymPy reads the printed rationals back exactly', () => {
  if (spawnSync('/usr/bin/python3', ['-c', 'import sympy'], { encoding: 'utf8' }).status !== 0) {
    console.log('  (SymPy rational round-trip skipped: /usr/bin/python3 with sympy not available)');
    return;
  }
  const values = [exact(0.1), add(exact(0.1), exact(0.2)), rational(-22, 7), rational(2n ** 80n, 3n), exact(2 ** -1074), rational(7)];
  const exprs = [add(mul(rational(1, 3), x), rational(-5, 7)), pow(x, rational(3, 2))];
  const script = `
import json, sys
from sympy import Symbol, Rational
from sympy.parsing.sympy_parser import parse_expr
job = json.load(sys.stdin)
x = Symbol('x')
out = [str(parse_expr(t)) for t in job['values']]
e = parse_expr(job['exprs'][0], local_dict={'x': x})
out += [str(e.coeff(x)), str(e.subs(x, 0)), str(parse_expr(job['exprs'][1], local_dict={'x': x}).as_base_exp()[1])]
print(json.dumps(out))`;
  const input = JSON.stringify({ values: values.map((v) => format(v, 'sympy')), exprs: exprs.map((e) => format(e, 'sympy')) });
  const run = spawnSync('/usr/bin/python3', ['-c', script], { input, encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout), [...values.map((v) => format(v, 'text')), '1/3', '-5/7', '3/2']);
});

test.run();
