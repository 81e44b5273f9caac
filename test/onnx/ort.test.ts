/**
 * The imported nets against the ONNX models themselves: onnxruntime-node (a dev dependency, there
 * for the benchmarks) runs each fixture model in float32, and the imported net's numeric float64
 * module must agree within float32 rounding (1e-5, relative above 1, absolute below). This checks
 * "same outputs as the ONNX model" directly, independently of PyTorch (e.g. torch's folded
 * Conv+BatchNorm weights, or Softplus's threshold, which ONNX does not have).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileAndImport, mismatch } from '../helpers.js';
import { importToTemp, modelPath, onnxFixtures, onnxInput, onnxLayoutInputs } from './support.js';

interface NumericModule {
  predictBatch(inputs: Record<string, unknown>, batch: number): Record<string, Float64Array>;
}

/** Hand-built fixtures whose inputs are float64 tensors. */
const FLOAT64_INPUTS = new Set(['gemm_f64']);
/**
 * Recurrent variants with no PyTorch module (ONNX direction="reverse", GRU linear_before_reset=0):
 * their float64 references are torch ops written by make_onnx.py, so they are also checked
 * against onnxruntime's own implementation of the ONNX definition directly.
 */
const TORCH_OP_REFERENCES = /^(rnn|lstm|gru)_(reverse|lbr0)/;

type Ort = typeof import('onnxruntime-node');
let ort: Ort | null = null;
try {
  ort = await import('onnxruntime-node');
} catch (e) {
  console.log(`  note: onnxruntime-node is not available (${(e as Error).message.split('\n')[0]}); skipping the onnxruntime comparison`);
}

if (ort) {
  const rt = ort;
  for (const fx of onnxFixtures()) {
    if (fx.expect_error) continue;
    for (const [opset, file] of Object.entries(fx.models)) {
      test(`onnx ${fx.name} (opset ${opset}): imported net equals onnxruntime`, async () => {
        const { yaml } = importToTemp(modelPath(file), undefined, fx.import);
        const m = await compileAndImport<NumericModule>(yaml, 'numeric');
        const session = await rt.InferenceSession.create(modelPath(file));
        const f64 = FLOAT64_INPUTS.has(fx.name);
        for (const c of fx.cases!) {
          const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
          for (const [k, spec] of Object.entries(fx.inputs!)) {
            const { data, dims } = onnxInput(fx, c, k);
            feeds[k] =
              spec.dtype === 'int'
                ? new rt.Tensor('int64', BigInt64Array.from(data.map(BigInt)), dims)
                : f64
                  ? new rt.Tensor('float64', Float64Array.from(data), dims)
                  : new rt.Tensor('float32', Float32Array.from(data), dims);
          }
          const want = await session.run(feeds);
          const got = m.predictBatch(onnxLayoutInputs(fx, c), c.batch);
          for (const o of Object.keys(c.float64)) {
            const ref = Array.from(want[o]!.data as Float32Array, Number);
            assert.is(mismatch(got[o]!, ref, 1e-5, 1, `batch ${c.batch} output ${o}`), null);
            if (TORCH_OP_REFERENCES.test(fx.name)) assert.is(mismatch(c.float64[o]!, ref, 1e-5, 1, `reference: batch ${c.batch} output ${o}`), null);
          }
        }
        await session.release();
      });
    }
  }
}

test.run();
