/**
 * The shader chain (runtime/gpuShaders.ts): nets of contractions with pointwise epilogues drawn
 * as WebGL 1 shaders with several render targets, against the reference interpreter (float64,
 * 1e-4): widths that are not multiples of 4, batches that are not multiples of the render
 * targets, chunked batches, an intermediate value as an output, two layers reading one input,
 * epilogues with every GLSL helper (and the bias, read through the parameter textures), at
 * large |x| too.
 * Where no WebGL 1 context with several render targets exists, the chain is not used and these
 * nets run on gpu.js kernels (still checked); with LAYERGEN_EXPECT_GPU=headlessgl (CI), the chain
 * must be what ran. The GLSL translation of epilogue snippets is checked on its own.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { glslExpression } from '../../../compiler/backends/gpujs/glsl.js';
import { buildText } from '../../../compiler/index.js';
import { glslHelpers, parseGpuMode } from '@layergen/runtime/gpu';
import { repo } from '../../helpers.js';
import { againstInterpreter } from './load.js';

const expected = parseGpuMode(process.env.LAYERGEN_EXPECT_GPU, 'LAYERGEN_EXPECT_GPU');
/** Whether the chain must run here: headless-gl gives WebGL 1 with 8 render targets. */
const chainHere = expected === 'headlessgl';

const NETS: Record<string, string> = {
  // K = 5, N = 7, 6, 4: tails and padded lanes; tanh, gelu (erf) and sigmoid epilogues; an intermediate output
  odd: `name: odd
inputs:
  x: [5]
layers:
  - {name: a, type: linear, units: 7}
  - {name: at, type: tanh}
  - {name: b, type: linear, units: 6}
  - {name: bg, type: gelu}
  - {name: c, type: linear, units: 4}
  - {name: cs, type: sigmoid}
outputs: [cs, at]
seed: 3
`,
  // two layers reading the input; elu (exp), leaky relu (where), softplus (log1p) epilogues
  branch: `name: branch
inputs:
  x: [8]
layers:
  - {name: p, type: linear, units: 9, input: x}
  - {name: pe, type: elu}
  - {name: q, type: linear, units: 5, input: x}
  - {name: ql, type: leaky_relu, slope: 0.2}
  - {name: r, type: linear, units: 4, input: ql}
  - {name: rs, type: softplus}
outputs: [pe, rs]
seed: 5
`,
};

const graphs = Object.fromEntries(Object.entries(NETS).map(([name, yaml]) => [name, buildText(yaml, repo('.tmp-test', `${name}.yaml`)).graph]));

for (const name of Object.keys(NETS)) {
  test(`${name}: the shader chain matches the reference interpreter (batches 1, 9, 17; chunks of 5; |x| up to 60)`, async () => {
    const graph = graphs[name]!;
    const runs: [number, number, object?][] = [[1, 3], [9, 3], [17, 60], [17, 3, { maxChunk: 5 }]];
    for (const [batch, scale, options] of runs) {
      const info = await againstInterpreter({ graph }, graph, batch, scale, options);
      if (chainHere) assert.is(info.shaderChain, 8, `${name}, batch ${batch}: ran as a shader chain of 8 render targets`);
      else assert.ok(info.shaderChain === null || info.shaderChain >= 1, 'backendInfo says what ran');
    }
  });
}

test('configure({ shaderChain: false }) runs gpu.js kernels; a softmax or a prelu (a step of its own) makes a net no chain', async () => {
  const graph = graphs.odd!;
  const info = await againstInterpreter({ graph }, graph, 9, 3, { shaderChain: false });
  assert.is(info.shaderChain, null);
  if (chainHere) assert.is(info.tiled, true, 'tiled gpu.js kernels instead');
  const soft = buildText('name: soft\ninputs:\n  x: [6]\nlayers:\n  - {name: a, type: linear, units: 8}\n  - {type: softmax}\nseed: 2\n', repo('.tmp-test', 'soft.yaml')).graph;
  assert.is((await againstInterpreter({ graph: soft }, soft, 9, 3)).shaderChain, null);
  const prelu = buildText('name: prelu\ninputs:\n  x: [6]\nlayers:\n  - {name: a, type: linear, units: 8}\n  - {type: prelu, num_parameters: 8}\nseed: 2\n', repo('.tmp-test', 'prelu.yaml')).graph;
  assert.is((await againstInterpreter({ graph: prelu }, prelu, 9, 3)).shaderChain, null);
});

test('epilogue snippets as GLSL: Math built-ins, Infinity and NaN through a uniform zero; anything else has no GLSL form', () => {
  assert.is(glslExpression('Math.max((s.x + lg_p0(o0)), 0.0)'), 'max((s.x + lg_p0(o0)), 0.0)');
  assert.is(glslExpression('(o0 < 3.0 ? lgTanh(s.y) : (0.0 / 0.0))'), '(o0 < 3.0 ? lgTanh(s.y) : (lg_zero / lg_zero))');
  assert.is(glslExpression('Math.min(s.z, Infinity) + (-Infinity)'), 'min(s.z, (1.0 / lg_zero)) + (-(1.0 / lg_zero))');
  assert.is(glslExpression('lg_p0(Math.floor((o0 + 0.5) / 4.0))'), 'lg_p0(floor((o0 + 0.5) / 4.0))');
  assert.is(glslExpression('Math.tanh(s.x)'), undefined, 'GLSL ES 1.0 has no tanh');
  assert.is(glslExpression('Math.log1p(s.x)'), undefined);
  assert.is(glslExpression('this.constants.w[o0]'), undefined);
  assert.is(glslExpression('x[0]'), undefined);
  assert.is(glslExpression('a === b'), undefined);
});

test('the GLSL helpers: every gpu.js helper as a float function, no JavaScript left', () => {
  const glsl = glslHelpers();
  for (const name of ['lgExp', 'lgTanh', 'lgSigmoid', 'lgErf', 'lgLog1p']) assert.match(glsl, new RegExp(`^float ${name}\\(float x\\) \\{`, 'm'));
  assert.not.match(glsl, /\b(const|let|function|Math)\b/);
  // helpers come before their callers
  assert.ok(glsl.indexOf('float lgExp(') < glsl.indexOf('lgExp(-x)'), 'lgExp first');
});

test.run();
