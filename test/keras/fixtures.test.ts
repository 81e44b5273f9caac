/**
 * Every Keras fixture (.keras as Keras 3 writes it, legacy .h5 as Keras 2.15 or 3 writes it)
 * imported, compiled and run: numeric float64 against the float64 reference (Keras' equations in
 * torch) to 1e-6 relative, numeric float32 against torch float32 to 1e-5 (absolute below 1: sums
 * rounded in another order), symbolic evaluated at the inputs against the numeric module. Error
 * fixtures give a clear LayergenError naming the file and what is wrong.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LayergenError } from '../../compiler/errors.js';
import { compileAndImport, mismatch } from '../helpers.js';
import { checkSymbolic, type NumericModule } from '../importedNets.js';
import { importToTemp, kerasFixtures, modelPath } from './support.js';

const TOL = 1e-6;
const FLOOR = 1e-6;
const TOL32 = 1e-5;

for (const fx of kerasFixtures()) {
  for (const [format, { file, keras_version }] of Object.entries(fx.models)) {
    const what = `keras ${fx.name} (${format}, Keras ${keras_version})`;
    if (fx.expect_error) {
      test(`${what}: a clear import error`, async () => {
        try {
          await importToTemp(modelPath(file));
          assert.unreachable('import should fail');
        } catch (e) {
          if (!(e instanceof LayergenError)) throw e;
          for (const want of fx.expect_error!) assert.ok(e.message.includes(want), `message mentions ${JSON.stringify(want)}:\n${e.message}`);
          assert.ok(e.message.startsWith(`${modelPath(file)}: `), `message names the file: ${e.message}`);
        }
      });
      continue;
    }
    test(`${what}: numeric float64 and float32 match the reference`, async () => {
      const { yaml } = await importToTemp(modelPath(file));
      const m = await compileAndImport<NumericModule>(yaml, 'numeric');
      assert.equal(m.inputShapes, Object.fromEntries(Object.entries(fx.inputs!).map(([k, v]) => [k, v.shape])), 'input names and shapes');
      assert.equal(m.outputShapes, fx.outputs, 'output names (in order) and shapes');
      const m32 = await compileAndImport<NumericModule>(yaml, 'numeric', { precision: 'float32' });
      for (const c of fx.cases!) {
        const got = m.predictBatch(c.inputs, c.batch);
        for (const [o, ref] of Object.entries(c.float64)) assert.is(mismatch(got[o]!, ref, TOL, FLOOR, `batch ${c.batch} output ${o}`), null);
        const got32 = m32.predictBatch(c.inputs, c.batch);
        for (const [o, ref] of Object.entries(c.float32)) assert.is(mismatch(got32[o]!, ref, TOL32, 1, `float32 batch ${c.batch} output ${o}`), null);
      }
    });
    test(`${what}: symbolic evaluates to the numeric outputs`, async () => {
      const { yaml } = await importToTemp(modelPath(file));
      await checkSymbolic(yaml, fx.cases![0]!, TOL, FLOOR);
    });
  }
}

test.run();
