/**
 * The numeric modules' own exp / tanh / sigmoid (runtime/scalar.ts) against 200-bit mpmath
 * values rounded to float64 (test/fixtures/scalar/make_scalar.py): within 2 ulps where the
 * result is a normal number, exact at the edges (0, overflow, NaN).
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expAll, expNum, sigmoidAll, sigmoidNum, tanhAll, tanhNum } from '@layergen/runtime';
import { repo } from '../helpers.js';

interface Point {
  readonly x: number;
  readonly exp: number | 'Infinity';
  readonly tanh: number;
  readonly sigmoid: number;
}
const { points } = JSON.parse(readFileSync(repo('test/fixtures/scalar/scalar.json'), 'utf8')) as { points: Point[] };
const value = (v: number | 'Infinity'): number => (v === 'Infinity' ? Infinity : v);

/** Distance in units in the last place of `want` (2^-52 of its binade; subnormals: absolute). */
function ulps(got: number, want: number): number {
  if (got === want) return 0;
  if (!Number.isFinite(want) || !Number.isFinite(got)) return Infinity;
  const binade = Math.max(2 ** Math.floor(Math.log2(Math.abs(want))), 2 ** -1022);
  return Math.abs(got - want) / (binade * Number.EPSILON);
}

const FNS = { exp: expNum, tanh: tanhNum, sigmoid: sigmoidNum } as const;

for (const [name, f] of Object.entries(FNS) as [keyof typeof FNS, (x: number) => number][]) {
  test(`${name}Num is within 2 ulps of mpmath on ${points.length} points`, () => {
    let worst = 0;
    let at = NaN;
    for (const p of points) {
      const u = ulps(f(p.x), value(p[name]));
      if (u > worst) [worst, at] = [u, p.x];
    }
    assert.ok(worst <= 2, `${name}Num(${at}) is ${worst.toFixed(2)} ulps off (${f(at)} vs mpmath)`);
  });
}

test('edges: signed zeros, infinities and NaN', () => {
  assert.ok(Object.is(tanhNum(-0), -0) && Object.is(tanhNum(0), 0));
  assert.is(expNum(0), 1);
  assert.is(sigmoidNum(0), 0.5);
  assert.is(expNum(Infinity), Infinity);
  assert.is(expNum(-Infinity), 0);
  assert.is(tanhNum(Infinity), 1);
  assert.is(tanhNum(-Infinity), -1);
  assert.is(sigmoidNum(Infinity), 1);
  assert.is(sigmoidNum(-Infinity), 0);
  for (const f of Object.values(FNS)) assert.ok(Number.isNaN(f(NaN)));
});

test('bulk forms equal the scalar functions, in float64 and (rounded once) in float32', () => {
  const xs = points.map((p) => p.x).filter((x) => Math.abs(x) < 80);
  const bulk = [
    [expAll, expNum],
    [tanhAll, tanhNum],
    [sigmoidAll, sigmoidNum],
  ] as const;
  for (const [all, one] of bulk) {
    const a = Float64Array.from(xs);
    all(a, 3, xs.length - 5);
    xs.forEach((x, i) => assert.is(a[i], i >= 3 && i < xs.length - 5 ? one(x) : x));
    const b = Float32Array.from(xs);
    all(b, 0, xs.length);
    xs.forEach((x, i) => assert.is(b[i], Math.fround(one(Math.fround(x)))));
  }
});

test.run();
