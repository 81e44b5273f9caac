/**
 * div and constant: the formula against direct arithmetic, the seeded value, every backend on a
 * net with constants (symbolic parameters included), the passes, and shape errors with places.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildText } from '../../compiler/index.js';
import { seededParam } from '../../compiler/frontend/init.js';
import { float64, interpret } from '../../compiler/interpret.js';
import { optimize } from '../../compiler/passes/pipeline.js';
import { loadNetText } from '../../compiler/frontend/index.js';
import * as S from '@layergen/runtime';
import { compileAndImport, ROOT, tempDir } from '../helpers.js';
import { errorOf, near, randoms } from './support.js';

/** A net over inputs x, y of `shape` with the given layers (YAML list items, unindented). */
const net = (layers: string, shape = '[2, 3]', tail = ''): string =>
  `name: t\ninputs:\n  x: ${shape}\n  y: ${shape}\nlayers:\n${layers
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n${tail}`;

const DIV = net('- name: q\n  type: div\n  inputs: [x, y]');

test('div: elementwise x / y (reference interpreter), infinities and NaN as in IEEE division', () => {
  const { graph } = buildText(DIV, 'net.yaml');
  const x = randoms(6, 1);
  const y = randoms(6, 2);
  near(interpret(graph, { x, y }, float64).q!, x.map((v, i) => v / y[i]!), 'x / y');
  const got = interpret(graph, { x: [1, -1, 0, 2, 3, 4], y: [0, 0, 0, 4, -3, 0.5] }, float64).q!;
  assert.equal(got, [Infinity, -Infinity, NaN, 0.5, -1, 8]);
});

test('constant: the value for every example; seeded init is uniform(-1, 1) on the layer.param stream', () => {
  const text = net('- name: c\n  type: constant\n  shape: [2, 3]\n- name: s\n  type: sub\n  inputs: [c, x]', '[2, 3]', 'seed: 7\n');
  const { graph } = buildText(text, 'net.yaml');
  const value = Array.from(seededParam(7, 'c.value', 6, 1));
  assert.ok(value.every((v) => Math.abs(v) <= 1 && v === Math.fround(v)), 'float32 values in [-1, 1]');
  assert.equal(Array.from(graph.nodes.find((n) => n.name === 'c')!.params.value!.data), value);
  const x = randoms(6, 3);
  near(interpret(graph, { x, y: x }, float64).s!, value.map((v, i) => v - x[i]!), 'c - x');
});

test('constant and div: shape errors and bad values name the file, line and column', () => {
  const cases: [string, RegExp][] = [
    [net('- name: q\n  type: div\n  inputs: [x, y, x]'), /^net\.yaml:6:5: layer "q": div takes 2 inputs, got 3$/],
    [net('- name: q\n  type: div\n  input: x'), /^net\.yaml:6:5: layer "q": div takes 2 inputs, got 1$/],
    [
      'name: t\ninputs:\n  x: [2, 3]\n  y: [3, 2]\nlayers:\n  - name: q\n    type: div\n    inputs: [x, y]\n',
      /^net\.yaml:6:5: layer "q": input 1 has shape \[3, 2\], which does not broadcast with \[2, 3\] \(NumPy rules, shapes aligned at the right: 3 against 2\)$/,
    ],
    [
      'name: t\ninputs:\n  x: [3]\n  t: {shape: [3], dtype: int}\nlayers:\n  - name: q\n    type: div\n    inputs: [x, t]\n',
      /^net\.yaml:6:5: layer "q": expected a float input 1, got an int tensor of shape \[3\]$/,
    ],
    [net('- name: c\n  type: constant\n  shape: [2, 0]\n- name: q\n  type: add\n  inputs: [x, c]', '[2, 3]', 'seed: 1\n'), /^net\.yaml:6:5: layer "c": shape: dimensions must be integers >= 1, got \[2, 0\]$/],
    [net('- name: c\n  type: constant\n  shape: []\n- name: q\n  type: add\n  inputs: [x, c]', '[2, 3]', 'seed: 1\n'), /^net\.yaml:6:5: layer "c": shape: expected at least one dimension, got \[\]$/],
    [net('- name: c\n  type: constant\n- name: q\n  type: add\n  inputs: [x, c]'), /^net\.yaml:6:5: layer "c": missing required key "shape"/],
    [
      net('- name: c\n  type: constant\n  shape: [2, 3]\n  params:\n    value: [1, 2, 3]\n- name: q\n  type: add\n  inputs: [x, c]'),
      /^net\.yaml:10:7: layer "c": params\.value: expected shape \[2, 3\], got \[3\]$/,
    ],
    [
      net('- name: c\n  type: constant\n  shape: [2]\n- name: q\n  type: add\n  inputs: [x, c]', '[2, 3]', 'seed: 1\n'),
      /^net\.yaml:9:5: layer "q": input 1 has shape \[2\], which does not broadcast with \[2, 3\] \(NumPy rules, shapes aligned at the right: 2 against 3\)$/,
    ],
    [net('- name: c\n  type: constant\n  shape: [2, 3]\n  input: x', '[2, 3]', 'seed: 1\n'), /^net\.yaml:6:5: layer "c": constant takes 0 inputs, got 1$/],
    [
      net('- name: c\n  type: constant\n  shape: [2, 3]\n- name: t\n  type: tanh\n- name: q\n  type: add\n  inputs: [x, y]', '[2, 3]', 'outputs: [q, t]\nseed: 1\n'),
      /^net\.yaml:14:14: outputs: "t" depends on no net input \(only on constant layers\)/,
    ],
    [net('- name: c\n  type: constant\n  shape: [2, 3]\n- name: t\n  type: tanh', '[2, 3]', 'seed: 1\n'), /^net\.yaml:9:5: outputs: "t" depends on no net input/],
  ];
  for (const [text, want] of cases) assert.match(errorOf(text), want);
});

/** Two equal constants, one through tanh (fused), a constant first in sub and div, all outputs fed by x. */
const CONSTS = `name: consts
inputs:
  x: [2, 2]
layers:
  - name: a
    type: constant
    shape: [2, 2]
    params: {value: [[1, -2], [0.5, 4]]}
  - name: b
    type: constant
    shape: [2, 2]
    params: {value: [[1, -2], [0.5, 4]]}
  - name: t
    type: tanh
  - name: q
    type: div
    inputs: [a, x]
  - name: s
    type: sub
    inputs: [t, q]
  - name: y
    type: mul
    inputs: [s, a]
`;

test('passes: constants stay parameters (not folded); equal ones are shared for numeric targets only; a constant fuses into its activation', () => {
  const { graph } = loadNetText(CONSTS, 'c.yaml');
  const numeric = optimize(graph);
  assert.equal(
    numeric.nodes.map((n) => `${n.name}:${n.op}`),
    ['x:input', 'a:constant', 't:tanh', 'q:div', 's:sub', 'y:mul'],
    'cse: b is a (t reads a, which has other readers, so nothing fuses)',
  );
  const kept = optimize(graph, { keepParams: true });
  assert.equal(kept.nodes.filter((n) => n.op === 'constant').map((n) => n.name), ['a'], 'b is fused with t, a is its own');
  assert.ok(kept.nodes.some((n) => n.name === 'b+t' && n.origin?.value === 'b.value'), 'b keeps its name under keepParams');
});

test('a net with constants: numeric, gpu and symbolic modules agree; symbolic parameters name the constants', async () => {
  const dir = tempDir('consts');
  const file = join(dir, 'consts.yaml');
  writeFileSync(file, CONSTS);
  const rel = relative(ROOT, file);
  const x = [0.5, -1.5, 2, 0.25];
  const a = [1, -2, 0.5, 4];
  const want = a.map((v, i) => (Math.tanh(v) - v / x[i]!) * v);
  type Out = Record<string, ArrayLike<number>>;
  const numeric = await compileAndImport<{ predict(i: object): Out; predictBatch(i: object, n: number): Out }>(rel, 'numeric');
  near(numeric.predict({ x }).y!, want, 'numeric');
  near(numeric.predictBatch({ x: [...x, ...x.map((v) => -v)] }, 2).y!, [...want, ...a.map((v, i) => (Math.tanh(v) + v / x[i]!) * v)], 'numeric batch');
  const gpu = await compileAndImport<{ predictBatch(i: object, n: number): Promise<Out>; dispose(): Promise<void> }>(rel, 'gpu');
  try {
    near((await gpu.predictBatch({ x: [...x, ...x] }, 2)).y!, [...want, ...want], 'gpu', 1e-5);
  } finally {
    await gpu.dispose();
  }
  const sym = await compileAndImport<{ predict(i: object, o?: S.SymbolicOptions): Record<string, S.Expr[]> }>(rel, 'symbolic');
  near(sym.predict({ x }).y!.map((e) => S.evaluate(e, {})), want, 'symbolic');
  const y = sym.predict({ x: ['x1', 'x2', 'x3', 'x4'] }, { symbolicParams: true }).y!;
  assert.equal(S.freeSymbols([y[1]!]), ['a_value_0_1', 'b_value_0_1', 'x2']);
  const env = { x1: x[0]!, x2: x[1]!, x3: x[2]!, x4: x[3]!, a_value_0_1: -2, b_value_0_1: -2 };
  near([S.evaluate(y[1]!, env)], [want[1]!], 'symbolic params evaluated');
  assert.equal(S.freeSymbols(sym.predict({ x }, { symbolicParams: ['b'] }).y!), ['b_value_0_0', 'b_value_0_1', 'b_value_1_0', 'b_value_1_1']);
});

test.run();
