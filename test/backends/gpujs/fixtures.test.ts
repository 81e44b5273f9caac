/**
 * gpu modules against the PyTorch fixtures: every case through predictBatch, its first example
 * through predict, within 1e-4 of the float64 reference (relative above 1, absolute below),
 * large-|x| cases included. Runs on whatever kernel gpu.js picks here; with
 * LAYERGEN_EXPECT_GPU=<mode> (CI: headlessgl under xvfb-run) that kernel kind must be the one that ran.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GPU_MODES, parseGpuMode } from '../../../runtime/index.js';
import { example, fixtureNames, loadFixture } from '../../helpers.js';
import { gpuImport, gpuMismatch } from './load.js';

const TOL = 1e-4;
const expected = parseGpuMode(process.env.LAYERGEN_EXPECT_GPU, 'LAYERGEN_EXPECT_GPU');
const ran = new Set<string>();

for (const name of fixtureNames()) {
  for (const lang of ['js', 'ts'] as const) {
    if (lang === 'ts' && name !== 'mlp' && name !== 'multi_output') continue; // same code; a sample of the TS path
    test(`${name}: gpu (${lang}) matches PyTorch float64 to 1e-4`, async () => {
      const fx = loadFixture(name);
      const m = await gpuImport({ file: fx.net }, lang);
      try {
        assert.equal(m.inputShapes, fx.inputs);
        assert.equal(m.outputShapes, fx.outputs);
        assert.equal(m.backendInfo().kernel, null, 'nothing ran yet');
        for (const c of fx.cases) {
          const got = await m.predictBatch(c.inputs, c.batch);
          assert.equal(Object.keys(got), Object.keys(fx.outputs), 'output names in order');
          for (const [o, ref] of Object.entries(c.float64)) {
            assert.ok(got[o] instanceof Float32Array, 'Float32Array outputs');
            assert.is(gpuMismatch(got[o]!, ref, TOL, `batch ${c.batch} output ${o}`), null);
          }
          const one = await m.predict(
            Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, example(v, c.batch, 0)])),
          );
          for (const [o, ref] of Object.entries(c.float64)) {
            assert.is(gpuMismatch(one[o]!, example(ref, c.batch, 0), TOL, `predict ${o}`), null);
          }
        }
        const info = m.backendInfo();
        assert.ok(info.mode !== null && info.kernel !== null, 'backendInfo names what ran');
        ran.add(info.kernel!);
        if (expected) {
          assert.is(info.kernel, GPU_MODES[expected].kernel, `LAYERGEN_EXPECT_GPU=${expected}`);
          assert.is(info.mode, expected);
        }
      } finally {
        await m.dispose();
      }
    });
  }
}

test('report: which gpu.js kernel ran the fixtures', () => {
  console.log(
    `  gpu.js kernels that ran the fixtures: ${[...ran].join(', ') || 'none'}${expected ? ` (expected ${expected})` : ''}`,
  );
  assert.is(ran.size, 1, 'one kernel kind for everything');
});

test.run();
