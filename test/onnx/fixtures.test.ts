/**
 * Every ONNX fixture (PyTorch exports at opsets 14 and 17, hand-built graphs) imported, compiled
 * and run: numeric float64 against PyTorch's float64 outputs to 1e-6 relative; small nets also
 * symbolic (evaluated at the inputs, against the numeric module). Error fixtures give a clear
 * LayergenError naming what is wrong.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LayergenError } from '../../compiler/errors.js';
import { compileAndImport, mismatch } from '../helpers.js';
import { checkSymbolic, type NumericModule } from '../importedNets.js';
import { importToTemp, modelPath, onnxFixtures, onnxLayoutInputs, type OnnxFixture } from './support.js';

/** Relative to |ref|, absolute below 1e-6 (sums that cancel to ~0 differ by rounding only). */
const TOL = 1e-6;
const FLOOR = 1e-6;
/** Symbolic modules for nets whose outputs stay small expressions. */
const symbolicSize = (fx: OnnxFixture): number => Object.values(fx.inputs ?? {}).reduce((a, i) => a + i.shape.reduce((x, y) => x * y, 1), 0);

for (const fx of onnxFixtures()) {
  for (const [opset, file] of Object.entries(fx.models)) {
    if (fx.expect_error) {
      test(`onnx ${fx.name} (opset ${opset}): a clear import error`, () => {
        try {
          importToTemp(modelPath(file), undefined, fx.import);
          assert.unreachable('import should fail');
        } catch (e) {
          if (!(e instanceof LayergenError)) throw e;
          for (const want of fx.expect_error!) assert.ok(e.message.includes(want), `message mentions ${JSON.stringify(want)}:\n${e.message}`);
          assert.ok(e.message.startsWith(modelPath(file)), `message names the file: ${e.message}`);
        }
      });
      continue;
    }
    test(`onnx ${fx.name} (opset ${opset}): numeric float64 matches PyTorch`, async () => {
      const { yaml } = importToTemp(modelPath(file), undefined, fx.import);
      const m = await compileAndImport<NumericModule>(yaml, 'numeric');
      assert.equal(m.inputShapes, Object.fromEntries(Object.entries(fx.inputs!).map(([k, v]) => [k, v.shape])), 'input names and shapes');
      assert.equal(m.outputShapes, fx.outputs, 'output names (in order) and shapes');
      for (const c of fx.cases!) {
        const got = m.predictBatch(onnxLayoutInputs(fx, c), c.batch);
        for (const [o, ref] of Object.entries(c.float64)) assert.is(mismatch(got[o]!, ref, TOL, FLOOR, `batch ${c.batch} output ${o}`), null);
      }
    });
    if (opset === '17' || Object.keys(fx.models).length === 1) {
      if (symbolicSize(fx) > 40) continue;
      test(`onnx ${fx.name} (opset ${opset}): symbolic evaluates to the numeric outputs`, async () => {
        const { yaml } = importToTemp(modelPath(file), undefined, fx.import);
        await checkSymbolic(yaml, fx.cases![0]!, TOL, FLOOR);
      });
    }
  }
}

test.run();
