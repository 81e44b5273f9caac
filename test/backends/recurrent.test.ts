/**
 * With symbolic initial states and a one-step sequence, the symbolic module's output IS the cell
 * equation: the same hash-consed expression as the textbook LSTM / GRU step built by hand from
 * the PyTorch parameters (gate orders i,f,g,o and r,z,n; GRU's reset gate inside the n gate, or,
 * with `reset_after: false`, on h before W_hn).
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import * as S from '@layergen/runtime';
import { compileAndImport, repo } from '../helpers.js';

type Params = Record<string, number[][] | number[]>;
interface SymbolicModule {
  predict(inputs: Record<string, unknown>): Record<string, S.Expr[]>;
}

function params(net: string): Params {
  return (parse(readFileSync(repo(net), 'utf8')) as { layers: { params: Params }[] }).layers[0]!.params;
}

/** row r of (W v) + b as an expression. */
const affine = (W: number[][], v: S.Operand[], b: number[], r: number): S.Expr => S.add(S.addAll(W[r]!.map((w, k) => S.mul(w, v[k]!))), b[r]!);

test('one-step LSTM: the symbolic output is exactly the LSTM cell equation', async () => {
  const net = 'test/fixtures/nets/lstm_cell.yaml';
  const m = await compileAndImport<SymbolicModule>(net, 'symbolic');
  const p = params(net);
  const x = ['x1', 'x2'].map(S.sym), h = ['h1', 'h2'].map(S.sym), c = ['c1', 'c2'].map(S.sym);
  const H = 2;
  const gate = (g: number, j: number): S.Expr =>
    S.add(affine(p.weight_ih_l0 as number[][], x, p.bias_ih_l0 as number[], g * H + j), affine(p.weight_hh_l0 as number[][], h, p.bias_hh_l0 as number[], g * H + j));
  const want = [0, 1].map((j) => {
    const i = S.sigmoid(gate(0, j)), f = S.sigmoid(gate(1, j)), g = S.tanh(gate(2, j)), o = S.sigmoid(gate(3, j));
    return S.mul(o, S.tanh(S.add(S.mul(f, c[j]!), S.mul(i, g))));
  });
  const got = m.predict({ x: ['x1', 'x2'], h0: ['h1', 'h2'], c0: ['c1', 'c2'] }).rnn!;
  got.forEach((e, j) => assert.ok(e === want[j], `h_${j}:\n got  ${S.format(e, 'text')}\n want ${S.format(want[j]!, 'text')}`));
});

test('one-step GRU: the symbolic output is exactly the GRU cell equation', async () => {
  const net = 'test/fixtures/nets/gru_cell.yaml';
  const m = await compileAndImport<SymbolicModule>(net, 'symbolic');
  const p = params(net);
  const x = ['x1', 'x2'].map(S.sym), h = ['h1', 'h2'].map(S.sym);
  const H = 2;
  const gi = (g: number, j: number) => affine(p.weight_ih_l0 as number[][], x, p.bias_ih_l0 as number[], g * H + j);
  const gh = (g: number, j: number) => affine(p.weight_hh_l0 as number[][], h, p.bias_hh_l0 as number[], g * H + j);
  const want = [0, 1].map((j) => {
    const r = S.sigmoid(S.add(gi(0, j), gh(0, j)));
    const z = S.sigmoid(S.add(gi(1, j), gh(1, j)));
    const n = S.tanh(S.add(gi(2, j), S.mul(r, gh(2, j))));
    return S.add(S.mul(S.sub(1, z), n), S.mul(z, h[j]!));
  });
  const got = m.predict({ x: ['x1', 'x2'], h0: ['h1', 'h2'] }).rnn!;
  got.forEach((e, j) => assert.ok(e === want[j], `h_${j}:\n got  ${S.format(e, 'text')}\n want ${S.format(want[j]!, 'text')}`));
});

test('one-step GRU with reset_after: false: the symbolic output is exactly its cell equation (reset gate before W_hn)', async () => {
  const net = 'test/fixtures/nets/gru_reset_before_cell.yaml';
  const m = await compileAndImport<SymbolicModule>(net, 'symbolic');
  const p = params(net);
  const x = ['x1', 'x2'].map(S.sym), h = ['h1', 'h2'].map(S.sym);
  const H = 2;
  const gi = (g: number, j: number) => affine(p.weight_ih_l0 as number[][], x, p.bias_ih_l0 as number[], g * H + j);
  const gh = (g: number, j: number, v: S.Operand[]) => affine(p.weight_hh_l0 as number[][], v, p.bias_hh_l0 as number[], g * H + j);
  const r = [0, 1].map((j) => S.sigmoid(S.add(gi(0, j), gh(0, j, h))));
  const rh = [0, 1].map((k) => S.mul(r[k]!, h[k]!));
  const want = [0, 1].map((j) => {
    const z = S.sigmoid(S.add(gi(1, j), gh(1, j, h)));
    const n = S.tanh(S.add(gi(2, j), gh(2, j, rh)));
    return S.add(S.mul(S.sub(1, z), n), S.mul(z, h[j]!));
  });
  const got = m.predict({ x: ['x1', 'x2'], h0: ['h1', 'h2'] }).rnn!;
  got.forEach((e, j) => assert.ok(e === want[j], `h_${j}:\n got  ${S.format(e, 'text')}\n want ${S.format(want[j]!, 'text')}`));
  // and not PyTorch's cell, n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
  const z0 = S.sigmoid(S.add(gi(1, 0), gh(1, 0, h)));
  const torchN = S.tanh(S.add(gi(2, 0), S.mul(r[0]!, gh(2, 0, h))));
  assert.ok(got[0] !== S.add(S.mul(S.sub(1, z0), torchN), S.mul(z0, h[0]!)), 'not the reset_after: true cell');
});

test.run();
