/**
 * gpu modules of imported Keras nets: every fixture (each format) within 1e-4 of the float64
 * reference (relative above 1, absolute below), on whatever kernel gpu.js picks here
 * (WebAssembly without X; headless-gl under xvfb-run in CI).
 */
import { test } from 'uvu';
import { FULL } from '../helpers.js';
import { checkGpu } from '../importedNets.js';
import { importToTemp, kerasFixtures, modelPath } from './support.js';

for (const fx of kerasFixtures()) {
  if (fx.expect_error) continue;
  // one file format per model (the gpu backend does not see the format); every format in the full run
  for (const [format, { file }] of Object.entries(fx.models).slice(0, FULL ? undefined : 1)) {
    test(`keras ${fx.name} (${format}): gpu matches the float64 reference to 1e-4`, async () => {
      const { yaml } = await importToTemp(modelPath(file));
      await checkGpu(yaml, fx.cases!);
    });
  }
}

test.run();
