/**
 * Generated modules in a real browser: esbuild bundles a page script that imports the default
 * numeric module and the symbolic module of samples/mlp.yaml (no options: esbuild's defaults for
 * the browser), and a second one that imports a numeric module whose weights live in a
 * `.weights.bin` beside it (format esm, as import.meta.url needs; the page fetches the file).
 * Headless Chromium (Debian `chromium`) runs both from 127.0.0.1 and posts its outputs back; they
 * must equal Node's to the bit, and the symbolic text must be the same string. A third page runs
 * predictBatchParallel over Web Workers (cross-origin isolated) and in the page's thread (not).
 *
 * Without /usr/bin/chromium the test says so and passes, unless LAYERGEN_EXPECT_BROWSER is set
 * (CI sets it, so a missing browser fails there).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../../compiler/index.js';
import { ROOT, tempDir } from '../helpers.js';
import { CHROMIUM, chromium, html, serve } from './page.js';
const X = [0.5, -1, 2, 0];

/** The page script: runs the modules and posts what they computed. */
const entry = (imports: string, body: string): string => `${imports}
(async () => { ${body} })()
  .catch((e) => ({ error: String(e && e.stack || e) }))
  .then((results) => fetch('/result', { method: 'POST', body: JSON.stringify(results) }));
`;
const SMALL_IMPORTS = `import * as num from './mlp.numeric.js';\nimport * as sym from './mlp.symbolic.js';`;
const SMALL_BODY = `await num.ready;
  const one = Array.from(num.predict({ x: ${JSON.stringify(X)} }).probs);
  const batch = Array.from(num.predictBatch({ x: [${JSON.stringify(X)}, [1, 1, 1, 1]] }, 2).probs);
  const par = Array.from((await num.predictBatchParallel({ x: [${JSON.stringify(X)}, [1, 1, 1, 1]] }, 2)).probs);
  const s = sym.predict({ x: ['a', 'b', 'c', 'd'] }).probs;
  return { one, batch, par, text: s.map((e) => sym.format(e, 'sympy')), value: s.map((e) => sym.evaluate(e, { a: 0.5, b: -1, c: 2, d: 0 })) };`;
const SIDE_IMPORTS = `import * as side from './side.numeric.js';`;
const SIDE_BODY = `let early = '';
  try { side.predict({ x: new Array(40).fill(0.25) }); } catch (e) { early = e.message; }
  await side.ready;
  return { early, out: Array.from(side.predict({ x: new Array(40).fill(0.25) }).fc2) };`;

// a batch over two Web Workers: the page counts the workers it starts (0 where it cannot share memory)
const PAR_IMPORTS = `import * as num from './mlp.numeric.js';`;
const PAR_BODY = `let made = 0;
  if (typeof Worker === 'function') {
    const W = Worker;
    globalThis.Worker = class extends W { constructor(...a) { super(...a); made++; } };
  }
  await num.ready;
  const x = Array.from({ length: 256 * 4 }, (_, i) => ((i * 37) % 29) / 8 - 1.75);
  const par = await num.predictBatchParallel({ x }, 256, { workers: 2, minPerWorker: 1 });
  const again = await num.predictBatchParallel({ x }, 256, { workers: 2, minPerWorker: 1, module: typeof location === 'object' ? '/mlp.numeric.js' : undefined });
  return { made, shared: typeof SharedArrayBuffer === 'function' && par.probs.buffer instanceof SharedArrayBuffer, par: Array.from(par.probs), again: Array.from(again.probs), one: Array.from(num.predictBatch({ x }, 256).probs) };`;

const NET_SIDE = `name: side
inputs:
  x: [40]
layers:
  - {name: fc1, type: linear, units: 300}
  - {type: tanh}
  - {name: fc2, type: linear, units: 7}
seed: 3
`;

async function writeModules(dir: string): Promise<void> {
  writeFileSync(join(dir, 'side.yaml'), NET_SIDE);
  for (const [net, targets] of [[join(ROOT, 'samples/mlp.yaml'), ['numeric', 'symbolic']], [join(dir, 'side.yaml'), ['numeric']]] as const) {
    for (const f of await compile(net, { targets: [...targets], lang: 'js' })) writeFileSync(join(dir, f.path), f.bytes ?? f.text);
  }
}

test('esbuild bundles the default numeric and the symbolic module for the browser; Chromium computes what Node computes', async () => {
  const dir = tempDir('browser');
  await writeModules(dir);
  writeFileSync(join(dir, 'small.js'), entry(SMALL_IMPORTS, SMALL_BODY));
  writeFileSync(join(dir, 'side.js'), entry(SIDE_IMPORTS, SIDE_BODY));
  // esbuild's defaults for a browser bundle (iife); the sidecar module needs import.meta.url: esm
  const small = await esbuild.build({ entryPoints: [join(dir, 'small.js')], bundle: true, write: false, logLevel: 'silent', metafile: true });
  const side = await esbuild.build({ entryPoints: [join(dir, 'side.js')], bundle: true, format: 'esm', write: false, logLevel: 'silent' });
  assert.equal(small.errors, []);
  assert.equal(side.errors, []);
  // the only note esbuild has on the default bundle: predictBatchParallel's import.meta.url is empty in iife
  assert.equal([...new Set(small.warnings.map((w) => w.id))].filter((id) => id !== 'empty-import-meta'), []);
  assert.equal(side.warnings, []);
  const smallJs = small.outputFiles[0]!.text;
  const imported = Object.values(small.metafile.inputs).flatMap((i) => i.imports.map((m) => m.path));
  assert.equal(imported.filter((m) => m.startsWith('node:') || /gpu\.js$|gpuIndex/.test(m)), [], 'no node: import and no gpu.js in the bundle');
  assert.ok(imported.some((m) => m.includes('runtime/dist/index.js')), 'the runtime is bundled');
  assert.equal(Object.values(small.metafile.outputs).flatMap((o) => o.imports), [], 'nothing left external');

  // what Node computes with the same modules and page code
  const nodeResults = async (imports: string, body: string, name: string): Promise<unknown> => {
    const file = join(dir, `${name}.node.js`);
    writeFileSync(file, `${imports}\nexport const results = await (async () => { ${body} })();\n`);
    return ((await import(pathToFileURL(file).href)) as { results: unknown }).results;
  };
  const wantSmall = await nodeResults(SMALL_IMPORTS, SMALL_BODY, 'small');
  const wantSide = (await nodeResults(SIDE_IMPORTS, SIDE_BODY, 'side')) as { early: string; out: number[] };
  assert.is(wantSide.early, '', 'in Node the sidecar is read at import');

  if (!existsSync(CHROMIUM)) {
    if (process.env.LAYERGEN_EXPECT_BROWSER) assert.unreachable(`${CHROMIUM} is missing (apt-get install chromium)`);
    console.log(`  browser: ${CHROMIUM} not found, page runs skipped (bundles checked)`);
    return;
  }
  const gotSmall = JSON.parse(
    await serve({ '/': { type: 'text/html', body: html('small.js', false) }, '/small.js': { type: 'text/javascript', body: smallJs } }, chromium, 60_000),
  ) as unknown;
  assert.equal(gotSmall, wantSmall, 'numeric and symbolic results in Chromium equal Node');
  const gotSide = JSON.parse(
    await serve(
      {
        '/': { type: 'text/html', body: html('side.js', true) },
        '/side.js': { type: 'text/javascript', body: side.outputFiles[0]!.text },
        '/side.weights.bin': { type: 'application/octet-stream', body: readFileSync(join(dir, 'side.weights.bin')) },
      },
      chromium,
      60_000,
    ),
  ) as { early: string; out: number[] };
  assert.match(gotSide.early, /side\.numeric: its weights \(side\.weights\.bin\) are still loading: await the module's `ready` promise/);
  assert.equal(gotSide.out, wantSide.out, 'sidecar weights fetched in Chromium give Node\'s outputs');

  // predictBatchParallel in the browser: the numeric module served as a file of its own (an esbuild
  // entry point, runtime inlined) so that workers can import it, a page that imports it unbundled.
  // Cross-origin isolated (COOP + COEP headers), the batch is shared by two Web Workers; without
  // the headers the same page runs it in the page's thread. Both equal Node to the bit.
  const mod = await esbuild.build({ entryPoints: [join(dir, 'mlp.numeric.js')], bundle: true, format: 'esm', write: false, logLevel: 'silent' });
  assert.equal(mod.errors, []);
  const wantPar = (await nodeResults(PAR_IMPORTS, PAR_BODY, 'par')) as { made: number; shared: boolean; par: number[]; again: number[]; one: number[] };
  assert.equal(wantPar.par, wantPar.one, 'Node: workers equal predictBatch');
  const parFiles = {
    '/': { type: 'text/html', body: html('par.js', true) },
    '/par.js': { type: 'text/javascript', body: entry(PAR_IMPORTS, PAR_BODY) },
    '/mlp.numeric.js': { type: 'text/javascript', body: mod.outputFiles[0]!.text },
  };
  const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
  for (const [how, headers, workers] of [['isolated', isolation, 2], ['not isolated', {}, 0]] as const) {
    const got = JSON.parse(await serve(parFiles, chromium, 60_000, headers)) as typeof wantPar & { error?: string };
    assert.is(got.error, undefined, `${how}: ${got.error}`);
    assert.is(got.made, workers, `${how}: Web Workers started`);
    assert.is(got.shared, workers > 0, `${how}: outputs in shared memory`);
    assert.equal(got.par, wantPar.one, `${how}: predictBatchParallel in Chromium equals Node`);
    assert.equal(got.again, wantPar.one, `${how}: a second call (options.module a path on the page's server: the same workers) equals Node`);
  }
  console.log('  browser: Chromium ran the pages (parallel: 2 Web Workers, cross-origin isolated)');
});

test.run();
