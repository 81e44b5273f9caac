/**
 * A tiled step's epilogue as GLSL (ES 1.0, valid in 3.00 too), for the runtime's shader chain
 * (runtime/gpuShaders.ts: a net's first contractions drawn as fragment shaders with several
 * render targets, without gpu.js).
 * It is the same lane epilogue the tiled gpu.js kernel computes (kernel.ts `laneValue`), in
 * gpu.js snippet syntax, translated: `Math.f(` to the GLSL built-in f, Infinity and NaN to
 * divisions by a uniform zero (GLSL has no literal for them, and folds 1.0 / 0.0 at compile
 * time as an error on some compilers), parameters to `lg_p<i>(flat index)`. A snippet with
 * anything else in it has no GLSL form here: that net runs on gpu.js kernels. One difference:
 * gpu.js writes `Infinity` as 3.402823466e+38 (FLT_MAX), the chain as IEEE infinity, which is what
 * the float64 reference computes.
 */
import type { Contraction } from '../numeric/contraction.js';
import { gpuNum, laneValue, paramsUsed, type ElementJob } from './kernel.js';
import { LANES } from './schedule.js';

/** gpu.js snippets' Math functions that are GLSL built-ins of the same name and meaning. */
const GLSL_BUILTINS = new Set(['floor', 'max', 'min', 'abs', 'sqrt', 'log', 'exp', 'sin', 'cos']);

/** The GLSL of a gpu.js snippet expression, or undefined where it uses more than GLSL_BUILTINS and the runtime's helpers. */
export function glslExpression(js: string): string | undefined {
  let ok = true;
  const out = js
    .replace(/Math\.(\w+)\(/g, (m, name: string) => (GLSL_BUILTINS.has(name) ? `${name}(` : ((ok = false), m)))
    .replace(/\(0\.0 \/ 0\.0\)/g, '(lg_zero / lg_zero)')
    .replace(/\bInfinity\b/g, '(1.0 / lg_zero)');
  return ok && !/\b(Math|this)\.|[[\]]|[!=]==/.test(out) ? out : undefined;
}

export interface GlslEpilogue {
  /** `vec4 lg_epilogue(vec4 s, float q)`: outputs 4q .. 4q + 3 from their sums, lanes past N zero. */
  readonly source: string;
  /** The parameters it reads, in `lg_p<i>` order. */
  readonly params: readonly string[];
}

/** The GLSL epilogue of tiled step `s` (contraction `c`), or undefined where it has no GLSL form. */
export function glslEpilogue(s: Pick<ElementJob, 'outShape' | 'inShapes' | 'params'>, c: Contraction): GlslEpilogue | undefined {
  const params = [...paramsUsed(c.epilogue)];
  const lanes = [...Array(LANES).keys()];
  const lines: string[] = [];
  for (const l of lanes) {
    const js = laneValue(s, c, l, `s[${l}]`, (name, o) => `lg_p${params.indexOf(name)}(${o})`);
    // the sum's lane is the one bracket the snippet may hold
    const value = glslExpression(js.replaceAll(`s[${l}]`, `s.${'xyzw'[l]}`));
    if (value === undefined) return undefined;
    lines.push(`  float o${l} = 4.0 * q + ${gpuNum(l)};`, `  float v${l} = ${c.N % LANES !== 0 && l >= c.N % LANES ? `o${l} < ${gpuNum(c.N)} ? ${value} : 0.0` : value};`);
  }
  return {
    source: ['vec4 lg_epilogue(vec4 s, float q) {', ...lines, `  return vec4(${lanes.map((l) => `v${l}`).join(', ')});`, '}'].join('\n'),
    params,
  };
}
