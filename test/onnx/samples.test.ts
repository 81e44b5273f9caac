/**
 * samples/mlp.onnx and samples/lstm.onnx (the samples/mlp.yaml and lstm.yaml nets exported from
 * PyTorch by make_onnx.py --samples) import to the same layers and give the same outputs as the
 * PyTorch fixtures of those samples (test/fixtures/mlp.json, lstm.json).
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { compileAndImport, loadFixture, mismatch, repo } from '../helpers.js';
import { importToTemp } from './support.js';

interface NumericModule {
  predictBatch(inputs: Record<string, unknown>, batch: number): Record<string, Float64Array>;
}

for (const name of ['mlp', 'lstm']) {
  test(`samples/${name}.onnx: the sample's layers, and its PyTorch outputs`, async () => {
    const { yaml, result } = importToTemp(repo('samples', `${name}.onnx`));
    const imported = parse(result.yaml) as { layers: { name: string; type: string }[] };
    const sample = parse(readFileSync(repo('samples', `${name}.yaml`), 'utf8')) as { layers: { name: string; type: string }[] };
    assert.equal(
      imported.layers.map((l) => [l.name, l.type]),
      sample.layers.map((l) => [l.name, l.type]),
    );
    const fx = loadFixture(name);
    const m = await compileAndImport<NumericModule>(yaml, 'numeric');
    for (const c of fx.cases) {
      const got = m.predictBatch(c.inputs, c.batch);
      for (const [o, ref] of Object.entries(c.float64)) assert.is(mismatch(got[o]!, ref, 1e-9, 1e-300, `batch ${c.batch} ${o}`), null);
    }
  });
}

test.run();
