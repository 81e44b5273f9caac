/**
 * Scalar helpers that gpu.js kernels call (`PRIMS[op].gpu` in the compiler names them). They are
 * kept as source text, not functions, so that no bundler, minifier or TS downlevel pass can
 * rewrite them into something gpu.js cannot translate (it re-parses the text for GLSL, WGSL and
 * WebAssembly). Every one is written for float32 and for WebGL's weak spots: GLSL `tanh` is NaN
 * for x >= 44.5 and loses all relative precision near 0, and a naive `exp` overflows to Inf.
 */

/** Source of each helper by name; every source starts with `function` (gpu.js requires it). */
export const GPU_HELPERS = {
  /** exp(x) that neither overflows nor feeds NaN/Inf onwards: exp(88) < FLT_MAX; below -87 it is 0. */
  lgExp: `function lgExp(x) {
  if (x < -87.0) {
    return 0.0;
  }
  return Math.exp(Math.min(x, 88.0));
}`,
  /**
   * tanh as Cephes' tanhf: an odd polynomial for |x| < 0.625 (full float32 relative accuracy
   * near 0), 1 - 2 / (exp(2|x|) + 1) up to |x| = 9, and exactly +-1 beyond (tanh(9) rounds to 1).
   */
  lgTanh: `function lgTanh(x) {
  const a = Math.abs(x);
  if (a < 0.625) {
    const z = x * x;
    return ((((-0.00570498872745 * z + 0.0206390887954) * z - 0.0537397155531) * z + 0.133314422036) * z - 0.333332819422) * z * x + x;
  }
  let y = 1.0;
  if (a < 9.0) {
    y = 1.0 - 2.0 / (Math.exp(2.0 * a) + 1.0);
  }
  if (x < 0.0) {
    return -y;
  }
  return y;
}`,
  /** 1 / (1 + exp(-x)), branching on the sign so the exponential never overflows. */
  lgSigmoid: `function lgSigmoid(x) {
  if (x >= 0.0) {
    return 1.0 / (1.0 + lgExp(-x));
  }
  const e = lgExp(x);
  return e / (1.0 + e);
}`,
  /**
   * erf: its Maclaurin series (to x^11) for |x| < 0.5, relative error < 2e-8 there; above,
   * Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7, so relative <= 3e-7 as erf >= 0.52).
   */
  lgErf: `function lgErf(x) {
  const a = Math.abs(x);
  if (a < 0.5) {
    const z = x * x;
    return x * (1.1283791670955126 + z * (-0.37612638903183754 + z * (0.11283791670955126 + z * (-0.026866170645131252 + z * (0.005223977625442188 - z * 0.0008548327023450852)))));
  }
  const t = 1.0 / (1.0 + 0.3275911 * a);
  const p = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  const y = 1.0 - p * lgExp(-a * a);
  if (x < 0.0) {
    return -y;
  }
  return y;
}`,
  /**
   * log(1 + x). Goldberg's log(u) * x / (u - 1) is no good in shaders: compilers fold (1 + x) - 1
   * to x (Mesa's llvmpipe gives log1p(1e-7) = 1.19e-7 and log1p(1e-30) = 0). For |x| < 0.5,
   * log1p(x) = 2 atanh(s) with s = x / (2 + x), |s| <= 1/3, as an odd series to s^15 (relative
   * error < 2e-8, and no cancellation to fold away); beyond, 1 + x rounds harmlessly.
   */
  lgLog1p: `function lgLog1p(x) {
  if (Math.abs(x) < 0.5) {
    const s = x / (2.0 + x);
    const z = s * s;
    return 2.0 * s * (1.0 + z * (0.3333333333333333 + z * (0.2 + z * (0.14285714285714285 + z * (0.1111111111111111 + z * (0.09090909090909091 + z * (0.07692307692307693 + z * 0.06666666666666667)))))));
  }
  return Math.log(1.0 + x);
}`,
} as const;

export type GpuHelperName = keyof typeof GPU_HELPERS;

/** What `registerGpuHelpers` needs of a gpu.js GPU instance. */
export interface FunctionHost {
  addFunction(source: string, settings?: object): unknown;
}

/** Helpers called by others first. */
const HELPER_ORDER = ['lgExp', 'lgTanh', 'lgSigmoid', 'lgErf', 'lgLog1p'] as const satisfies readonly GpuHelperName[];

/** Adds every helper to a gpu.js GPU instance. */
export function registerGpuHelpers(gpu: FunctionHost): void {
  for (const name of HELPER_ORDER) {
    gpu.addFunction(GPU_HELPERS[name], { argumentTypes: { x: 'Number' }, returnType: 'Number' });
  }
}

/**
 * Every helper as GLSL ES 1.0 functions, for shaders written without gpu.js (gpuShaders.ts):
 * the same sources, translated the way gpu.js translates them (one float argument, float
 * locals, `Math.f` as the GLSL built-in f).
 */
export function glslHelpers(): string {
  return HELPER_ORDER.map((name) =>
    GPU_HELPERS[name]
      .replace(/^function (\w+)\(x\)/, 'float $1(float x)')
      .replace(/\b(const|let) /g, 'float ')
      .replace(/Math\.(abs|exp|min|log)\(/g, '$1('),
  ).join('\n');
}
