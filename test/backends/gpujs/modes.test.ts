/**
 * Choosing the gpu.js backend: configure({ mode }) and LAYERGEN_GPU_MODE force a kernel kind,
 * a forced mode that cannot run throws instead of falling back, and backendInfo() reports the
 * class of the kernels that ran.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import gpujs from 'gpu.js';
import {
  availableGpuModes,
  checkKernelMode,
  kernelMode,
  parseGpuMode,
  type SupportStatics,
} from '@layergen/runtime/gpu';
import { ROOT, loadFixture } from '../../helpers.js';
import { gpuImport, gpuMismatch, gpuWrite } from './load.js';

const available = availableGpuModes(gpujs.GPU as unknown as SupportStatics);
const fx = loadFixture('mlp');
const case0 = fx.cases[1]!; // batch 3

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected a rejection matching ${re}`);
}

test('mode names: webasm is webassembly, auto and empty mean unforced, unknown names throw', () => {
  assert.is(parseGpuMode('WEBASM', 'x'), 'webassembly');
  assert.is(parseGpuMode('headlessgl', 'x'), 'headlessgl');
  assert.is(parseGpuMode('auto', 'x'), undefined);
  assert.is(parseGpuMode('', 'x'), undefined);
  assert.is(parseGpuMode(undefined, 'x'), undefined);
  assert.throws(
    () => parseGpuMode('cuda', 'LAYERGEN_GPU_MODE'),
    /LAYERGEN_GPU_MODE: unknown gpu mode "cuda" \(valid: headlessgl, webgl, webgl2, webgpu, webassembly, cpu, or auto\)/,
  );
});

test('the kernel kind comes from the kernel class (static mode first, so minified names still work)', () => {
  assert.is(kernelMode({ name: 'HeadlessGLKernel', mode: 'headlessgl' }), 'headlessgl');
  assert.is(kernelMode({ name: 'WebAssemblyKernel', mode: 'webasm' }), 'webassembly');
  assert.is(kernelMode({ name: 'e', mode: 'cpu' }), 'cpu');
  assert.is(kernelMode({ name: 'WebGL2Kernel' }), 'webgl2');
  assert.is(kernelMode({ name: 'Mystery' }), undefined);
});

test('a forced mode whose kernel fell back throws, naming both kinds and the reason', () => {
  const cpu = { constructor: { name: 'CPUKernel', mode: 'cpu' }, fallbackReason: 'shader did not compile' };
  const where = 'm.gpu: gpu mode "headlessgl" was forced (LAYERGEN_GPU_MODE) but layer "fc1"';
  assert.throws(
    () => checkKernelMode('headlessgl', cpu, where),
    /m\.gpu: gpu mode "headlessgl" was forced \(LAYERGEN_GPU_MODE\) but layer "fc1" ran on CPUKernel \(gpu\.js fell back: shader did not compile\), not HeadlessGLKernel; refusing to fall back silently/,
  );
  checkKernelMode('cpu', cpu, where);
  checkKernelMode(undefined, cpu, where);
});

test('configure({ mode }) forces each available mode, and backendInfo reports its kernel class', async () => {
  const m = await gpuImport({ file: fx.net });
  try {
    for (const mode of available) {
      m.configure({ mode });
      assert.equal(m.backendInfo(), { mode: null, kernel: null, forced: mode, renderer: null, tiled: false, shaderChain: null }, 'before running');
      const got = await m.predictBatch(case0.inputs, case0.batch);
      assert.is(gpuMismatch(got.probs!, case0.float64.probs!, 1e-4, mode), null);
      const kernel = {
        headlessgl: 'HeadlessGLKernel',
        webgl: 'WebGLKernel',
        webgl2: 'WebGL2Kernel',
        webgpu: 'WebGPUKernel',
        webassembly: 'WebAssemblyKernel',
        cpu: 'CPUKernel',
      }[mode];
      const gl = ['headlessgl', 'webgl', 'webgl2'].includes(mode);
      const info = m.backendInfo();
      assert.equal({ ...info, renderer: null }, { mode, kernel, forced: mode, renderer: null, tiled: gl, shaderChain: mode === 'headlessgl' ? 8 : null }, 'its linear layers as a shader chain on headless-gl');
      // headless-gl reports "ANGLE"; the driver it loaded is added where /proc/self/maps names one
      if (mode === 'headlessgl') assert.match(info.renderer ?? '', /^ANGLE( \((Mesa|NVIDIA) .+\))?$/);
      else if (gl) assert.type(info.renderer, 'string');
      else assert.is(info.renderer, null);
    }
    m.configure({ mode: 'webasm' });
    await m.predict({ x: [1, 2, 3, 4] });
    assert.is(m.backendInfo().kernel, 'WebAssemblyKernel');
    m.configure({ mode: 'auto' });
    await m.predict({ x: [1, 2, 3, 4] });
    assert.is(m.backendInfo().forced, null);
    console.log(`  modes available here: ${available.join(', ')}; auto picked ${m.backendInfo().kernel} (renderer: ${m.backendInfo().renderer})`);
  } finally {
    await m.dispose();
  }
});

test('the shader chain runs only on a forced or chosen GL kind (headless-gl here); cpu and webassembly run their kernels', async () => {
  const mlp = loadFixture('mlp_784');
  const m = await gpuImport({ file: mlp.net });
  try {
    for (const mode of available.filter((k) => ['headlessgl', 'cpu', 'webassembly'].includes(k))) {
      m.configure({ mode });
      const got = await m.predictBatch(mlp.cases[0]!.inputs, mlp.cases[0]!.batch);
      assert.is(gpuMismatch(got.fc3!, mlp.cases[0]!.float64.fc3!, 1e-4, mode), null);
      const info = m.backendInfo();
      assert.is(info.mode, mode);
      assert.is(info.shaderChain, mode === 'headlessgl' ? 8 : null, mode);
    }
  } finally {
    await m.dispose();
  }
});

test('a forced mode that cannot run here rejects with a clear error instead of falling back', async () => {
  const m = await gpuImport({ file: fx.net });
  try {
    for (const mode of ['webgl', 'webgl2', 'webgpu', 'headlessgl'] as const) {
      if (available.includes(mode)) continue;
      m.configure({ mode });
      await rejects(
        m.predict({ x: [1, 2, 3, 4] }),
        new RegExp(
          `mlp\\.gpu: gpu mode "${mode}" was forced \\(configure\\(\\{ mode \\}\\)\\) but gpu\\.js cannot create a \\w+Kernel here; it needs .*Modes available here: .*cpu\\.`,
        ),
      );
      assert.is(m.backendInfo().kernel, null, 'nothing ran');
    }
    assert.throws(
      () => m.configure({ mode: 'cuda' as 'cpu' }),
      /mlp\.gpu: configure\(\{ mode \}\): unknown gpu mode "cuda"/,
    );
  } finally {
    await m.dispose();
  }
});

/** Runs the mlp gpu module in a child process with `env`, returning what it printed. */
function child(
  main: string,
  env: Record<string, string | undefined>,
): { ok: boolean; error?: string; kernel?: string; forced?: string | null } {
  const script = `
    const m = await import(${JSON.stringify(pathToFileURL(main).href)});
    try {
      await m.predict({ x: [1, 2, 3, 4] });
      const i = m.backendInfo();
      console.log(JSON.stringify({ ok: true, kernel: i.kernel, forced: i.forced }));
    } catch (e) {
      console.log(JSON.stringify({ ok: false, error: e.message }));
    }`;
  const full: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) full[k] = v;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: full,
    encoding: 'utf8',
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ReturnType<typeof child>;
  } catch {
    throw new Error(`child failed (status ${r.status}): ${r.stdout}\n${r.stderr}`);
  }
}

test('LAYERGEN_GPU_MODE forces a mode; headlessgl without a display throws rather than falls back', async () => {
  const main = await gpuWrite({ file: fx.net });
  const noGl = child(main, { LAYERGEN_GPU_MODE: 'headlessgl', DISPLAY: undefined });
  assert.is(noGl.ok, false, 'no silent fallback');
  assert.match(
    noGl.error!,
    /mlp\.gpu: gpu mode "headlessgl" was forced \(LAYERGEN_GPU_MODE\) but gpu\.js cannot create a HeadlessGLKernel here; it needs .*xvfb-run/,
  );
  assert.equal(child(main, { LAYERGEN_GPU_MODE: 'cpu' }), { ok: true, kernel: 'CPUKernel', forced: 'cpu' });
  assert.match(child(main, { LAYERGEN_GPU_MODE: 'gpu' }).error!, /LAYERGEN_GPU_MODE: unknown gpu mode "gpu"/);
  if (available.includes('headlessgl')) {
    assert.equal(child(main, { LAYERGEN_GPU_MODE: 'headlessgl' }), {
      ok: true,
      kernel: 'HeadlessGLKernel',
      forced: 'headlessgl',
    });
  }
});

test.run();
