/**
 * Inputs and outputs whose batch axis is not the first (`batch_axis` in net.yaml, written by the
 * ONNX importer for a state [2, batch, 64]): predictBatch, predictBatchParallel and the gpu
 * module's predictBatch take and return them in that layout, flat or nested. The reference is
 * predict, one example at a time (where every layout agrees), rearranged here by index.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { compileAndImport, mismatch, repo, tempDir } from '../helpers.js';
import { gpuImport } from './gpujs/load.js';
import { errorOf } from '../ops/support.js';

const YAML = `name: batch_axes
inputs:
  h: {shape: [2, 3], batch_axis: 1}
  x: [3]
layers:
  - name: fc
    type: linear
    input: h
    units: 4
  - name: y
    type: linear
    input: x
    units: 2
outputs:
  - {name: fc, batch_axis: 1}
  - y
seed: 3
`;

type Out = Record<string, ArrayLike<number>>;
interface Module {
  predict(inputs: Record<string, unknown>): Out;
  predictBatch(inputs: Record<string, unknown>, batch: number): Out;
  predictBatchParallel(inputs: Record<string, unknown>, batch: number, o: { workers: number; minPerWorker: number }): Promise<Out>;
}

const dir = tempDir('batch-axes');
writeFileSync(join(dir, 'batch_axes.yaml'), YAML);
const NET = relative(repo(), join(dir, 'batch_axes.yaml'));

const B = 5;
// h in its own layout [2, B, 3]; x batch-first [B, 3].
const h = Array.from({ length: 2 * B * 3 }, (_, i) => Math.sin(i * 0.7 + 0.2));
const x = Array.from({ length: B * 3 }, (_, i) => Math.cos(i * 0.3));
const hAt = (o: number, b: number, k: number): number => h[(o * B + b) * 3 + k]!;

/** The expected fc in layout [2, B, 4] and y in [B, 2], from predict on each example. */
async function expected(predict: (i: Record<string, unknown>) => Out | Promise<Out>): Promise<{ fc: number[]; y: number[] }> {
  const fc = new Array<number>(2 * B * 4);
  const y = new Array<number>(B * 2);
  for (let b = 0; b < B; b++) {
    const r = await predict({ h: Array.from({ length: 6 }, (_, i) => hAt(Math.floor(i / 3), b, i % 3)), x: x.slice(b * 3, b * 3 + 3) });
    for (let o = 0; o < 2; o++) for (let u = 0; u < 4; u++) fc[(o * B + b) * 4 + u] = r.fc![o * 4 + u]!;
    for (let u = 0; u < 2; u++) y[b * 2 + u] = r.y![u]!;
  }
  return { fc, y };
}

test('numeric: predictBatch and predictBatchParallel take h as [2, batch, 3] (flat or nested) and return fc as [2, batch, 4]', async () => {
  const m = await compileAndImport<Module>(NET, 'numeric');
  const want = await expected((i) => m.predict(i));
  const nested = Array.from({ length: 2 }, (_, o) => Array.from({ length: B }, (_, b) => [0, 1, 2].map((k) => hAt(o, b, k))));
  const runs: [string, Out][] = [
    ['flat', m.predictBatch({ h, x }, B)],
    ['nested', m.predictBatch({ h: nested, x }, B)],
    ['parallel', await m.predictBatchParallel({ h, x }, B, { workers: 2, minPerWorker: 1 })],
  ];
  for (const [how, r] of runs) {
    assert.is(mismatch(r.fc!, want.fc, 1e-12, 1e-300, `${how} fc`), null);
    assert.is(mismatch(r.y!, want.y, 1e-12, 1e-300, `${how} y`), null);
  }
  // A batch-first nested h has the wrong shape, and the error gives the layout.
  const batchFirst = Array.from({ length: B }, (_, b) => [0, 1].map((o) => [0, 1, 2].map((k) => hAt(o, b, k))));
  assert.throws(() => m.predictBatch({ h: batchFirst, x }, B), /input "h": expected shape \[2, 5, 3\]/);
});

test('gpu: predictBatch in the same layouts', async () => {
  const m = await gpuImport({ yaml: YAML, name: 'batch_axes' }, 'js');
  const want = await expected((i) => m.predict(i));
  const r = await m.predictBatch({ h, x }, B);
  assert.is(mismatch(r.fc!, want.fc, 1e-5, 1, 'gpu fc'), null);
  assert.is(mismatch(r.y!, want.y, 1e-5, 1, 'gpu y'), null);
  await m.dispose();
});


test('batch_axis out of range or misplaced: clear errors with places', () => {
  assert.match(errorOf(YAML.replace('batch_axis: 1}', 'batch_axis: 3}')), /^net\.yaml:3:\d+: input "h": batch_axis must be in 0\.\.2 \(the shape has 2 axes\), got 3$/);
  assert.match(errorOf(YAML.replace('{name: fc, batch_axis: 1}', '{name: fc, batch_axis: 3}')), /^net\.yaml:15:\d+: output "fc": batch_axis must be in 0\.\.2 \(the layer's output has 2 axes\), got 3$/);
  assert.match(errorOf(YAML.replace('{name: fc, batch_axis: 1}', '{name: fc, axis: 1}')), /net\.yaml:15:\d+: .*unknown key "axis"/);
  assert.match(errorOf(YAML.replace('{name: fc, batch_axis: 1}', '{batch_axis: 1}')), /net\.yaml:15:\d+: outputs: missing "name"/);
  assert.match(errorOf(YAML.replace('batch_axis: 1}', 'batch_axis: -1}')), /net\.yaml:3:\d+: input "h": batch_axis: expected an integer >= 0, got -1/);
});

test.run();
