/** `layergen import MODEL.h5|MODEL.keras` as a user runs it: files written, --check, errors (exit 1, nothing written). */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repo, tempDir } from '../helpers.js';
import { modelPath } from './support.js';

function layergen(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [repo('bin/layergen.js'), ...args], { cwd: repo(), encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('import of a .keras and a .h5 writes NAME.yaml and NAME.safetensors; the nets evaluate alike', () => {
  const dir = tempDir('cli-keras');
  const outs: number[][] = [];
  for (const ext of ['keras', 'h5']) {
    const r = layergen('import', modelPath(`mlp.${ext}`), '--out', dir, '--name', `mlp_${ext}`);
    assert.is(r.code, 0, r.err);
    assert.equal(r.out.trim().split('\n'), [`wrote ${join(dir, `mlp_${ext}.yaml`)}`, `wrote ${join(dir, `mlp_${ext}.safetensors`)}`]);
    const ev = layergen('eval', join(dir, `mlp_${ext}.yaml`), '--input', 'input_layer=0.5,-1,2,0', '--json');
    assert.is(ev.code, 0, ev.err);
    outs.push(JSON.parse(ev.out).dense_2 as number[]);
  }
  assert.is(outs[0]!.length, 3);
  assert.equal(outs[0], outs[1], 'the .keras and .h5 files hold the same model');
  assert.equal(readdirSync(dir).sort(), ['mlp_h5.safetensors', 'mlp_h5.yaml', 'mlp_keras.safetensors', 'mlp_keras.yaml']);
});

test('--check prints the Keras version, the model class and the layer table', () => {
  const r = layergen('import', modelPath('cnn1d.keras'), '--check');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /cnn1d\.keras: Keras 3\.6\.0 Sequential \(\.keras\), 7 layers/);
  assert.match(r.out, /conv1d_channels_first\s+permute\s+input_layer\s+\[3, 12\]/);
  const h5 = layergen('import', modelPath('merge.h5'), '--check');
  assert.is(h5.code, 0, h5.err);
  assert.match(h5.out, /merge\.h5: Keras 2\.15\.0 Functional \(legacy \.h5\), 14 layers/);
});

test('errors: exit 1, every unsupported layer on stderr, nothing written, no stack trace', () => {
  const dir = join(tempDir('cli-keras-error'), 'out');
  const r = layergen('import', modelPath('unsupported.keras'), '--out', dir);
  assert.is(r.code, 1);
  assert.match(r.err, /^layergen: .*unsupported\.keras: cannot import: 3 problems \(unsupported layers: Masking, TimeDistributed, LocallyConnected1D\)\n/);
  assert.not.match(r.err, /\n\s+at /, 'no stack trace');
  assert.not.ok(existsSync(dir), 'nothing written');
  const t = layergen('import', modelPath('missing_weights.h5'), '--out', dir);
  assert.is(t.code, 1);
  assert.match(t.err, /layer "dense_1" \(Dense\): missing weights/);
  assert.not.ok(existsSync(dir), 'nothing written');
});

test.run();
