/**
 * The shader chain (runtime/gpuShaders.ts): a net's first contractions with pointwise epilogues
 * drawn as WebGL shaders with several render targets, against the reference interpreter
 * (float64, 1e-4): widths that are not multiples of 4, batches that are not multiples of the
 * render targets and batches of different sizes in turn (textures grown, then drawn in part),
 * chunked batches, an intermediate value as an output, two layers reading one input, epilogues
 * with every GLSL helper (and the bias, read through the parameter textures), at large |x| too,
 * and gpu.js kernels after the chain. Wherever headless-gl kernels ran (WebGL 1 with 8 render
 * targets) the chain must have run; elsewhere (no GL) these nets run on gpu.js kernels, still
 * checked; LAYERGEN_EXPECT_GPU=headlessgl (CI) requires headless-gl. Which steps form the chain
 * (chainOf) and the GLSL translation of epilogue snippets are checked without a GL.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { glslExpression } from '../../../compiler/backends/gpujs/glsl.js';
import { buildText } from '../../../compiler/index.js';
import { chainOf, glslHelpers, packColumns, parseGpuMode, preservingState, type Gl, type GpuBackendInfo, type GpuKernelStep, type GpuNet, type GpuStep, type RenderTargets } from '@layergen/runtime/gpu';
import { repo } from '../../helpers.js';
import { againstInterpreter } from './load.js';

const expected = parseGpuMode(process.env.LAYERGEN_EXPECT_GPU, 'LAYERGEN_EXPECT_GPU');

/** What backendInfo() must say of a net that starts with contractions: the chain, wherever headless-gl kernels ran. */
function checkChain(info: GpuBackendInfo, what: string): void {
  if (expected === 'headlessgl') assert.is(info.mode, 'headlessgl', `${what}: LAYERGEN_EXPECT_GPU=headlessgl`);
  if (info.mode === 'headlessgl') assert.is(info.shaderChain, 8, `${what}: ran as a shader chain of 8 render targets`);
  else assert.is(info.shaderChain, null, `${what}: no GL, no chain`);
}

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
      for (const info of await againstInterpreter({ graph }, graph, batches, scale, options)) checkChain(info, name);
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
      checkChain(info, graph.name);
      assert.is(info.kernel, info.kernel?.split(' + ')[0], 'one kernel class for the chain and the kernels after it');
    }
  }
});

test('configure({ shaderChain: false }) runs gpu.js kernels; a net that does not start with a contraction has no chain', async () => {
  const graph = graphs.odd!;
  const [info] = await againstInterpreter({ graph }, graph, 9, 3, { shaderChain: false });
  assert.is(info!.shaderChain, null);
  if (info!.mode === 'headlessgl') assert.is(info!.tiled, true, 'tiled gpu.js kernels instead');
  const late = net('late', '  - {type: tanh}\n  - {name: a, type: linear, units: 8}\n');
  assert.is((await againstInterpreter({ graph: late }, late, 9, 3))[0]!.shaderChain, null);
});
/** A tiled step of N outputs reading value `arg` of K per example (with a GLSL epilogue unless `glsl` is false). */
const tiled = (layer: string, arg: number, N: number, K: number, glsl = true): GpuKernelStep => ({
  layer,
  source: 'function (x) { return [0.0, 0.0, 0.0, 0.0]; }',
  size: N,
  args: [arg],
  constants: { w: packColumns(new Float32Array(N * K), N, K) },
  texels: Math.ceil(N / 4),
  ...(glsl ? { glsl: { epilogue: 'vec4 lg_epilogue(vec4 s, float q) { return s; }', params: [] } } : {}),
});
const repack = (arg: number, size: number): GpuKernelStep => ({ layer: 'r', source: 'function (x) { return x[0]; }', size, args: [arg], constants: {}, repack: true });
const netOf = (steps: GpuStep[], outputs: number[]): GpuNet => ({
  module: 't.gpu',
  inputs: [{ name: 'x', size: 6 }],
  steps,
  outputs: outputs.map((value, i) => ({ name: `o${i}`, size: 1, value })),
});

test('chainOf: the first tiled steps with GLSL epilogues; later steps may read their values only unpacked', () => {
  // value 0: x; 1: x packed; 2: a; 3: b
  const mlp = chainOf(netOf([repack(0, 6), tiled('a', 1, 8, 6), tiled('b', 2, 5, 8)], [3]))!;
  assert.equal(mlp.steps.map((s) => [s.layer, s.x, s.K, s.N]), [['a', { input: 0 }, 6, 8], ['b', { step: 0 }, 8, 5]]);
  assert.is(mlp.prefix, 3);
  assert.equal(mlp.at, [{ input: 0 }, { input: 0 }, { step: 0 }, { step: 1 }]);
  assert.equal(mlp.reads, [1], 'the output, read back');
  // a softmax after it, through an unpack step: the chain's value is read back for it
  const soft = chainOf(netOf([repack(0, 6), tiled('a', 1, 8, 6), repack(2, 8), { ...repack(3, 8), repack: undefined, layer: 'soft' }], [4]))!;
  assert.is(soft.prefix, 2);
  assert.equal(soft.reads, [0]);
  // a kernel reading a chain value packed (a tiled step without GLSL form after the chain): no chain
  assert.is(chainOf(netOf([repack(0, 6), tiled('a', 1, 8, 6), tiled('b', 2, 5, 8, false)], [3])), undefined);
  assert.is(chainOf(netOf([repack(0, 6), tiled('a', 1, 8, 6), { ...repack(2, 8), repack: undefined }], [3])), undefined, 'a plain kernel on the packed value');
  // no contraction first: no chain
  assert.is(chainOf(netOf([repack(0, 6), tiled('a', 1, 8, 6, false), tiled('b', 2, 5, 8)], [3])), undefined);
  // a pack after the last contraction belongs to the kernels
  const tail = chainOf(netOf([repack(0, 6), tiled('a', 1, 8, 6), repack(0, 6), tiled('c', 3, 4, 6, false), repack(2, 8)], [4, 5]))!;
  assert.is(tail.prefix, 2);
  assert.equal(tail.reads, [0], 'a, read back for its unpack step');
});

/** A GL that keeps only the state preservingState saves, as plain values (enums are their names). */
function fakeGl(): { rt: RenderTargets; state: () => unknown } {
  const caps = new Set<string>(['SCISSOR_TEST']);
  const store = new Map<string, number>([['UNPACK_ALIGNMENT', 1], ['PACK_ALIGNMENT', 8], ['UNPACK_FLIP_Y_WEBGL', 1], ['UNPACK_PREMULTIPLY_ALPHA_WEBGL', 1]]);
  const units: (string | null)[] = ['A', 'B', 'C'];
  let active = 2;
  const bound: Record<string, unknown> = { CURRENT_PROGRAM: 'P', FRAMEBUFFER_BINDING: 'F', ARRAY_BUFFER_BINDING: 'Q', VIEWPORT: [0, 0, 7, 9] };
  let vertexArray: unknown = 'V';
  const names = ['TEXTURE0', 'TEXTURE_2D', 'ACTIVE_TEXTURE', 'TEXTURE_BINDING_2D', 'BLEND', 'DEPTH_TEST', 'STENCIL_TEST', 'SCISSOR_TEST', 'CULL_FACE', 'FRAMEBUFFER', 'ARRAY_BUFFER', ...store.keys(), ...Object.keys(bound)];
  const enums = Object.fromEntries(names.map((n, i) => [n, n === 'TEXTURE0' ? 1000 : i + 1]));
  const name = (e: number): string => names.find((n) => enums[n] === e)!;
  const gl = {
    ...enums,
    getParameter: (p: number) => (p === enums.ACTIVE_TEXTURE ? 1000 + active : p === enums.TEXTURE_BINDING_2D ? units[active] : store.get(name(p)) ?? bound[name(p)]),
    activeTexture: (u: number) => void (active = u - 1000),
    bindTexture: (_: number, t: string | null) => void (units[active] = t),
    isEnabled: (c: number) => caps.has(name(c)),
    enable: (c: number) => void caps.add(name(c)),
    disable: (c: number) => void caps.delete(name(c)),
    pixelStorei: (p: number, v: number) => void store.set(name(p), v),
    viewport: (...v: number[]) => void (bound.VIEWPORT = v),
    useProgram: (p: unknown) => void (bound.CURRENT_PROGRAM = p),
    bindFramebuffer: (_: number, f: unknown) => void (bound.FRAMEBUFFER_BINDING = f),
    bindBuffer: (_: number, b: unknown) => void (bound.ARRAY_BUFFER_BINDING = b),
  } as unknown as Gl;
  const rt = { gl, bindVertexArray: (v: unknown) => void (vertexArray = v), boundVertexArray: () => vertexArray } as unknown as RenderTargets;
  return { rt, state: () => JSON.parse(JSON.stringify({ caps: [...caps], store: [...store], units, active, bound, vertexArray })) as unknown };
}

test('preservingState: a draw that changes the bindings and throws leaves the shared context as it was', () => {
  const { rt, state } = fakeGl();
  const before = state();
  const gl = rt.gl as Gl & Record<string, number>;
  const inside = preservingState(rt, 3, () => state());
  assert.equal(state(), before, 'a draw that changes nothing');
  assert.equal((inside as { caps: string[] }).caps, [], 'capabilities off inside');
  assert.equal((inside as { active: number }).active, 0, 'unit 0 active inside');
  assert.equal((inside as { store: [string, number][] }).store.map(([, v]) => v), [4, 4, 0, 0], 'no flipped or premultiplied uploads inside');
  assert.throws(() =>
    preservingState(rt, 3, () => {
      for (const u of [0, 1, 2]) {
        gl.activeTexture(gl.TEXTURE0 + u);
        gl.bindTexture(gl.TEXTURE_2D, { mine: u });
      }
      gl.useProgram({});
      gl.bindFramebuffer(gl.FRAMEBUFFER, {});
      gl.bindBuffer(gl.ARRAY_BUFFER, {});
      gl.viewport(1, 2, 3, 4);
      gl.enable(gl.BLEND);
      rt.bindVertexArray({});
      throw new Error('boom');
    }),
  );
  assert.equal(state(), before, 'every binding, capability and store put back');
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
