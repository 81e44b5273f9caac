/** Symbolic parameters: names, selection by layer, and substituting the numbers back gives the net. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as S from '@layergen/runtime';
import { evalSymbolic } from '../../compiler/evaluate.js';
import { build, LayergenError } from '../../compiler/index.js';
import { compileAndImport, repo } from '../helpers.js';

interface SymbolicModule {
  predict(inputs: Record<string, unknown>, options?: S.SymbolicOptions): Record<string, S.Expr[]>;
}

test('seed-linear with symbolic params is the general formula of the layer', async () => {
  const m = await compileAndImport<SymbolicModule>('samples/seed-linear.yaml', 'symbolic');
  const [y0, y1] = m.predict({ x: ['s1', 's2', 's3'] }, { symbolicParams: true }).fc!;
  const w = (i: number, j: number) => S.sym(`fc_weight_${i}_${j}`);
  const want0 = S.add(S.sym('fc_bias_0'), S.mul(w(0, 0), S.sym('s1')), S.mul(w(0, 1), S.sym('s2')), S.mul(w(0, 2), S.sym('s3')));
  assert.ok(y0 === want0, S.format(y0!, 'text'));
  assert.equal(S.freeSymbols(y1!), ['fc_bias_1', 'fc_weight_1_0', 'fc_weight_1_1', 'fc_weight_1_2', 's1', 's2', 's3']);
  assert.is(S.format(y0!, 'text'), 'fc_bias_0 + fc_weight_0_0*s1 + fc_weight_0_1*s2 + fc_weight_0_2*s3');
});

test('mixing symbolic and numeric parameters; substituting the numbers back gives the numeric net', async () => {
  const net = 'samples/mlp.yaml';
  const m = await compileAndImport<SymbolicModule>(net, 'symbolic');
  const x = [0.5, -1, 2, 0.25];
  const plain = m.predict({ x }).probs!;
  const mixed = m.predict({ x }, { symbolicParams: ['fc3'] }).probs!;
  const syms = S.freeSymbols(mixed);
  assert.ok(syms.length === 3 * 16 + 3 && syms.every((s) => s.startsWith('fc3_')), syms.slice(0, 5).join(','));
  const { graph } = build(repo(net));
  const fc3 = graph.nodes.find((n) => n.name === 'fc3')!;
  const env: Record<string, number> = {};
  fc3.params.weight!.data.forEach((v, k) => (env[`fc3_weight_${Math.floor(k / 16)}_${k % 16}`] = v));
  fc3.params.bias!.data.forEach((v, k) => (env[`fc3_bias_${k}`] = v));
  mixed.forEach((e, i) => assert.ok(Math.abs(S.evaluate(e, env) - S.evaluate(plain[i]!, {})) < 1e-14));
  // The interpreter (eval --symbolic --symbolic-params) builds the same expressions.
  const viaEval = evalSymbolic(graph, { x }, { symbolicParams: ['fc3'] }).probs!;
  viaEval.forEach((e, i) => assert.ok(e === mixed[i], 'same hash-consed expression'));
});

test('recurrent layers name their parameters with PyTorch names', async () => {
  const m = await compileAndImport<SymbolicModule>('test/fixtures/nets/lstm_cell.yaml', 'symbolic');
  const out = m.predict({ x: ['x1', 'x2'], h0: ['h1', 'h2'], c0: ['c1', 'c2'] }, { symbolicParams: true }).rnn!;
  const names = S.freeSymbols(out);
  for (const s of ['rnn_weight_ih_l0_0_0', 'rnn_weight_hh_l0_7_1', 'rnn_bias_ih_l0_3', 'rnn_bias_hh_l0_7', 'x1']) {
    assert.ok(names.includes(s), `${s} in ${names.join(',')}`);
  }
  assert.ok(!names.some((n) => n.includes('w_ih')), 'internal names never leak');
  assert.is(names.length, 2 * 8 + 2 * 8 + 8 + 8 + 6, 'every weight and bias, plus x, h0, c0');
});

test('unknown layers in the list are an error', () => {
  const { graph } = build(repo('samples/mlp.yaml'));
  assert.throws(() => evalSymbolic(graph, { x: [1, 2, 3, 4] }, { symbolicParams: ['fc9'] }), (e: unknown) => e instanceof LayergenError && /no layer with parameters named "fc9"/.test(e.message));
});

test.run();
