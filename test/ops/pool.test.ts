/** maxpool / avgpool (1d, 2d) and globalavgpool: shapes, errors, and the formula against direct loops. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorOf, near, oneLayer, prod, randoms, run, shapeOf } from './support.js';

interface Pool {
  kind: 'max' | 'avg';
  C: number;
  size: number[];
  k: number[];
  s: number[];
  p: number[];
}

/** Direct loops: padding is skipped (max: as -inf), the mean divides by the full kernel size. */
function poolRef(c: Pool, x: readonly number[]): { y: number[]; shape: number[] } {
  const rank = c.size.length;
  const outSize = c.size.map((n, a) => Math.floor((n + 2 * c.p[a]! - c.k[a]!) / c.s[a]!) + 1);
  const two = rank === 2;
  const [H, W] = [two ? c.size[0]! : 1, c.size[rank - 1]!];
  const [kH, kW] = [two ? c.k[0]! : 1, c.k[rank - 1]!];
  const [sH, sW] = [two ? c.s[0]! : 1, c.s[rank - 1]!];
  const [pH, pW] = [two ? c.p[0]! : 0, c.p[rank - 1]!];
  const [oH, oW] = [two ? outSize[0]! : 1, outSize[rank - 1]!];
  const y: number[] = [];
  for (let ch = 0; ch < c.C; ch++) {
    for (let oh = 0; oh < oH; oh++) {
      for (let ow = 0; ow < oW; ow++) {
        let acc = c.kind === 'max' ? -Infinity : 0;
        for (let rh = 0; rh < kH; rh++) {
          for (let rw = 0; rw < kW; rw++) {
            const h = oh * sH - pH + rh, v = ow * sW - pW + rw;
            if (h < 0 || h >= H || v < 0 || v >= W) continue;
            const e = x[(ch * H + h) * W + v]!;
            acc = c.kind === 'max' ? Math.max(acc, e) : acc + e;
          }
        }
        y.push(c.kind === 'max' ? acc : acc / (kH * kW));
      }
    }
  }
  return { y, shape: [c.C, ...outSize] };
}

const list = (v: number[]): string => (v.length === 1 ? String(v[0]) : `[${v.join(', ')}]`);
const yaml = (c: Pool): string =>
  oneLayer(`[${[c.C, ...c.size].join(', ')}]`, `type: ${c.kind}pool${c.size.length}d\nkernel: ${list(c.k)}\nstride: ${list(c.s)}\npadding: ${list(c.p)}`);

const geometries: [string, Omit<Pool, 'kind'>][] = [
  ['1d kernel 2', { C: 3, size: [11], k: [2], s: [2], p: [0] }],
  ['1d kernel 3 stride 2', { C: 3, size: [11], k: [3], s: [2], p: [0] }],
  ['1d kernel 3 stride 2 padding 1', { C: 3, size: [11], k: [3], s: [2], p: [1] }],
  ['1d kernel 4 stride 1 padding 2', { C: 2, size: [6], k: [4], s: [1], p: [2] }],
  ['1d kernel 3 stride 3 padding 1', { C: 2, size: [10], k: [3], s: [3], p: [1] }],
  ['2d kernel 2', { C: 3, size: [7, 8], k: [2, 2], s: [2, 2], p: [0, 0] }],
  ['2d kernel 3 stride 2 padding 1', { C: 3, size: [7, 8], k: [3, 3], s: [2, 2], p: [1, 1] }],
  ['2d rectangular', { C: 3, size: [7, 8], k: [2, 3], s: [1, 2], p: [1, 0] }],
  ['2d padding on the second axis', { C: 2, size: [5, 6], k: [3, 5], s: [2, 1], p: [0, 2] }],
  ['2d kernel 3 stride 1 padding 1', { C: 2, size: [4, 5], k: [3, 3], s: [1, 1], p: [1, 1] }],
];

for (const kind of ['max', 'avg'] as const) {
  geometries.forEach(([what, g], n) => {
    test(`${kind}pool: ${what} matches direct loops`, () => {
      const c = { kind, ...g };
      // all-negative inputs: padding taken as 0 instead of -inf would show in maxpool
      const x = randoms(c.C * prod(c.size), 200 + n).map((v) => v - 2);
      const got = run(yaml(c), x);
      const want = poolRef(c, x);
      assert.equal(got.shape, want.shape);
      assert.equal(Object.keys(got.params), []);
      near(got.y, want.y, what);
    });
  });
}

test('pool: output shapes; stride defaults to the kernel', () => {
  assert.equal(shapeOf(oneLayer('[3, 11]', 'type: maxpool1d\nkernel: 2')), [3, 5]);
  assert.equal(shapeOf(oneLayer('[3, 11]', 'type: avgpool1d\nkernel: 3\nstride: 2\npadding: 1')), [3, 6]);
  assert.equal(shapeOf(oneLayer('[3, 7, 8]', 'type: maxpool2d\nkernel: [2, 3]')), [3, 3, 2]);
  assert.equal(shapeOf(oneLayer('[3, 7, 8]', 'type: avgpool2d\nkernel: 2\nstride: 1')), [3, 6, 7]);
  assert.equal(shapeOf(oneLayer('[1, 8, 8]', 'type: maxpool2d\nkernel: 8')), [1, 1, 1]);
});

test('globalavgpool: the mean over every spatial axis', () => {
  for (const [shape, seed] of [[[3, 11], 1], [[3, 7, 8], 2], [[2, 3, 4, 5], 3], [[4, 1], 4]] as const) {
    const [C, ...sp] = shape;
    const n = prod(sp);
    const x = randoms(C * n, seed);
    const got = run(oneLayer(`[${shape.join(', ')}]`, 'type: globalavgpool'), x);
    assert.equal(got.shape, [C]);
    const want = Array.from({ length: C }, (_, c) => x.slice(c * n, (c + 1) * n).reduce((a, b) => a + b, 0) / n);
    near(got.y, want, `globalavgpool ${shape.join('x')}`);
  }
});

const errors: [string, string, RegExp][] = [
  ['rank', oneLayer('[3, 4, 5]', 'type: maxpool1d\nkernel: 2'), /^net\.yaml:5:5: layer "l": expected input of shape \[C, L\] \(rank 2\), got \[3, 4, 5\]$/],
  ['rank 2d', oneLayer('[12]', 'type: avgpool2d\nkernel: 2'), /layer "l": expected input of shape \[C, H, W\] \(rank 3\), got \[12\]$/],
  [
    'padding more than half the kernel',
    oneLayer('[3, 11]', 'type: maxpool1d\nkernel: 3\npadding: 2'),
    /layer "l": padding 2 on axis 1 is more than half the kernel 3 \(at most 1, as in PyTorch\)$/,
  ],
  [
    'padding on axis 2',
    oneLayer('[3, 8, 8]', 'type: avgpool2d\nkernel: [4, 2]\npadding: [2, 2]'),
    /layer "l": padding 2 on axis 2 is more than half the kernel 2 \(at most 1, as in PyTorch\)$/,
  ],
  ['input too small', oneLayer('[3, 4]', 'type: avgpool1d\nkernel: 5'), /layer "l": input size 4 on axis 1 is too small for kernel 5 and padding 0: output size would be 0$/],
  ['stride list length', oneLayer('[3, 8, 8]', 'type: maxpool2d\nkernel: 2\nstride: [1, 1, 1]'), /layer "l": stride: expected 1 value or 2 \(one per spatial axis\), got 3/],
  ['stride 0', oneLayer('[3, 8]', 'type: maxpool1d\nkernel: 2\nstride: 0'), /layer "l": stride: expected values >= 1, got 0$/],
  ['missing kernel', oneLayer('[3, 8]', 'type: maxpool1d'), /layer "l": missing required key "kernel"/],
  ['unknown key', oneLayer('[3, 8]', 'type: avgpool1d\nkernel: 2\ndilation: 2'), /layer "l": layer: unknown key "dilation"/],
  ['int input', oneLayer('{shape: [3, 8], dtype: int}', 'type: maxpool1d\nkernel: 2'), /layer "l": expected a float input, got an int tensor/],
  ['globalavgpool rank 1', oneLayer('[5]', 'type: globalavgpool'), /layer "l": expected input of shape \[C, \.\.\.spatial\] \(rank >= 2\), got \[5\]$/],
];

for (const [what, text, re] of errors) {
  test(`pool error: ${what}`, () => {
    const m = errorOf(text);
    assert.match(m, re, m);
  });
}

test.run();
