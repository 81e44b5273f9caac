/**
 * `layergen import` as a user runs it: files written (atomically; nothing on error), exit codes,
 * --check, --name; then the imported net compiles and evaluates with the other commands.
 * Uses bin/layergen when its CLI lists `import`, else the same command module in cliRunner.js.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repo, tempDir } from '../helpers.js';
import { modelPath, tempModel } from './support.js';

const BIN = repo('bin/layergen.js');
const wired = /layergen import/.test(spawnSync(process.execPath, [BIN, '--help'], { cwd: repo(), encoding: 'utf8' }).stdout);
const RUNNER = wired ? BIN : repo('dist/test/onnx/cliRunner.js');

function run(script: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: repo(), encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
const layergenImport = (...args: string[]) => run(RUNNER, 'import', ...args);
const layergen = (...args: string[]) => run(BIN, ...args);

test('import writes NAME.yaml and NAME.safetensors; the net compiles and evaluates', () => {
  const dir = tempDir('cli-import');
  const r = layergenImport(modelPath('mlp.opset17.onnx'), '--out', dir, '--name', 'mlp');
  assert.is(r.code, 0, r.err);
  assert.equal(r.out.trim().split('\n'), [`wrote ${join(dir, 'mlp.yaml')}`, `wrote ${join(dir, 'mlp.safetensors')}`]);
  assert.equal(readdirSync(dir).sort(), ['mlp.safetensors', 'mlp.yaml'], 'no temporary files left');
  const check = layergen('check', join(dir, 'mlp.yaml'));
  assert.is(check.code, 0, check.err);
  assert.match(check.out, /mlp: 6 layers, 403 parameters; outputs: y/);
  const ev = layergen('eval', join(dir, 'mlp.yaml'), '--input', 'x=0.5,-1,2,0', '--json');
  assert.is(ev.code, 0, ev.err);
  const probs = JSON.parse(ev.out).y as number[];
  assert.is(probs.length, 3);
  assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-12);
});

test('the default name is the file name as an identifier', () => {
  const dir = tempDir('cli-default-name');
  const r = layergenImport(modelPath('lstm_last.opset14.onnx'), '--out', dir);
  assert.is(r.code, 0, r.err);
  assert.equal(readdirSync(dir).sort(), ['lstm_last_opset14.safetensors', 'lstm_last_opset14.yaml']);
});

test('--check prints the layer table and writes nothing', () => {
  const r = layergenImport(modelPath('cnn.opset17.onnx'), '--check');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /cnn\.opset17\.onnx: ONNX opset 17 \(pytorch 1\.13\.\d+\), \d+ nodes/);
  assert.match(r.out, /layer\s+type\s+inputs\s+output shape\s+params/);
  assert.match(r.out, /conv2d_0\s+conv2d\s+x\s+\[4, 8, 8\]\s+40/);
  assert.match(r.out, /y\s+log_softmax\s+linear_8\s+\[3\]/);
});

test('errors: exit 1, every problem on stderr, nothing written', () => {
  const dir = join(tempDir('cli-error'), 'out');
  const r = layergenImport(modelPath('unsupported.opset17.onnx'), '--out', dir);
  assert.is(r.code, 1);
  assert.match(r.err, /^layergen: .*unsupported\.opset17\.onnx: cannot import: 2 problems \(unsupported ops: Asin, CumSum\)/);
  assert.match(r.err, /node "my_asin" \(Asin\)/);
  assert.match(r.err, /node "my_cumsum" \(CumSum\)/);
  assert.not.match(r.err, /\n\s+at /, 'no stack trace');
  assert.is(existsSync(dir), false, 'nothing written');
  const check = layergenImport(modelPath('unsupported.opset17.onnx'), '--check');
  assert.is(check.code, 1);
  assert.match(check.err, /my_cumsum/);
  const broken = layergenImport(tempModel(new Uint8Array([0x0a, 0xff, 0xff, 0xff])), '--out', dir);
  assert.is(broken.code, 1);
  assert.match(broken.err, /not a valid ONNX model/);
  assert.is(existsSync(dir), false, 'nothing written');
});

test('usage errors exit 2', () => {
  const r = layergenImport(modelPath('mlp.opset17.onnx'));
  assert.is(r.code, 2);
  assert.match(r.err, /--out DIR is required \(or --check\)/);
});

test.run();
