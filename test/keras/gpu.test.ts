/**
 * gpu modules of imported Keras nets: every fixture (each format) within 1e-4 of the float64
 * reference (relative above 1, absolute below), on whatever kernel gpu.js picks here
 * (WebAssembly without X; headless-gl under xvfb-run in CI).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gpuImport } from '../backends/gpujs/load.js';
import { mismatch } from '../helpers.js';
import { importToTemp, kerasFixtures, modelPath } from './support.js';

for (const fx of kerasFixtures()) {
  if (fx.expect_error) continue;
  for (const [format, { file }] of Object.entries(fx.models)) {
    test(`keras ${fx.name} (${format}): gpu matches the float64 reference to 1e-4`, async () => {
      const { yaml } = await importToTemp(modelPath(file));
      const m = await gpuImport({ file: yaml }, 'js');
      try {
        for (const c of fx.cases!) {
          const got = await m.predictBatch(c.inputs, c.batch);
          for (const [o, ref] of Object.entries(c.float64)) assert.is(mismatch(got[o]!, ref, 1e-4, 1, `batch ${c.batch} output ${o} (${m.backendInfo().kernel})`), null);
        }
      } finally {
        await m.dispose();
      }
    });
  }
}

test.run();
