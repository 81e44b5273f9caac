/**
 * slice: output shapes and values against Python's slicing rules (negative bounds, clamping,
 * steps) through the reference interpreter, and shape errors with their file:line:col.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorOf, near, oneLayer, prod, randoms, run, shapeOf } from './support.js';

/** Python's `range(n)[start:end:step]` for step >= 1. */
function pyRange(n: number, start = 0, end = n, step = 1): number[] {
  const b = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const out: number[] = [];
  for (let i = b(start); i < b(end); i += step) out.push(i);
  return out;
}

const keys = (k: { axis: number; start?: number; end?: number; step?: number }): string =>
  ['type: slice', ...Object.entries(k).map(([name, v]) => `${name}: ${v}`)].join('\n');

const cases = [
  { shape: [5, 3], k: { axis: 0, start: 1, end: 4 } },
  { shape: [3, 7], k: { axis: -1, start: -5, end: -1 } },
  { shape: [2, 7, 3], k: { axis: 1, start: 1, step: 2 } },
  { shape: [2, 7, 3], k: { axis: -3, end: 1 } },
  { shape: [4, 6], k: { axis: 1, start: -100, end: 100, step: 4 } },
  { shape: [4, 6], k: { axis: 1, start: 5 } },
  { shape: [9], k: { axis: 0, start: 2, end: -2, step: 3 } },
];

for (const { shape, k } of cases) {
  test(`slice ${JSON.stringify(k)} of [${shape.join(', ')}]`, () => {
    const axis = k.axis < 0 ? k.axis + shape.length : k.axis;
    const idx = pyRange(shape[axis]!, k.start, k.end, k.step);
    const outShape = shape.map((d, i) => (i === axis ? idx.length : d));
    const text = oneLayer(`[${shape.join(', ')}]`, keys(k));
    assert.equal(shapeOf(text), outShape);
    const x = randoms(prod(shape), 3);
    const inner = prod(shape.slice(axis + 1));
    const want: number[] = [];
    for (let o = 0; o < prod(shape.slice(0, axis)); o++) {
      for (const i of idx) for (let r = 0; r < inner; r++) want.push(x[(o * shape[axis]! + i) * inner + r]!);
    }
    near(run(text, x).y, want, 'slice');
  });
}

const errors: [string, string, RegExp][] = [
  ['empty result', oneLayer('[3, 4]', 'type: slice\naxis: 1\nstart: 3\nend: 1'), /^net\.yaml:5:5: layer "l": slice 3:1:1 of axis 1 \(size 4\) of \[3, 4\] selects no elements$/],
  ['start past the end', oneLayer('[3, 4]', 'type: slice\naxis: -1\nstart: 4'), /^net\.yaml:5:5: layer "l": slice 4::1 of axis 1 \(size 4\) of \[3, 4\] selects no elements$/],
  ['step 0', oneLayer('[3, 4]', 'type: slice\naxis: 1\nstep: 0'), /^net\.yaml:\d+:\d+: layer "l": step: expected an integer >= 1, got 0$/],
  ['axis out of range', oneLayer('[3, 4]', 'type: slice\naxis: 2'), /^net\.yaml:5:5: layer "l": axis 2 is out of range for an input of rank 2 \(valid: -2\.\.1\)$/],
  ['missing axis', oneLayer('[3, 4]', 'type: slice\nstart: 1'), /^net\.yaml:5:5: layer "l": missing required key "axis"/],
];

for (const [what, text, re] of errors) {
  test(`slice error: ${what}`, () => {
    const m = errorOf(text);
    assert.match(m, re, m);
  });
}

test.run();
