/**
 * The packages as users get them: `npm pack` of both workspaces, then
 * - the tarballs hold built code, declarations, README and LICENSE, and no tests or sources;
 * - a fresh project that installs both runs `npx layergen compile` on a shipped sample;
 * - a project with only @layergen/runtime installed runs the generated numeric and symbolic modules
 *   (their outputs equal the in-repo modules'), and a gpu module there names the missing gpu.js.
 * Packing uses --ignore-scripts: `npm test` has just built dist/, and prepack would rebuild it
 * under the running suite. Installing the compiler's dependencies needs the npm registry.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT, compileAndImport, repo } from '../helpers.js';

interface PackResult {
  readonly name: string;
  readonly filename: string;
  readonly unpackedSize: number;
  readonly files: readonly { readonly path: string }[];
}

const work = mkdtempSync(join(tmpdir(), 'layergen-pack-'));
const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });

let packed: Record<string, PackResult> | undefined;
function pack(): Record<string, PackResult> {
  packed ??= Object.fromEntries(
    (JSON.parse(npm(['pack', '--workspaces', '--include-workspace-root', '--ignore-scripts', '--json', '--pack-destination', work], ROOT)) as PackResult[]).map((p) => [p.name, p]),
  );
  return packed;
}
const tarball = (name: string): string => join(work, pack()[name]!.filename);

function project(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }));
  return dir;
}

test.after(() => rmSync(work, { recursive: true, force: true }));

test('npm pack gives both tarballs with built code and declarations, README and LICENSE, no tests or sources', () => {
  const p = pack();
  assert.equal(Object.keys(p).sort(), ['@layergen/runtime', 'layergen']);
  for (const r of Object.values(p)) {
    const files = r.files.map((f) => f.path);
    for (const must of ['package.json', 'README.md', 'LICENSE']) assert.ok(files.includes(must), `${r.name}: ${must}`);
    const stray = files.filter((f) => /(^|\/)test\/|\.test\.|(^|\/)bench\/|fixtures\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
    assert.equal(stray, [], `${r.name}: no tests, benchmarks or TypeScript sources`);
  }
  const compiler = p['layergen']!.files.map((f) => f.path);
  for (const must of ['bin/layergen.js', 'dist/compiler/cli.js', 'dist/compiler/index.js', 'dist/compiler/index.d.ts', 'templates/header.txt', 'samples/mlp.yaml']) assert.ok(compiler.includes(must), must);
  assert.not.ok(compiler.some((f) => f.startsWith('dist/runtime')), 'the compiler does not ship a copy of the runtime');
  const runtime = p['@layergen/runtime']!.files.map((f) => f.path);
  for (const must of ['dist/index.js', 'dist/index.d.ts', 'dist/gpuIndex.js', 'dist/gpuIndex.d.ts']) assert.ok(runtime.includes(must), must);
  assert.ok(p['@layergen/runtime']!.unpackedSize < 3e6, `runtime unpacked ${p['@layergen/runtime']!.unpackedSize} bytes`);
});

test('a project with only the runtime installed runs generated numeric and symbolic modules; a gpu module names gpu.js', async () => {
  const app = project('runtime-only');
  npm(['install', '--offline', tarball('@layergen/runtime')], app);
  assert.equal(readdirSync(join(app, 'node_modules')).filter((d) => !d.startsWith('.')), ['@layergen'], 'no dependencies come with the runtime');
  const out = join(app, 'gen');
  mkdirSync(out);
  execFileSync(process.execPath, [repo('bin/layergen.js'), 'compile', repo('samples/mlp.yaml'), '--out', out, '--lang', 'js'], { encoding: 'utf8' });
  writeFileSync(
    join(app, 'main.js'),
    `import * as num from './gen/mlp.numeric.js';
import * as sym from './gen/mlp.symbolic.js';
await num.ready;
const x = [0.5, -1, 2, 0];
const probs = Array.from(num.predict({ x }).probs);
const s = sym.predict({ x: ['a', 'b', 'c', 'd'] }).probs;
const env = { a: 0.5, b: -1, c: 2, d: 0 };
console.log(JSON.stringify({ probs, symbolic: s.map((e) => sym.evaluate(e, env)), text: sym.format(s[0], 'text') }));
const gpu = await import('./gen/mlp.gpu.js');
try { await gpu.predict({ x }); console.log('gpu ran'); } catch (e) { console.log(e.message); }
`,
  );
  const r = spawnSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const [first, gpuLine] = r.stdout.trim().split('\n');
  const got = JSON.parse(first!) as { probs: number[]; symbolic: number[]; text: string };
  const here = await compileAndImport<{ predict(i: object): { probs: Float64Array } }>('samples/mlp.yaml', 'numeric');
  assert.equal(got.probs, Array.from(here.predict({ x: [0.5, -1, 2, 0] }).probs), 'same numbers as the in-repo module');
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(got.symbolic[i]! - got.probs[i]!) < 1e-12, 'symbolic evaluates to the numeric outputs');
  const hereSym = await compileAndImport<{ predict(i: object): { probs: unknown[] }; format(e: unknown, f: string): string }>('samples/mlp.yaml', 'symbolic');
  assert.is(got.text, hereSym.format(hereSym.predict({ x: ['a', 'b', 'c', 'd'] }).probs[0], 'text'), 'same expression as the in-repo module');
  assert.match(gpuLine!, /mlp\.gpu: gpu modules need the package gpu\.js, which is not installed: npm install gpu\.js/);
});

test('a fresh project that installs both tarballs compiles a shipped sample with npx layergen', () => {
  const app = project('with-compiler');
  npm(['install', '--prefer-offline', tarball('@layergen/runtime'), tarball('layergen')], app);
  const modules = readdirSync(join(app, 'node_modules'));
  assert.not.ok(modules.includes('gpu.js') || modules.includes('gl'), 'gpu.js (and headless-gl) are not installed with the compiler');
  const help = execFileSync('npx', ['--no', '--', 'layergen', '--help'], { cwd: app, encoding: 'utf8' });
  assert.match(help, /layergen compile <net>/);
  cpSync(join(app, 'node_modules/layergen/samples'), join(app, 'samples'), { recursive: true });
  const r = spawnSync('npx', ['--no', 'layergen', 'compile', 'samples/lstm.yaml', '--out', 'src/generated'], { cwd: app, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  for (const t of ['numeric', 'gpu', 'symbolic']) assert.ok(statSync(join(app, `src/generated/lstm.${t}.ts`)).size > 0, t);
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', "const m = await import('layergen'); console.log(typeof m.compile)"], { cwd: app, encoding: 'utf8' });
  assert.is(run.stdout.trim(), 'function', run.stderr);
});

test.run();
