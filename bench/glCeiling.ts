/**
 * The ceiling of WebGL 1 fragment-shader products on this machine's GL, against the numeric
 * module: Linear(784→256) at batch 16384 (fc1 of the MLP, three quarters of its multiply-adds),
 * as hand-written shaders through headless-gl, without gpu.js, engines interleaved, medians.
 *
 * Each fragment computes 4 outputs (one RGBA texel) for E examples, one per draw buffer
 * (WEBGL_draw_buffers; E = 1 is one render target, what a gpu.js kernel can write). Textures hold
 * four floats a texel: x as [K/4, M] (4 k of one example), the weights as [N/4, K] (4 outputs of
 * one k). Per 4 k a fragment reads 4 weight texels and E input texels for 16 E multiply-adds: 3.2
 * multiply-adds a read at E = 1, 8 at E = 4, 10.7 at E = 8 (WebGL 1 allows at most 8 draw
 * buffers here, i.e. 32 outputs a fragment: no tile of outputs × examples reads fewer texels per
 * multiply-add than 4 × 8). Texel coordinates are computed directly, with no flat-index decode.
 *
 * The same for the whole MLP 784-256-256-10 as a chain of such shaders (bias and ReLU in the
 * shader; each layer reads the E textures the one before wrote, so examples stay where they are).
 *
 * The GL rows time the draws alone (inputs and weights already in textures, one texel read back
 * to wait for them), the batch's upload is a row of its own; the numeric row is a whole
 * predictBatch call. Outputs are checked against the numeric module (1e-4 relative) before timing.
 *
 *   xvfb-run -a node dist/bench/glCeiling.js [--batch 16384] [--rounds 5]
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { floatTexture, loadedGlDriver, QUAD, QUAD_ATTRIBUTE, quadProgram, type DrawBuffers, type Gl, type GlHandle as Handle } from '@layergen/runtime/gpu';
import { loadNet } from '../compiler/frontend/index.js';
import { arg, fmt, inputs, layergenModule, maxDiff, measure, ratio, type Engine, type NumericModule, type Out } from './harness.js';
import type { BenchNet } from './models.js';

const M = Number(arg('--batch') ?? 16384);
const ROUNDS = Number(arg('--rounds') ?? 5);
const K = 784;
const TILES = [1, 4, 8] as const;

const f = (v: number): string => (Number.isInteger(v) ? v.toFixed(1) : String(v));

/** Where a layer's input comes from: one texture of rows (example m at row m), or E textures (example mb E + e at row mb of texture e). */
type Source = { readonly rows: Handle } | { readonly split: readonly Handle[] };

/** A linear layer on the GL: K inputs, N outputs (a multiple of 4), weights [N/4, K] and bias [N/4, 1] as RGBA textures. */
interface GlLinear {
  readonly K: number;
  readonly N: number;
  readonly w: Handle;
  readonly b: Handle;
  readonly relu: boolean;
}

/** The fragment shader of tile E for `l` reading `src`: 4 outputs of E examples, bias (and ReLU) applied. */
function shaderOf(E: number, l: GlLinear, split: boolean): string {
  const es = [...Array(E).keys()];
  const H = M / E;
  const xsOf = (e: number): string => (split ? `xs${e}` : 'xs');
  const yOf = (e: number): string => (split ? `(mb + 0.5) / ${f(H)}` : `(mb * ${f(E)} + ${f(e + 0.5)}) / ${f(M)}`);
  const out = (e: number): string => (l.relu ? `max(a${e} + b, vec4(0.0))` : `a${e} + b`);
  return `#extension GL_EXT_draw_buffers : require
precision highp float;
${split ? es.map((e) => `uniform sampler2D xs${e};`).join('\n') : 'uniform sampler2D xs;'}
uniform sampler2D ws;
uniform sampler2D bs;
void main() {
  float o4 = floor(gl_FragCoord.x);
  float mb = floor(gl_FragCoord.y);
  float wx = (o4 + 0.5) / ${f(l.N / 4)};
  ${es.map((e) => `vec4 a${e} = vec4(0.0); float y${e} = ${yOf(e)};`).join('\n  ')}
  for (int k4 = 0; k4 < ${l.K / 4}; k4++) {
    float kx = (float(k4) + 0.5) / ${f(l.K / 4)};
    float wy = float(k4) * ${f(4 / l.K)} + ${f(0.5 / l.K)};
    vec4 w0 = texture2D(ws, vec2(wx, wy));
    vec4 w1 = texture2D(ws, vec2(wx, wy + ${f(1 / l.K)}));
    vec4 w2 = texture2D(ws, vec2(wx, wy + ${f(2 / l.K)}));
    vec4 w3 = texture2D(ws, vec2(wx, wy + ${f(3 / l.K)}));
    ${es.map((e) => `{ vec4 x = texture2D(${xsOf(e)}, vec2(kx, y${e})); a${e} += x.x * w0 + x.y * w1 + x.z * w2 + x.w * w3; }`).join('\n    ')}
  }
  vec4 b = texture2D(bs, vec2(wx, 0.5));
  ${es.map((e) => `gl_FragData[${e}] = ${out(e)};`).join('\n  ')}
}`;
}

interface GlStep {
  /** The E output textures, [N/4, M/E] each. */
  readonly outs: readonly Handle[];
  readonly draw: () => void;
}

function glStep(gl: Gl, db: DrawBuffers, E: number, l: GlLinear, src: Source): GlStep {
  const H = M / E;
  const outs = [...Array(E).keys()].map(() => floatTexture(gl, l.N / 4, H, null));
  const fb = gl.createFramebuffer();
  gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
  outs.forEach((t, e) => gl.framebufferTexture2D(gl.FRAMEBUFFER, db.COLOR_ATTACHMENT0_WEBGL + e, gl.TEXTURE_2D, t, 0));
  const attachments = outs.map((_, e) => db.COLOR_ATTACHMENT0_WEBGL + e);
  db.drawBuffersWEBGL(attachments);
  if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) throw new Error(`glCeiling: ${E} render targets: framebuffer incomplete`);
  const split = 'split' in src;
  const prog = quadProgram(gl, shaderOf(E, l, split), 'glCeiling');
  const samplers: [string, Handle][] = [
    ...(split ? src.split.map((t, e): [string, Handle] => [`xs${e}`, t]) : [['xs', src.rows] as [string, Handle]]),
    ['ws', l.w],
    ['bs', l.b],
  ];
  const quad = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, quad);
  gl.bufferData(gl.ARRAY_BUFFER, new Float32Array(QUAD), gl.STATIC_DRAW);
  return {
    outs,
    draw: () => {
      gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
      db.drawBuffersWEBGL(attachments);
      gl.useProgram(prog);
      samplers.forEach(([name, t], unit) => {
        gl.activeTexture(gl.TEXTURE0 + unit);
        gl.bindTexture(gl.TEXTURE_2D, t);
        gl.uniform1i(gl.getUniformLocation(prog, name), unit);
      });
      gl.bindBuffer(gl.ARRAY_BUFFER, quad);
      gl.enableVertexAttribArray(QUAD_ATTRIBUTE);
      gl.vertexAttribPointer(QUAD_ATTRIBUTE, 2, gl.FLOAT, false, 0, 0);
      gl.viewport(0, 0, l.N / 4, H);
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    },
  };
}

/** The outputs of `step` (E textures), batch-first [M, size] (the first `size` of its N). */
function readSplit(gl: Gl, step: GlStep, N: number, size: number): Float32Array {
  const E = step.outs.length;
  const H = M / E;
  const y = new Float32Array(M * size);
  const rows = new Float32Array(H * N);
  step.outs.forEach((t, e) => {
    const one = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, one);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, t, 0);
    gl.readPixels(0, 0, N / 4, H, gl.RGBA, gl.FLOAT, rows);
    for (let r = 0; r < H; r++) y.set(rows.subarray(r * N, r * N + size), (r * E + e) * size);
    gl.deleteFramebuffer(one);
  });
  return y;
}

/** Waits for the draws before it (reads one texel of the last step's first output). */
function finish(gl: Gl, step: GlStep): void {
  const px = new Float32Array(4);
  const one = gl.createFramebuffer();
  gl.bindFramebuffer(gl.FRAMEBUFFER, one);
  gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, step.outs[0]!, 0);
  gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.FLOAT, px);
  gl.deleteFramebuffer(one);
}

/** A linear layer's weights ([N, K], PyTorch's layout) and bias as textures, outputs padded to a multiple of 4. */
function linearOf(gl: Gl, weight: ArrayLike<number>, bias: ArrayLike<number>, K: number, units: number, relu: boolean): GlLinear {
  const N = Math.ceil(units / 4) * 4;
  const wt = new Float32Array(K * N); // texel (o4, k) holds outputs 4 o4 .. 4 o4 + 3 of k
  for (let o = 0; o < units; o++) for (let k = 0; k < K; k++) wt[k * N + o] = weight[o * K + k]!;
  const b = new Float32Array(N);
  for (let o = 0; o < units; o++) b[o] = bias[o]!;
  return { K, N, w: floatTexture(gl, N / 4, K, wt), b: floatTexture(gl, N / 4, 1, b), relu };
}

async function main(): Promise<void> {
  const require = createRequire(import.meta.url);
  const createGl = require('gl') as (w: number, h: number) => Gl | null;
  const gl = createGl(1, 1);
  if (!gl) throw new Error('glCeiling: no WebGL context (run under xvfb-run -a)');
  if (!gl.getExtension('OES_texture_float')) throw new Error('glCeiling: OES_texture_float missing');
  const db = gl.getExtension('WEBGL_draw_buffers') as DrawBuffers | null;
  const maxBuffers = db ? Number(gl.getParameter(db.MAX_DRAW_BUFFERS_WEBGL)) : 1;
  const tiles = TILES.filter((E) => E === 1 || (db && E <= maxBuffers));

  const dir = join(process.cwd(), '.tmp-bench-out', 'glceiling'); // beside node_modules: the modules import @layergen/runtime
  mkdirSync(dir, { recursive: true });
  const nets = {
    fc784: 'name: fc784\ninputs:\n  x: [784]\nlayers:\n  - {name: fc1, type: linear, units: 256}\nseed: 42\n',
    mlp784:
      'name: mlp784\ninputs:\n  x: [784]\nlayers:\n  - {name: fc1, type: linear, units: 256}\n  - {type: relu}\n' +
      '  - {name: fc2, type: linear, units: 256}\n  - {type: relu}\n  - {name: fc3, type: linear, units: 10}\nseed: 42\n',
  };
  const x = inputs(M * K, 7);
  const xTex = floatTexture(gl, K / 4, M, x);
  const lines = [
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; GL: ${String(gl.getParameter(gl.RENDERER))}${String(gl.getParameter(gl.RENDERER)) === 'ANGLE' ? ` (${loadedGlDriver() ?? 'driver unknown'})` : ''}; draw buffers: ${maxBuffers}.`,
    `Batch ${M}; median ms over ${ROUNDS} interleaved rounds of one call; outputs within 1e-4 of the numeric module (float32) before timing.`,
    'The GL rows time the draws (input and weights already in textures, one texel read back to wait for them).',
    '',
    '| net | engine | ms | G multiply-adds/s | multiply-adds per texel read | numeric ÷ engine |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const [name, yaml] of Object.entries(nets)) {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, yaml);
    const g = loadNet(file).graph;
    const fcs = g.nodes.filter((n) => n.params.weight !== undefined);
    const num = await layergenModule<NumericModule>({ name } as BenchNet, file, dir, 'numeric', 'float32');
    const want = Object.values(num.predictBatch({ x }, M))[0]!;
    const units = fcs.map((n) => n.params.bias!.data.length);
    const layers = fcs.map((n, i) => linearOf(gl, n.params.weight!.data, n.params.bias!.data, i === 0 ? K : units[i - 1]!, units[i]!, i < fcs.length - 1));
    const label = name === 'fc784' ? 'Linear(784→256)' : 'MLP 784-256-256-10';
    const macs = M * fcs.reduce((t, n) => t + n.params.weight!.data.length, 0);
    const chains = tiles.filter((E) => name === 'fc784' || E > 1).map((E) => {
      const steps: GlStep[] = [];
      layers.forEach((l, i) => steps.push(glStep(gl, db!, E, l, i === 0 ? { rows: xTex } : { split: steps[i - 1]!.outs })));
      const last = steps[steps.length - 1]!;
      return { E, steps, run: () => (steps.forEach((st) => st.draw()), finish(gl, last)), read: () => readSplit(gl, last, layers[layers.length - 1]!.N, units[units.length - 1]!) };
    });
    for (const c of chains) {
      c.run();
      const d = maxDiff(c.read(), want, true);
      if (!(d <= 1e-4)) throw new Error(`glCeiling: ${label}, E = ${c.E}: differs from the numeric module by ${d}`);
    }
    const upload = (): Out => {
      gl.bindTexture(gl.TEXTURE_2D, xTex);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, K / 4, M, 0, gl.RGBA, gl.FLOAT, x);
      finish(gl, chains[0]!.steps[0]!);
      return want;
    };
    const engines: Engine[] = [
      { name: 'numeric', call: () => Object.values(num.predictBatch({ x }, M))[0]! },
      ...chains.map((c) => ({ name: `E${c.E}`, call: () => (c.run(), want) })),
      ...(name === 'mlp784' ? [{ name: 'upload', call: upload }] : []),
    ];
    const ms = await measure(engines, { rounds: ROUNDS, warmup: false });
    const rate = (v: number): string => (macs / v / 1e6).toFixed(1);
    lines.push(`| ${label} | layergen numeric f32 (predictBatch, WebAssembly SIMD) | ${fmt(ms.get('numeric'))} | ${rate(ms.get('numeric')!)} | | 1.00× |`);
    for (const c of chains) {
      const v = ms.get(`E${c.E}`)!;
      const what = `WebGL 1 shaders, 4 outputs × ${c.E} example${c.E > 1 ? 's' : ''} a fragment (${c.E} render target${c.E > 1 ? 's' : ''})`;
      lines.push(`| ${label} | ${what} | ${fmt(v)} | ${rate(v)} | ${((16 * c.E) / (4 + c.E)).toFixed(1)} | ${ratio(ms.get('numeric'), v)} |`);
    }
    if (ms.has('upload')) lines.push(`| ${label} | the batch's upload to its texture (texImage2D, ${((M * K * 4) / 2 ** 20).toFixed(0)} MiB), not in the rows above | ${fmt(ms.get('upload'))} | | | |`);
  }
  console.log(lines.join('\n'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
