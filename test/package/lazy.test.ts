/**
 * The importers' heavy libraries load only when an import runs: with a resolve hook that refuses
 * `onnx-proto` and `h5wasm`, `layergen compile` and `check` still work and `layergen import` fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repo } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'layergen-lazy-'));
writeFileSync(
  join(dir, 'hooks.mjs'),
  `export async function resolve(spec, ctx, next) {
  if (spec === 'onnx-proto' || spec === 'h5wasm') throw new Error('refused to load ' + spec);
  return next(spec, ctx);
}
`,
);
writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, repo('bin/layergen.js'), ...args], { encoding: 'utf8' });

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('compile and check load neither onnx-proto nor h5wasm', () => {
  const c = cli('compile', repo('samples/lstm.yaml'), '--out', join(dir, 'out'));
  assert.is(c.status, 0, c.stderr);
  const k = cli('check', repo('samples/mlp.yaml'));
  assert.is(k.status, 0, k.stderr);
});

test('import loads onnx-proto (the hook sees it)', () => {
  const r = cli('import', repo('samples/mlp.onnx'), '--check');
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /refused to load onnx-proto/);
});

test.run();
