/**
 * Every ONNX fixture (PyTorch exports at opsets 14 and 17, hand-built graphs) imported, compiled
 * and run: numeric float64 against PyTorch's float64 outputs to 1e-6 relative; small nets also
 * symbolic (evaluated at the inputs, against the numeric module). Error fixtures give a clear
 * LayergenError naming what is wrong.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LayergenError } from '../../compiler/errors.js';
import { evaluate, type Expr } from '../../runtime/index.js';
import { compileAndImport, example, mismatch } from '../helpers.js';
import { importToTemp, modelPath, onnxFixtures, type OnnxFixture } from './support.js';

type Out = Record<string, Float64Array>;
interface NumericModule {
  predictBatch(inputs: Record<string, unknown>, batch: number): Out;
  predict(inputs: Record<string, unknown>): Out;
  inputShapes: Record<string, readonly number[]>;
  outputShapes: Record<string, readonly number[]>;
}
interface SymbolicModule {
  predict(inputs: Record<string, unknown>): Record<string, Expr[]>;
}

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
          importToTemp(modelPath(file));
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
      const { yaml } = importToTemp(modelPath(file));
      const m = await compileAndImport<NumericModule>(yaml, 'numeric');
      assert.equal(m.inputShapes, Object.fromEntries(Object.entries(fx.inputs!).map(([k, v]) => [k, v.shape])), 'input names and shapes');
      assert.equal(m.outputShapes, fx.outputs, 'output names (in order) and shapes');
      for (const c of fx.cases!) {
        const got = m.predictBatch(c.inputs, c.batch);
        for (const [o, ref] of Object.entries(c.float64)) assert.is(mismatch(got[o]!, ref, TOL, FLOOR, `batch ${c.batch} output ${o}`), null);
      }
    });
    if (opset === '17' || Object.keys(fx.models).length === 1) {
      if (symbolicSize(fx) > 40) continue;
      test(`onnx ${fx.name} (opset ${opset}): symbolic evaluates to the numeric outputs`, async () => {
        const { yaml } = importToTemp(modelPath(file));
        const s = await compileAndImport<SymbolicModule>(yaml, 'symbolic');
        const n = await compileAndImport<NumericModule>(yaml, 'numeric');
        const c = fx.cases![0]!;
        const ins = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, example(v, c.batch, 0)]));
        const num = n.predict(ins);
        for (const [o, exprs] of Object.entries(s.predict(ins))) {
          assert.is(mismatch(exprs.map((e) => evaluate(e, {})), Array.from(num[o]!), 1e-12, 1e-300, `${o} symbolic vs numeric`), null);
          assert.is(mismatch(exprs.map((e) => evaluate(e, {})), example(c.float64[o]!, c.batch, 0), TOL, FLOOR, `${o} symbolic vs PyTorch`), null);
        }
      });
    }
  }
}

test.run();
