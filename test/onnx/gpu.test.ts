/**
 * gpu modules of imported nets: ONNX fixtures (opset 17, or its only opset) within 1e-4 of
 * PyTorch's float64 outputs (relative above 1, absolute below), on whatever kernel gpu.js picks
 * here (WebAssembly without X; headless-gl under xvfb-run in CI).
 */
import { test } from 'uvu';
import { perFamily } from '../helpers.js';
import { checkGpu } from '../importedNets.js';
import { importToTemp, modelPath, onnxFixtures, onnxLayoutInputs } from './support.js';

// The gpu backend is the same for imported and YAML nets (every YAML fixture runs on it in
// backends/gpujs): one imported fixture per layer family here, every one in the full run.
const SAMPLE = perFamily(onnxFixtures().map((fx) => fx.name));
for (const fx of onnxFixtures()) {
  if (fx.expect_error || !SAMPLE.has(fx.name)) continue;
  const file = fx.models['17'] ?? Object.values(fx.models)[0]!;
  test(`onnx ${fx.name}: gpu matches PyTorch float64 to 1e-4`, async () => {
    const { yaml } = importToTemp(modelPath(file), undefined, fx.import);
    // Inputs in ONNX's layout (an h0 with its batch on axis 1), as the imported net takes them.
    await checkGpu(yaml, fx.cases!.map((c) => ({ ...c, inputs: onnxLayoutInputs(fx, c) })));
  });
}

test.run();
