/**
 * The kernel helpers (lgExp, lgTanh, lgSigmoid, lgErf) inside real gpu.js kernels, on the
 * backend gpu.js picks here and on its cpu kernel: float32-accurate over |x| <= 100, including
 * near 0 (relative) and far out (no NaN or Inf where WebGL's own tanh/exp give them).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import gpujs from 'gpu.js';
import {
  GPU_HELPERS,
  registerGpuHelpers,
  sigmoidNum,
  erfNum,
  type GpuHelperName,
} from '@layergen/runtime/gpu';

const REFS: Record<GpuHelperName, (x: number) => number> = {
  lgExp: Math.exp,
  lgTanh: Math.tanh,
  lgSigmoid: sigmoidNum,
  lgErf: erfNum,
  lgLog1p: Math.log1p,
};

/** Relative tolerance (GL's exp is exp2-based: a few ulps at large arguments) and an absolute floor. */
const REL = 2e-5;
const ABS = 1e-30;

function grid(): Float32Array {
  const xs: number[] = [0];
  for (let i = -2000; i <= 2000; i++) xs.push(i / 20);
  for (let e = -300; e <= 10; e++) xs.push(10 ** (e / 10), -(10 ** (e / 10)));
  return Float32Array.from(xs);
}

function check(name: GpuHelperName, xs: Float32Array, got: ArrayLike<number>, where: string): void {
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const g = got[i]!;
    if (name === 'lgLog1p' && x <= -1) continue; // outside its domain
    assert.ok(Number.isFinite(g), `${where} ${name}(${x}) = ${g}`);
    if (name === 'lgExp' && (x > 88 || x < -87)) continue; // clamped by design
    const want = Math.fround(REFS[name](x));
    const err = Math.abs(g - want);
    assert.ok(err <= REL * Math.abs(want) || err <= ABS, `${where} ${name}(${x}) = ${g}, want ${want}`);
  }
}

test('helper sources start with function and are self-contained', () => {
  for (const [name, src] of Object.entries(GPU_HELPERS)) {
    assert.ok(src.startsWith(`function ${name}(x) {`), name);
    assert.not.match(src, /=>|\bvar\b|%|Math\.tanh/);
  }
});

for (const mode of [undefined, 'cpu'] as const) {
  test(`helpers are float32-accurate in a ${mode ?? 'default'} gpu.js kernel`, async () => {
    const gpu = new gpujs.GPU(mode ? { mode } : {});
    registerGpuHelpers(gpu as unknown as Parameters<typeof registerGpuHelpers>[0]);
    const xs = grid();
    try {
      for (const name of Object.keys(GPU_HELPERS) as GpuHelperName[]) {
        const k = gpu.createKernel(`function (x) { return ${name}(x[this.thread.x]); }`, {
          output: [xs.length],
          tactic: 'precision',
        });
        const got = k(xs) as Float32Array;
        check(name, xs, got, k.kernel.constructor.name);
      }
    } finally {
      await gpu.destroy();
    }
  });
}

test.run();
