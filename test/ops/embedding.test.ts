/** embedding: shapes, errors, the formula against a direct lookup, and NaN for out-of-range indices. */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getOp } from '../../compiler/ops/registry.js';
import { compileAndImport, ROOT, tempDir } from '../helpers.js';
import { errorOf, near, oneLayer, run, shapeOf } from './support.js';

const net = (shape: string, vocab = 7, units = 3): string =>
  oneLayer(`{shape: ${shape}, dtype: int}`, `type: embedding\nvocab: ${vocab}\nunits: ${units}`);

/** Row t of weight for each index; NaN rows for indices outside 0..vocab-1. */
function lookup(tokens: readonly number[], w: ArrayLike<number>, vocab: number, units: number): number[] {
  return tokens.flatMap((t) => Array.from({ length: units }, (_, j) => (t >= 0 && t < vocab ? w[t * units + j]! : NaN)));
}

test('embedding: rank 1 and rank 2 index tensors look up rows of weight', () => {
  for (const [shape, tokens] of [
    ['[5]', [1, 6, 0, 2, 6]],
    ['[2, 3]', [3, 0, 5, 5, 1, 4]],
    ['[1]', [0]],
  ] as const) {
    const got = run(net(shape), tokens);
    assert.equal(got.shape, [...JSON.parse(shape), 3]);
    assert.equal(got.params.weight!.shape, [7, 3]);
    near(got.y, lookup(tokens, got.params.weight!.data, 7, 3), `embedding ${shape}`);
  }
});

test('embedding: an out-of-range index gives a row of NaN (reference interpreter)', () => {
  const tokens = [2, 7, -1, 0];
  const got = run(net('[4]'), tokens);
  const want = lookup(tokens, got.params.weight!.data, 7, 3);
  assert.equal(got.y.map(Number.isNaN), want.map(Number.isNaN));
  assert.equal(got.y.filter((v) => !Number.isNaN(v)), want.filter((v) => !Number.isNaN(v)));
});

test('embedding: numeric, gpu and symbolic modules also give NaN rows for out-of-range indices', async () => {
  const dir = tempDir('embedding');
  const file = join(dir, 'net.yaml');
  writeFileSync(file, net('[3]', 4, 2));
  const rel = relative(ROOT, file);
  const nanRows = [false, false, true, true, false, false];
  const x = { x: [3, 4, 0] };
  type Out = Record<string, ArrayLike<number>>;
  const numeric = await compileAndImport<{ predict(i: object): Out }>(rel, 'numeric');
  const want = Array.from(numeric.predict(x).l!);
  assert.equal(want.map(Number.isNaN), nanRows);
  const gpu = await compileAndImport<{ predict(i: object): Promise<Out>; dispose(): Promise<void> }>(rel, 'gpu');
  const g = Array.from((await gpu.predict(x)).l!);
  await gpu.dispose();
  assert.equal(g.map(Number.isNaN), nanRows);
  near(g.map((v) => (Number.isNaN(v) ? 0 : v)), want.map((v) => (Number.isNaN(v) ? 0 : v)), 'gpu', 1e-6);
  const sym = await compileAndImport<{ predict(i: object): Record<string, unknown[]>; evaluate(e: unknown, env: object): number }>(rel, 'symbolic');
  const s = sym.predict(x).l!.map((e) => sym.evaluate(e, {}));
  assert.equal(s.map(Number.isNaN), nanRows);
});

test('embedding: shapes and the parameter (seeded uniform(-1, 1); PyTorch draws N(0, 1))', () => {
  assert.equal(shapeOf(net('[2, 3, 4]', 10, 8)), [2, 3, 4, 8]);
  assert.equal(getOp('embedding').params!({ vocab: 10, units: 8 }, [{ shape: [5], dtype: 'int' }]), { weight: { shape: [10, 8], fanIn: 1 } });
});

const errors: [string, string, RegExp][] = [
  [
    'float input',
    oneLayer('[5]', 'type: embedding\nvocab: 4\nunits: 2'),
    /^net\.yaml:5:5: layer "l": expected an int input of token indices \(an input with dtype: int\), got a float tensor of shape \[5\]$/,
  ],
  ['vocab 0', net('[5]', 0), /layer "l": vocab: expected an integer >= 1, got 0$/],
  ['missing units', oneLayer('{shape: [5], dtype: int}', 'type: embedding\nvocab: 4'), /layer "l": missing required key "units"/],
  ['wrong weight shape', oneLayer('{shape: [2], dtype: int}', 'type: embedding\nvocab: 2\nunits: 2\nparams:\n  weight: [[1, 2]]'), /layer "l": .*weight.*expected shape \[2, 2\], got \[1, 2\]$/],
];

for (const [what, text, re] of errors) {
  test(`embedding error: ${what}`, () => {
    const m = errorOf(text);
    assert.match(m, re, m);
  });
}

test.run();
