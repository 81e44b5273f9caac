/** `layergen explain`, `compile --dump-after`, the weights sidecar and `--embed-weights` from the command line. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repo, tempDir } from '../helpers.js';

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [repo('bin/layergen.js'), ...args], { cwd: repo(), encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('explain prints the IR after every pass; --after selects passes', () => {
  const r = cli('explain', 'samples/cnn.yaml');
  assert.is(r.code, 0, r.err);
  for (const p of ['inferShapes', 'expandComposites', 'foldConstants', 'foldBatchNorm', 'cse', 'fuseElementwise']) assert.ok(r.out.includes(`== after ${p} (pass `), p);
  assert.match(r.out, /conv1\+bn1\s+conv2d\s+x\s+\[4, 8, 8\]\s+weight\[4, 1, 3, 3\] bias\[4\]/, 'batchnorm folded into the conv');
  assert.match(r.out, /conv1\+bn1\+relu1\s+fused\(conv2d\+relu\)/, 'then relu fused');
  const one = cli('explain', 'samples/cnn.yaml', '--after', 'fuseElementwise');
  assert.is(one.out.match(/== after /g)?.length, 1);
  const bad = cli('explain', 'samples/cnn.yaml', '--after', 'fold');
  assert.is(bad.code, 1);
  assert.match(bad.err, /unknown pass "fold" \(passes: inferShapes, /);
});

test('compile --dump-after prints the IR, then writes; large weights go to NAME.weights.bin unless --embed-weights', () => {
  const dir = tempDir('cli-dump');
  const r = cli('compile', 'test/fixtures/nets/mlp_784.yaml', '--out', dir, '--target', 'numeric', '--dump-after', 'fuseElementwise');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /== after fuseElementwise \(pass 7\) ==\n#/);
  assert.match(r.out, /fc1\+relu1\s+fused\(linear\+relu\)/);
  assert.match(r.out, /wrote .*mlp_784\.weights\.bin/);
  assert.ok(existsSync(join(dir, 'mlp_784.weights.bin')));
  const embed = tempDir('cli-embed');
  const e = cli('compile', 'test/fixtures/nets/mlp_784.yaml', '--out', embed, '--target', 'numeric', '--embed-weights');
  assert.is(e.code, 0, e.err);
  assert.equal(readdirSync(embed), ['mlp_784.numeric.ts']);
});

test.run();
