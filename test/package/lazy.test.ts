/**
 * Heavy libraries load only where they are needed: with a resolve hook that refuses them, `layergen
 * compile` works without the importers' onnx-proto and h5wasm, `check` and `eval` also without
 * ts-morph and prettier, and `layergen import` (which needs onnx-proto) fails.
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
  `const refused = (process.env.REFUSE ?? '').split(',');
export async function resolve(spec, ctx, next) {
  if (refused.includes(spec)) throw new Error('refused to load ' + spec);
  return next(spec, ctx);
}
`,
);
writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);

const IMPORTERS = 'onnx-proto,h5wasm';
const cli = (refuse: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, repo('bin/layergen.js'), ...args], { encoding: 'utf8', env: { ...process.env, REFUSE: refuse } });

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('compile loads neither onnx-proto nor h5wasm; check and eval not even ts-morph or prettier', () => {
  const c = cli(IMPORTERS, 'compile', repo('samples/lstm.yaml'), '--out', join(dir, 'out'));
  assert.is(c.status, 0, c.stderr);
  const k = cli(`${IMPORTERS},ts-morph,prettier`, 'check', repo('samples/mlp.yaml'));
  assert.is(k.status, 0, k.stderr);
  const e = cli(`${IMPORTERS},ts-morph,prettier`, 'eval', repo('samples/seed-linear.yaml'), '--symbolic', '--input', 'x=a,b,c');
  assert.is(e.status, 0, e.stderr);
  const refused = cli('ts-morph', 'compile', repo('samples/mlp.yaml'), '--out', join(dir, 'out2'));
  assert.match(refused.stderr, /refused to load ts-morph/, 'the hook does refuse what compile needs');
});

test('import loads onnx-proto (the hook sees it)', () => {
  const r = cli(IMPORTERS, 'import', repo('samples/mlp.onnx'), '--check');
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /refused to load onnx-proto/);
});

test.run();
