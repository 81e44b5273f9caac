/** conv1d / conv2d: shape rules, errors, and the formula (reference interpreter) against direct loops. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getOp } from '../../compiler/ops/registry.js';
import { errorOf, near, oneLayer, prod, randoms, run, shapeOf } from './support.js';

interface Conv {
  C: number;
  size: number[];
  out: number;
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  g: number;
  bias: boolean;
}

/** y[o, ...] by direct loops over the output, the group's input channels and the kernel taps. */
function convRef(c: Conv, x: readonly number[], w: ArrayLike<number>, bias: ArrayLike<number> | undefined): { y: number[]; shape: number[] } {
  const rank = c.size.length;
  const outSize = c.size.map((n, a) => Math.floor((n + 2 * c.p[a]! - c.d[a]! * (c.k[a]! - 1) - 1) / c.s[a]!) + 1);
  const cin = c.C / c.g;
  const cout = c.out / c.g;
  const H = rank === 2 ? c.size[0]! : 1, W = c.size[rank - 1]!;
  const kH = rank === 2 ? c.k[0]! : 1, kW = c.k[rank - 1]!;
  const sH = rank === 2 ? c.s[0]! : 1, sW = c.s[rank - 1]!;
  const pH = rank === 2 ? c.p[0]! : 0, pW = c.p[rank - 1]!;
  const dH = rank === 2 ? c.d[0]! : 1, dW = c.d[rank - 1]!;
  const oH = rank === 2 ? outSize[0]! : 1, oW = outSize[rank - 1]!;
  const y: number[] = [];
  for (let o = 0; o < c.out; o++) {
    const group = Math.floor(o / cout);
    for (let oh = 0; oh < oH; oh++) {
      for (let ow = 0; ow < oW; ow++) {
        let acc = bias ? bias[o]! : 0;
        for (let ci = 0; ci < cin; ci++) {
          const chan = group * cin + ci;
          for (let rh = 0; rh < kH; rh++) {
            for (let rw = 0; rw < kW; rw++) {
              const h = oh * sH - pH + rh * dH;
              const v = ow * sW - pW + rw * dW;
              if (h < 0 || h >= H || v < 0 || v >= W) continue;
              acc += w[((o * cin + ci) * kH + rh) * kW + rw]! * x[(chan * H + h) * W + v]!;
            }
          }
        }
        y.push(acc);
      }
    }
  }
  return { y, shape: [c.out, ...outSize] };
}

const list = (v: number[]): string => (v.length === 1 ? String(v[0]) : `[${v.join(', ')}]`);

function yaml(c: Conv): string {
  return oneLayer(
    `[${[c.C, ...c.size].join(', ')}]`,
    `type: conv${c.size.length}d
channels: ${c.out}
kernel: ${list(c.k)}
stride: ${list(c.s)}
padding: ${list(c.p)}
dilation: ${list(c.d)}
groups: ${c.g}
bias: ${c.bias}`,
  );
}

const base1: Conv = { C: 4, size: [10], out: 6, k: [3], s: [1], p: [0], d: [1], g: 1, bias: true };
const base2: Conv = { C: 4, size: [7, 8], out: 6, k: [3, 3], s: [1, 1], p: [0, 0], d: [1, 1], g: 1, bias: true };
const cases: [string, Conv][] = [
  ['1d plain', base1],
  ['1d stride 2, padding 1', { ...base1, s: [2], p: [1] }],
  ['1d dilation 2, padding 2', { ...base1, d: [2], p: [2] }],
  ['1d groups 2', { ...base1, g: 2 }],
  ['1d depthwise x2, kernel 5, padding 2', { ...base1, out: 8, g: 4, k: [5], p: [2] }],
  ['1d mixed', { ...base1, k: [4], s: [3], p: [2], d: [2], g: 2 }],
  ['1d no bias, kernel 1', { ...base1, k: [1], bias: false }],
  ['1d window exactly the input', { ...base1, size: [5], k: [3], d: [2] }],
  ['1d padding larger than the kernel', { ...base1, k: [2], p: [3], s: [2] }],
  ['2d plain', base2],
  ['2d stride 2, padding 1', { ...base2, s: [2, 2], p: [1, 1] }],
  ['2d rectangular kernel and stride', { ...base2, k: [3, 2], s: [2, 1] }],
  ['2d dilation 2, groups 2', { ...base2, d: [2, 2], g: 2 }],
  ['2d mixed per-axis', { ...base2, k: [2, 3], s: [1, 2], p: [1, 0], d: [2, 1], g: 2 }],
  ['2d depthwise, padding 2, no bias', { ...base2, out: 4, g: 4, p: [2, 2], bias: false }],
  ['2d padding on one axis only', { ...base2, C: 3, out: 2, p: [0, 2], s: [3, 1] }],
];

cases.forEach(([what, c], n) => {
  test(`conv: ${what} matches direct loops`, () => {
    const x = randoms(c.C * prod(c.size), 100 + n);
    const got = run(yaml(c), x);
    const want = convRef(c, x, got.params.weight!.data, c.bias ? got.params.bias!.data : undefined);
    assert.equal(got.shape, want.shape);
    assert.equal(Object.keys(got.params).sort(), c.bias ? ['bias', 'weight'] : ['weight']);
    assert.equal(got.params.weight!.shape, [c.out, c.C / c.g, ...c.k]);
    near(got.y, want.y, what);
  });
});

test('conv: output shapes', () => {
  const c2 = (keys: string, input = '[3, 32, 32]'): number[] => shapeOf(oneLayer(input, `type: conv2d\nchannels: 16\n${keys}`));
  assert.equal(c2('kernel: 3'), [16, 30, 30]);
  assert.equal(c2('kernel: 3\npadding: 1'), [16, 32, 32]);
  assert.equal(c2('kernel: 3\npadding: 1\nstride: 2'), [16, 16, 16]);
  assert.equal(c2('kernel: 3\ndilation: 2'), [16, 28, 28]);
  assert.equal(c2('kernel: [5, 1]\nstride: [1, 4]'), [16, 28, 8]);
  assert.equal(c2('kernel: 32'), [16, 1, 1]);
  assert.equal(shapeOf(oneLayer('[4, 10]', 'type: conv1d\nchannels: 2\nkernel: 4\nstride: 3\npadding: 2\ndilation: 2')), [2, 3]);
});

test('conv: parameters and their fan-in (PyTorch init bound 1/sqrt(in/groups * prod(kernel)))', () => {
  const op = getOp('conv2d');
  const attrs = { channels: 6, kernel: [3, 2], stride: [1], padding: [0], dilation: [1], groups: 2, bias: true };
  assert.equal(op.params!(attrs, [{ shape: [4, 7, 8], dtype: 'float' }]), {
    weight: { shape: [6, 2, 3, 2], fanIn: 12 },
    bias: { shape: [6], fanIn: 12 },
  });
  const bound = 1 / Math.sqrt(12);
  const { params } = run(oneLayer('[4, 7, 8]', 'type: conv2d\nchannels: 6\nkernel: [3, 2]\ngroups: 2'), randoms(4 * 56, 1));
  for (const v of [...params.weight!.data, ...params.bias!.data]) assert.ok(Math.abs(v) <= bound);
});

const errors: [string, string, RegExp][] = [
  ['rank', oneLayer('[3, 4, 5]', 'type: conv1d\nchannels: 2\nkernel: 3'), /^net\.yaml:5:5: layer "l": expected input of shape \[C, L\] \(rank 2\), got \[3, 4, 5\]$/],
  ['rank 2d', oneLayer('[3, 4]', 'type: conv2d\nchannels: 2\nkernel: 3'), /layer "l": expected input of shape \[C, H, W\] \(rank 3\), got \[3, 4\]$/],
  ['in channels vs groups', oneLayer('[3, 8]', 'type: conv1d\nchannels: 4\nkernel: 3\ngroups: 2'), /layer "l": in channels 3 is not divisible by groups 2$/],
  ['out channels vs groups', oneLayer('[4, 8]', 'type: conv1d\nchannels: 3\nkernel: 3\ngroups: 2'), /layer "l": out channels 3 is not divisible by groups 2$/],
  ['kernel list length', oneLayer('[3, 8, 8]', 'type: conv2d\nchannels: 2\nkernel: [1, 2, 3]'), /layer "l": kernel: expected 1 value or 2 \(one per spatial axis\), got 3: \[1, 2, 3\]$/],
  ['kernel list length 1d', oneLayer('[3, 8]', 'type: conv1d\nchannels: 2\nkernel: [3, 3]'), /layer "l": kernel: expected 1 value, got 2: \[3, 3\]$/],
  ['kernel 0', oneLayer('[3, 8]', 'type: conv1d\nchannels: 2\nkernel: 0'), /layer "l": kernel: expected values >= 1, got 0$/],
  ['stride 0', oneLayer('[3, 8, 8]', 'type: conv2d\nchannels: 2\nkernel: 3\nstride: [1, 0]'), /layer "l": stride: expected values >= 1, got 0$/],
  ['negative padding', oneLayer('[3, 8]', 'type: conv1d\nchannels: 2\nkernel: 3\npadding: -1'), /layer "l": padding: expected values >= 0, got -1$/],
  ['dilation 0', oneLayer('[3, 8]', 'type: conv1d\nchannels: 2\nkernel: 3\ndilation: 0'), /layer "l": dilation: expected values >= 1, got 0$/],
  [
    'input too small',
    oneLayer('[3, 2]', 'type: conv1d\nchannels: 2\nkernel: 3'),
    /layer "l": input size 2 on axis 1 is too small for kernel 3 and padding 0: output size would be 0$/,
  ],
  [
    'input too small with dilation',
    oneLayer('[3, 9, 4]', 'type: conv2d\nchannels: 2\nkernel: 3\ndilation: 2'),
    /layer "l": input size 4 on axis 2 is too small for kernel 3 with dilation 2 \(span 5\) and padding 0: output size would be 0$/,
  ],
  ['int input', oneLayer('{shape: [3, 8], dtype: int}', 'type: conv1d\nchannels: 2\nkernel: 3'), /layer "l": expected a float input, got an int tensor of shape \[3, 8\]$/],
  ['missing kernel', oneLayer('[3, 8]', 'type: conv1d\nchannels: 2'), /layer "l": missing required key "kernel"/],
  ['missing channels', oneLayer('[3, 8]', 'type: conv1d\nkernel: 2'), /layer "l": missing required key "channels"/],
  ['groups 0', oneLayer('[3, 8]', 'type: conv1d\nchannels: 2\nkernel: 2\ngroups: 0'), /layer "l": groups: expected an integer >= 1, got 0$/],
];

for (const [what, text, re] of errors) {
  test(`conv error: ${what}`, () => {
    const m = errorOf(text);
    assert.match(m, re, m);
  });
}

test.run();
