/**
 * Resource guards (compiler/limits.ts): sizes from shapes alone are checked before anything is
 * allocated, so absurd sizes are prompt errors naming the layer and the size, never a RangeError,
 * a hang or gigabytes of memory; the limits can be raised (setLimits, --max-*).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildText } from '../../compiler/index.js';
import { evalSymbolic } from '../../compiler/evaluate.js';
import { loadNetText } from '../../compiler/frontend/index.js';
import { countNodes } from '@layergen/runtime';
import { DEFAULT_LIMITS, setLimits, symbolicCost } from '../../compiler/limits.js';
import { optimize } from '../../compiler/passes/pipeline.js';
import { repo, tempDir } from '../helpers.js';
import { errorOf } from '../ops/support.js';


const net = (input: string, layer: string): string => `name: t\ninputs:\n  x: ${input}\nlayers:\n  - name: big\n${layer}seed: 1\n`;

test('parameters, elements, steps and stacked layers beyond the limits: errors at the layer, before any allocation', () => {
  assert.match(errorOf(net('[100000]', '    type: linear\n    units: 40000\n')), /^net\.yaml:5:5: layer "big": 4,000,040,000 parameters exceed the limit of 500,000,000 \(--max-params to raise it\)$/);
  assert.match(errorOf(net('[999999999999, 4]', '    type: lstm\n    units: 4\n')), /^net\.yaml:3:3: input "x": 3,999,999,999,996 elements per example \(shape \[999999999999, 4\]\) exceed the limit of 50,000,000 \(--max-elements to raise it\)$/);
  assert.match(errorOf(net('[3, 100000, 100000]', '    type: conv2d\n    channels: 2\n    kernel: 3\n')), /input "x": 30,000,000,000 elements per example/);
  assert.match(errorOf(net('[2000000, 1]', '    type: gru\n    units: 2\n')), /^net\.yaml:5:5: layer "big": 2,000,000 time steps exceed the limit of 1,000,000 \(--max-steps to raise it\)$/);
  assert.match(errorOf(net('[10, 4]', '    type: rnn\n    units: 4\n    layers: 1000000000\n')), /layer "big": layers 1000000000: at most 1000 layers and directions/);
  assert.match(errorOf(net('[10]', '    type: linear\n    units: 1000000000\n')), /layer "big": 1,000,000,000 elements per example/);
});

test('setLimits raises and lowers them; the defaults come back', () => {
  const before = setLimits({ maxParams: 10 });
  try {
    assert.match(errorOf(net('[3]', '    type: linear\n    units: 4\n')), /layer "big": 16 parameters exceed the limit of 10/);
  } finally {
    setLimits(before);
  }
  assert.equal(setLimits({}), DEFAULT_LIMITS);
  buildText(net('[3]', '    type: linear\n    units: 4\n'), 'net.yaml');
});

test('the CLI: --max-params / --max-elements / --max-steps, and a bad value', () => {
  const dir = tempDir('limits');
  const file = join(dir, 'net.yaml');
  writeFileSync(file, net('[1500000, 1]', '    type: rnn\n    units: 2\n'));
  const cli = (...a: string[]) => spawnSync(process.execPath, [repo('bin/layergen.js'), 'check', file, ...a], { encoding: 'utf8' });
  const r = cli();
  assert.is(r.status, 1);
  assert.match(r.stderr, /layer "big": 1,500,000 time steps exceed the limit of 1,000,000 \(--max-steps to raise it\)\n  4 \| layers:\n> 5 \|   - name: big\n    \|     \^\n  6 \|     type: rnn\n/);
  assert.is(cli('--max-steps', '2000000').status, 0);
  assert.match(cli('--max-elements', '1000').stderr, /input "x": 1,500,000 elements per example .* exceed the limit of 1,000/);
  const bad = cli('--max-params', '-3');
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /^layergen: --max-params: expected a positive number, got -3\n$/);
});

test('symbolic evaluation: the operations it would build are estimated from shapes and refused beyond --max-symbolic-nodes', () => {
  const g = optimize(loadNetText(net('[50, 4]', '    type: lstm\n    units: 8\n'), 'net.yaml').graph, { keepParams: true });
  const [cost] = symbolicCost(g).map((c) => c.cost);
  const x = { x: Array.from({ length: 200 }, (_, i) => `s${i}`) };
  // an upper bound of the nodes built (a sum's terms are not nodes, so within 20 times)
  const built = countNodes(evalSymbolic(g, x).big!);
  assert.ok(cost! >= built && cost! < 20 * built, `${cost} vs ${built}`);
  const before = setLimits({ maxSymbolicNodes: 1000 });
  try {
    assert.throws(() => evalSymbolic(g, x), (e: Error) =>
      /^net\.yaml:5:5: layer "big": its symbolic form needs about 94,000 expression operations, beyond the limit of 1,000 \(--max-symbolic-nodes to raise it\)$/.test(e.message));
  } finally {
    setLimits(before);
  }
  assert.is(evalSymbolic(g, x).big!.length, 50 * 8);
  // a layer that fits alone but not with the ones before it
  const two = optimize(loadNetText(net('[6]', '    type: linear\n    units: 6\n  - name: next\n    type: linear\n    units: 6\n'), 'net.yaml').graph, { keepParams: true });
  setLimits({ maxSymbolicNodes: symbolicCost(two)[0]!.cost + 10 });
  try {
    assert.throws(() => evalSymbolic(two, { x: ['a', 'b', 'c', 'd', 'e', 'f'] }), (e: Error) => /layer "next": its symbolic form needs about [\d,]+ expression operations, bringing the net to [\d,]+, beyond the limit/.test(e.message));
  } finally {
    setLimits(before);
  }
});

test('the CLI: eval --symbolic and verify refuse beyond --max-symbolic-nodes, at the layer', () => {
  const dir = tempDir('limits-sym');
  const file = join(dir, 'net.yaml');
  writeFileSync(file, net('[30]', '    type: linear\n    units: 30\n'));
  const cli = (...a: string[]) => spawnSync(process.execPath, [repo('bin/layergen.js'), ...a], { encoding: 'utf8' });
  const r = cli('eval', file, '--symbolic', '--input', 'x=s*', '--max-symbolic-nodes', '500');
  assert.is(r.status, 1);
  assert.match(r.stderr, /net\.yaml:5:5: layer "big": its symbolic form needs about 3,660 expression operations, beyond the limit of 500 \(--max-symbolic-nodes to raise it\)\n(.*\n)*> +5 \| +- name: big\n/);
  assert.is(cli('eval', file, '--symbolic', '--input', 'x=s*').status, 0);
  const v = cli('verify', file, '--skip', 'gpu,float32', '--max-symbolic-nodes', '500');
  assert.is(v.status, 1);
  assert.match(v.stderr, /layer "big": its symbolic form needs/);
});

test.run();
