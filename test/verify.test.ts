/** `layergen verify`: every backend agrees with numeric float64 at random points; a too-tight tolerance fails. */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from '../compiler/index.js';
import { verify } from '../compiler/verify.js';
import { repo } from './helpers.js';

test('verify on the mlp sample: every backend within tolerance', async () => {
  const rows = await verify(build(repo('samples/mlp.yaml')).graph, { points: 4 });
  assert.equal(rows.map((r) => r.backend).sort(), ['float32', 'gpu', 'symbolic']);
  for (const r of rows) assert.ok(r.ok, JSON.stringify(r));
  const f32 = rows.find((r) => r.backend === 'float32')!;
  assert.ok(f32.maxError > 1e-10 && f32.maxError < 1e-6, `float32 really differs from float64, slightly: ${f32.maxError}`);
  assert.ok(rows.find((r) => r.backend === 'symbolic')!.maxError < 1e-12);
});

test('verify reports failures beyond tolerance', async () => {
  const rows = await verify(build(repo('samples/seed-linear.yaml')).graph, { points: 3, tolerance: { float32: 1e-12 }, skip: ['gpu'] });
  const f32 = rows.find((r) => r.backend === 'float32')!;
  assert.is(f32.ok, false);
});

test('layergen verify: table and exit code', () => {
  const r = spawnSync(process.execPath, [repo('bin/layergen.js'), 'verify', 'samples/seed-linear.yaml', '--points', '3'], { cwd: repo(), encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /fc\s+float32\s+\d\.\d+e-\d+\s+1e-4\s+yes/);
  assert.match(r.stdout, /fc\s+symbolic/);
  const bad = spawnSync(process.execPath, [repo('bin/layergen.js'), 'verify', 'samples/seed-linear.yaml', '--skip', 'cuda'], { cwd: repo(), encoding: 'utf8' });
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /--skip: unknown backend cuda/);
});

test.run();
