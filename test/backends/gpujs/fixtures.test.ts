/**
 * gpu modules against the PyTorch fixtures: every case through predictBatch, its first example
 * through predict, within 1e-4 of the float64 reference (relative above 1, absolute below),
 * large-|x| cases and recurrent layers included. Runs on whatever kernel gpu.js picks here; with
 * LAYERGEN_EXPECT_GPU=<mode> (CI: headlessgl under xvfb-run) that kernel kind must be the one that ran.
 * A fixture whose layer type the compiler does not know yet is skipped with a note (ops land
 * separately from their fixtures); the report lists the worst error per layer family.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LayergenError } from '../../../compiler/errors.js';
import { GPU_MODES, parseGpuMode } from '@layergen/runtime/gpu';
import { example, family, fixtureNames, loadFixture } from '../../helpers.js';
import { gpuImport, gpuMismatch, relError, type GpuModule } from './load.js';

const TOL = 1e-4;
const expected = parseGpuMode(process.env.LAYERGEN_EXPECT_GPU, 'LAYERGEN_EXPECT_GPU');
const ran = new Set<string>();
/** Fixtures that ran as a shader chain (runtime/gpuShaders.ts). */
const chains = new Set<string>();
const skipped: string[] = [];
/** Worst relative error per fixture. */
const worst = new Map<string, number>();


/** The module, or null when the compiler rejects a layer type it does not know (yet). */
async function compileOrSkip(name: string, net: string, lang: 'js' | 'ts'): Promise<GpuModule | null> {
  try {
    return await gpuImport({ file: net }, lang);
  } catch (e) {
    if (e instanceof LayergenError && /^unknown layer type /.test(e.detail)) {
      skipped.push(name);
      console.log(`  note: skipping fixture ${name}: ${e.message}`);
      return null;
    }
    throw e;
  }
}

for (const name of fixtureNames()) {
  for (const lang of ['js', 'ts'] as const) {
    if (lang === 'ts' && !['mlp', 'multi_output', 'lstm'].includes(name)) continue; // same code; a sample of the TS path
    test(`${name}: gpu (${lang}) matches PyTorch float64 to 1e-4`, async () => {
      const fx = loadFixture(name);
      const m = await compileOrSkip(name, fx.net, lang);
      if (!m) return;
      let err = 0;
      try {
        assert.equal(m.inputShapes, fx.inputs);
        assert.equal(m.outputShapes, fx.outputs);
        assert.equal(m.backendInfo().kernel, null, 'nothing ran yet');
        for (const c of fx.cases) {
          const got = await m.predictBatch(c.inputs, c.batch);
          assert.equal(Object.keys(got), Object.keys(fx.outputs), 'output names in order');
          for (const [o, ref] of Object.entries(c.float64)) {
            assert.ok(got[o] instanceof Float32Array, 'Float32Array outputs');
            assert.is(gpuMismatch(got[o]!, ref, TOL, `batch ${c.batch} output ${o}`), null);
            err = Math.max(err, relError(got[o]!, ref));
          }
          const one = await m.predict(
            Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, example(v, c.batch, 0)])),
          );
          for (const [o, ref] of Object.entries(c.float64)) {
            assert.is(gpuMismatch(one[o]!, example(ref, c.batch, 0), TOL, `predict ${o}`), null);
          }
        }
        worst.set(name, Math.max(err, worst.get(name) ?? 0));
        const info = m.backendInfo();
        assert.ok(info.mode !== null && info.kernel !== null, 'backendInfo names what ran');
        ran.add(info.kernel!);
        if (info.shaderChain !== null) chains.add(name);
        if (expected) {
          assert.is(info.kernel, GPU_MODES[expected].kernel, `LAYERGEN_EXPECT_GPU=${expected}`);
          assert.is(info.mode, expected);
        }
      } finally {
        await m.dispose();
      }
    });
  }
}

test('report: which gpu.js kernel ran the fixtures, worst error per layer family', () => {
  console.log(
    `  gpu.js kernels that ran the fixtures: ${[...ran].join(', ') || 'none'}${expected ? ` (expected ${expected})` : ''}`,
  );
  const families = new Map<string, [string, number]>();
  for (const [name, err] of worst) {
    const f = family(name);
    if (!families.has(f) || err > families.get(f)![1]) families.set(f, [name, err]);
  }
  const lines = [...families].sort(([a], [b]) => a.localeCompare(b)).map(([f, [name, err]]) => `${f} ${err.toExponential(1)} (${name})`);
  console.log(`  worst |gpu - float64| / max(1, |float64|) per family: ${lines.join(', ')}`);
  if (skipped.length > 0) console.log(`  skipped (layer type not registered yet): ${skipped.join(', ')}`);
  console.log(`  ran as a shader chain: ${[...chains].join(', ') || 'none'}`);
  assert.is(ran.size, 1, 'one kernel kind for everything');
  // headless-gl has WebGL 1 with 8 render targets: the MLP must have run as one
  if (expected === 'headlessgl') assert.ok(chains.has('mlp_784'), 'mlp_784 ran as a shader chain');
});

test.run();
