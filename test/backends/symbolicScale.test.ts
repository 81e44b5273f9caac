/**
 * The symbolic module at scale: LSTM(4 -> 128) over 50 steps with all 200 inputs symbolic builds
 * a DAG (linear in steps and parameters) whose value at a point equals the numeric module to 1e-9.
 * (Build time is a benchmark, `node dist/bench/symbolic-module.js`, not asserted here.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countNodes, evaluateAll, type Expr } from '@layergen/runtime';
import { compileAndImport, mismatch } from '../helpers.js';

interface SymbolicModule {
  predict(inputs: Record<string, unknown>): Record<string, Expr[]>;
}
interface NumericModule {
  predict(inputs: Record<string, unknown>): Record<string, Float64Array>;
}

test('LSTM(4->128) x 50, all inputs symbolic: exact to 1e-9 and linear in size', async () => {
  const s = await compileAndImport<SymbolicModule>('bench/nets/lstm128.yaml', 'symbolic');
  const n = await compileAndImport<NumericModule>('bench/nets/lstm128.yaml', 'numeric');
  const names = Array.from({ length: 200 }, (_, i) => `s${i + 1}`);
  const t0 = performance.now();
  const h = s.predict({ x: names }).rnn!;
  const built = performance.now() - t0;
  const nodes = countNodes(h);
  console.log(`  LSTM(4->128)x50 symbolic build: ${built.toFixed(0)} ms, ${nodes} DAG nodes`);
  assert.ok(nodes < 400_000, `linear size: ${nodes} nodes`);
  const x = names.map((_, i) => Math.sin(i * 1.7) * 1.5);
  const env = Object.fromEntries(names.map((nm, i) => [nm, x[i]!]));
  assert.is(mismatch(evaluateAll(h, env), Array.from(n.predict({ x }).rnn!), 1e-9, 1e-300, 'h_T'), null);
});

test.run();
