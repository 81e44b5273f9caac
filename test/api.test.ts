/** The programmatic API for build scripts: load, check, evaluate, importModel, compile + writeFiles, graph, schema. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from '@layergen/runtime';
import { check, compile, evaluate, importModel, load, LayergenErrors, netSchema, problemsOf, toMermaid, writeFiles } from '../compiler/index.js';
import { repo, tempDir } from './helpers.js';

test('load, check and evaluate a sample', () => {
  const { graph } = load(repo('samples/mlp.yaml'));
  assert.is(graph.name, 'mlp');
  assert.match(check(repo('samples/mlp.yaml')), /mlp: 6 layers, 403 parameters; outputs: probs$/);
  const num = evaluate(repo('samples/seed-linear.yaml'), { x: [1, 2, 3] }) as Record<string, number[]>;
  const sym = evaluate(repo('samples/seed-linear.yaml'), { x: ['a', 'b', 'c'] }, { symbolic: true });
  assert.is(num.fc!.length, 2);
  assert.match(format(sym.fc![0]! as never, 'text'), /a/);
  assert.match(toMermaid(graph), /^flowchart TD/);
  assert.is((netSchema() as { title: string }).title, 'layergen net.yaml');
});

test('every problem of a file as LayergenErrors', () => {
  const file = join(tempDir('api'), 'bad.yaml');
  writeFileSync(file, 'name: b\ninputs:\n  x: [3]\nlayers:\n  - {name: a, type: linaer}\n  - {name: c, type: linear, unitz: 2}\n');
  try {
    load(file);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, LayergenErrors);
    assert.equal(problemsOf(e as LayergenErrors).map((p) => p.layer), ['a', 'c']);
  }
});

test('importModel and compile + writeFiles', async () => {
  const m = await importModel(repo('samples/mlp.onnx'));
  assert.is(m.name, 'mlp');
  assert.match(m.yaml, /type: linear/);
  const files = await compile(repo('samples/mlp.yaml'), { targets: ['numeric'] });
  const out = tempDir('api-out');
  assert.equal(writeFiles(out, files).map((w) => w.changed), [true]);
  assert.equal(writeFiles(out, files).map((w) => w.changed), [false]);
});

test.run();
