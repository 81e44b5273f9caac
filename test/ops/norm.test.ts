/** batchnorm (inference) and layernorm: shapes, parameters, errors, and the formula against direct loops. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getOp } from '../../compiler/ops/registry.js';
import { errorOf, near, oneLayer, prod, randoms, run, shapeOf } from './support.js';

const flow = (v: readonly number[]): string => `[${v.join(', ')}]`;
const paramLines = (ps: Record<string, readonly number[]>): string =>
  `params:\n${Object.entries(ps)
    .map(([k, v]) => `  ${k}: ${flow(v)}`)
    .join('\n')}`;

/** y = (x - mean[c]) / sqrt(var[c] + eps) * w[c] + b[c], channel c = axis 0. */
function batchnormRef(shape: readonly number[], x: readonly number[], ps: Record<string, readonly number[]>, eps: number): number[] {
  const per = prod(shape.slice(1));
  return x.map((v, i) => {
    const c = Math.floor(i / per);
    const y = (v - ps.running_mean![c]!) / Math.sqrt(ps.running_var![c]! + eps);
    return ps.weight ? y * ps.weight[c]! + ps.bias![c]! : y;
  });
}

/** Per row of the last axis: mean, biased variance, then normalise (and scale/shift per element). */
function layernormRef(shape: readonly number[], x: readonly number[], ps: Record<string, readonly number[]>, eps: number): number[] {
  const n = shape[shape.length - 1]!;
  const y: number[] = [];
  for (let row = 0; row < x.length / n; row++) {
    const xs = x.slice(row * n, (row + 1) * n);
    let mean = 0;
    for (const v of xs) mean += v;
    mean /= n;
    let variance = 0;
    for (const v of xs) variance += (v - mean) * (v - mean);
    variance /= n;
    xs.forEach((v, j) => {
      const z = (v - mean) / Math.sqrt(variance + eps);
      y.push(ps.weight ? z * ps.weight[j]! + ps.bias![j]! : z);
    });
  }
  return y;
}

const bnCases: [number[], number, boolean][] = [
  [[6], 1e-5, true],
  [[4, 5], 1e-5, true],
  [[3, 4, 5], 1e-5, true],
  [[2, 3, 2, 2], 1e-5, true],
  [[4, 5], 0.5, true],
  [[3, 4, 5], 1e-3, false],
];

bnCases.forEach(([shape, eps, affine], n) => {
  test(`batchnorm: ${flow(shape)} eps ${eps}${affine ? '' : ' no affine'} matches direct loops`, () => {
    const C = shape[0]!;
    const r = randoms(4 * C, 300 + n);
    const ps: Record<string, number[]> = {
      running_mean: r.slice(0, C),
      running_var: r.slice(C, 2 * C).map((v) => v + 1.5),
      ...(affine ? { weight: r.slice(2 * C, 3 * C).map((v) => v * 2), bias: r.slice(3 * C) } : {}),
    };
    const x = randoms(prod(shape), 400 + n).map((v) => 3 * v);
    const text = oneLayer(flow(shape), `type: batchnorm\neps: ${eps}\naffine: ${affine}\n${paramLines(ps)}`, '');
    const got = run(text, x);
    assert.equal(got.shape, shape);
    near(got.y, batchnormRef(shape, x, ps, eps), 'batchnorm');
  });
});

const lnCases: [number[], number, boolean][] = [
  [[6], 1e-5, true],
  [[3, 5], 1e-5, true],
  [[2, 3, 4], 1e-5, true],
  [[5], 0.1, true],
  [[3, 5], 1e-5, false],
  [[4, 1], 1e-5, true],
];

lnCases.forEach(([shape, eps, affine], n) => {
  test(`layernorm: ${flow(shape)} eps ${eps}${affine ? '' : ' no affine'} matches direct loops`, () => {
    const N = shape[shape.length - 1]!;
    const r = randoms(2 * N, 500 + n);
    const ps: Record<string, number[]> = affine ? { weight: r.slice(0, N).map((v) => v + 1), bias: r.slice(N) } : {};
    const x = randoms(prod(shape), 600 + n).map((v) => 5 * v + 2);
    const text = oneLayer(flow(shape), `type: layernorm\neps: ${eps}\naffine: ${affine}\n${affine ? paramLines(ps) : ''}`, '');
    const got = run(text, x);
    assert.equal(got.shape, shape);
    near(got.y, layernormRef(shape, x, ps, eps), 'layernorm');
  });
});

test('norm: parameter shapes and PyTorch init kinds', () => {
  const f = (shape: number[]) => [{ shape, dtype: 'float' as const }];
  assert.equal(getOp('batchnorm').params!({ eps: 1e-5, affine: true }, f([3, 4, 5])), {
    weight: { shape: [3], fanIn: 1, init: 'ones' },
    bias: { shape: [3], fanIn: 1, init: 'zeros' },
    running_mean: { shape: [3], fanIn: 1, init: 'zeros' },
    running_var: { shape: [3], fanIn: 1, init: 'ones' },
  });
  assert.equal(Object.keys(getOp('batchnorm').params!({ eps: 1e-5, affine: false }, f([3]))), ['running_mean', 'running_var']);
  assert.equal(getOp('layernorm').params!({ eps: 1e-5, affine: true }, f([2, 7])), {
    weight: { shape: [7], fanIn: 1, init: 'ones' },
    bias: { shape: [7], fanIn: 1, init: 'zeros' },
  });
  assert.equal(getOp('layernorm').params!({ eps: 1e-5, affine: false }, f([2, 7])), {});
});

test('norm: shapes pass through', () => {
  assert.equal(shapeOf(oneLayer('[3, 4, 5]', 'type: layernorm')), [3, 4, 5]);
  assert.equal(shapeOf(oneLayer('[3, 4, 5]', 'type: batchnorm')), [3, 4, 5]);
});

const errors: [string, string, RegExp][] = [
  [
    'batchnorm rank 5',
    oneLayer('[2, 2, 2, 2, 2]', 'type: batchnorm'),
    /^net\.yaml:5:5: layer "l": expected input of shape \[C\], \[C, L\], \[C, H, W\] or \[C, D, H, W\] \(rank 1 to 4\), got \[2, 2, 2, 2, 2\]$/,
  ],
  ['batchnorm int input', oneLayer('{shape: [3], dtype: int}', 'type: batchnorm'), /layer "l": expected a float input, got an int tensor of shape \[3\]$/],
  ['layernorm int input', oneLayer('{shape: [3], dtype: int}', 'type: layernorm'), /layer "l": expected a float input, got an int tensor of shape \[3\]$/],
  ['negative eps', oneLayer('[3]', 'type: layernorm\neps: -1'), /layer "l": eps: expected a number >= 0, got -1$/],
  ['wrong param shape', oneLayer('[3, 4]', 'type: batchnorm\nparams:\n  running_var: [1, 1]'), /layer "l": .*running_var.*expected shape \[3\], got \[2\]$/],
  ['weight without affine', oneLayer('[3]', 'type: layernorm\naffine: false\nparams:\n  weight: [1, 1, 1]'), /layer "l": .*unexpected parameter "weight"/],
];

for (const [what, text, re] of errors) {
  test(`norm error: ${what}`, () => {
    const m = errorOf(text);
    assert.match(m, re, m);
  });
}

test.run();
