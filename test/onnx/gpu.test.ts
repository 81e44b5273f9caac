/**
 * gpu modules of imported nets: every ONNX fixture (opset 17, or its only opset) within 1e-4 of
 * PyTorch's float64 outputs (relative above 1, absolute below), on whatever kernel gpu.js picks
 * here (WebAssembly without X; headless-gl under xvfb-run in CI).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gpuImport } from '../backends/gpujs/load.js';
import { mismatch } from '../helpers.js';
import { importToTemp, modelPath, onnxFixtures } from './support.js';

for (const fx of onnxFixtures()) {
  if (fx.expect_error) continue;
  const file = fx.models['17'] ?? Object.values(fx.models)[0]!;
  test(`onnx ${fx.name}: gpu matches PyTorch float64 to 1e-4`, async () => {
    const { yaml } = importToTemp(modelPath(file));
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

test.run();
