/**
 * The gpu module in a real browser: esbuild bundles a page script with the gpu module of
 * samples/mlp.yaml, @layergen/runtime/gpu and gpu.js (its browser build); headless Chromium
 * (Debian `chromium`, WebGL in software there) runs it forced to `webgl` and to `webgl2` — in
 * both its linear layers as a shader chain (GLSL ES 1.0, then 3.00), the softmax as gpu.js kernels
 * after it — with batches of different sizes in turn, and posts outputs and backendInfo() back. Outputs must be
 * within 1e-4 of the float64 numeric module in Node.
 *
 * Without /usr/bin/chromium the test says so and passes, unless LAYERGEN_EXPECT_BROWSER is set.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../../compiler/index.js';
import type { GpuBackendInfo } from '@layergen/runtime/gpu';
import { mismatch, ROOT, tempDir } from '../helpers.js';
import { CHROMIUM, chromium, html, serve } from './page.js';

const BATCHES = [9, 1, 17];
const x = (batch: number): number[] => Array.from({ length: batch * 4 }, (_, i) => ((i * 37) % 29) / 7 - 2);

const PAGE = `import * as gpu from './mlp.gpu.js';
(async () => {
  const runs = [];
  for (const mode of ['webgl', 'webgl2']) {
    gpu.configure({ mode });
    for (const batch of ${JSON.stringify(BATCHES)}) {
      const x = Array.from({ length: batch * 4 }, (_, i) => ((i * 37) % 29) / 7 - 2);
      const out = await gpu.predictBatch({ x }, batch);
      runs.push({ mode, batch, probs: Array.from(out.probs), info: gpu.backendInfo() });
    }
  }
  await gpu.dispose();
  return runs;
})()
  .catch((e) => ({ error: String(e && e.stack || e) }))
  .then((results) => fetch('/result', { method: 'POST', body: JSON.stringify(results) }));
`;

interface Run {
  readonly mode: string;
  readonly batch: number;
  readonly probs: number[];
  readonly info: GpuBackendInfo;
}

test('Chromium: the gpu module on WebGL 1 and WebGL 2 (shader chain, then kernels) matches the numeric module', async () => {
  const dir = tempDir('browser-gpu');
  for (const f of await compile(join(ROOT, 'samples/mlp.yaml'), { targets: ['gpu', 'numeric'], lang: 'js' })) writeFileSync(join(dir, f.path), f.bytes ?? f.text);
  writeFileSync(join(dir, 'page.js'), PAGE);
  const page = await esbuild.build({ entryPoints: [join(dir, 'page.js')], bundle: true, format: 'esm', write: false, logLevel: 'silent', metafile: true });
  assert.equal(page.errors, []);
  const inputs = Object.keys(page.metafile.inputs);
  assert.ok(inputs.some((m) => /gpu\.js[\\/]dist[\\/]gpu-browser/.test(m)), 'gpu.js\'s browser build is bundled');
  const num = (await import(pathToFileURL(join(dir, 'mlp.numeric.js')).href)) as { predictBatch(i: Record<string, number[]>, b: number): { probs: Float64Array } };

  if (!existsSync(CHROMIUM)) {
    if (process.env.LAYERGEN_EXPECT_BROWSER) assert.unreachable(`${CHROMIUM} is missing (apt-get install chromium)`);
    console.log(`  browser: ${CHROMIUM} not found, page run skipped (bundle checked)`);
    return;
  }
  const got = JSON.parse(
    await serve({ '/': { type: 'text/html', body: html('page.js', true) }, '/page.js': { type: 'text/javascript', body: page.outputFiles[0]!.text } }, chromium, 120_000),
  ) as Run[] | { error: string };
  assert.ok(Array.isArray(got), `the page failed: ${(got as { error: string }).error}`);
  assert.is(got.length, 2 * BATCHES.length);
  for (const r of got) {
    const want = Array.from(num.predictBatch({ x: x(r.batch) }, r.batch).probs);
    assert.is(mismatch(r.probs, want, 1e-4, 1, `${r.mode}, batch ${r.batch}`), null);
    assert.is(r.info.mode, r.mode);
    assert.is(r.info.kernel, r.mode === 'webgl' ? 'WebGLKernel' : 'WebGL2Kernel');
    assert.is(r.info.shaderChain, 8, `${r.mode}: the linear layers as a shader chain`);
  }
  console.log(`  browser: Chromium ran the gpu module (renderer: ${got[0]!.info.renderer}; webgl: shader chain of ${got[0]!.info.shaderChain} render targets)`);
});

test.run();
