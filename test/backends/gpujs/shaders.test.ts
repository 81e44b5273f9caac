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
  test(`${name}: the shader chain matches the reference interpreter (batches 1, 9, 17 and 2 in turn; chunks of 5; |x| up to 60)`, async () => {
    const graph = graphs[name]!;
    const runs: [number[], number, object?][] = [[[1, 9, 17, 2], 3], [[17, 1], 60], [[17, 3], 3, { maxChunk: 5 }]];
    for (const [batches, scale, options] of runs) {
      for (const info of await againstInterpreter({ graph }, graph, batches, scale, options)) {
        if (chainHere) assert.is(info.shaderChain, 8, `${name}: ran as a shader chain of 8 render targets`);
        else assert.ok(info.shaderChain === null || info.shaderChain >= 1, 'backendInfo says what ran');
      }
    }
  });
}

/** A net from its layers' YAML lines. */
const net = (name: string, layers: string): ReturnType<typeof buildText>['graph'] =>
  buildText(`name: ${name}\ninputs:\n  x: [6]\nlayers:\n${layers}seed: 2\n`, repo('.tmp-test', `${name}.yaml`)).graph;

test('a chain then gpu.js kernels: a softmax, a prelu (steps of their own) after the contractions, batches in turn', async () => {
  for (const graph of [
    net('soft', '  - {name: a, type: linear, units: 8}\n  - {name: b, type: linear, units: 5}\n  - {type: softmax}\n'),
    net('prelu', '  - {name: a, type: linear, units: 8}\n  - {type: prelu, num_parameters: 8}\n  - {name: b, type: linear, units: 4}\n'),
  ]) {
    for (const info of await againstInterpreter({ graph }, graph, [1, 9, 3, 17], 3)) {
      if (chainHere) assert.is(info.shaderChain, 8, `${graph.name}: its first steps as a chain`);
      assert.is(info.kernel, info.kernel?.split(' + ')[0], 'one kernel class for the chain and the kernels after it');
    }
  }
});

test('configure({ shaderChain: false }) runs gpu.js kernels; a net that does not start with a contraction has no chain', async () => {
  const graph = graphs.odd!;
  const [info] = await againstInterpreter({ graph }, graph, 9, 3, { shaderChain: false });
  assert.is(info!.shaderChain, null);
  if (chainHere) assert.is(info!.tiled, true, 'tiled gpu.js kernels instead');
  const late = net('late', '  - {type: tanh}\n  - {name: a, type: linear, units: 8}\n');
  assert.is((await againstInterpreter({ graph: late }, late, 9, 3))[0]!.shaderChain, null);
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
