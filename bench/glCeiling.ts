/**
 * The ceiling of a WebGL 1 fragment-shader product on this machine's GL, against the numeric
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
 * The GL rows time the draw alone (inputs and weights already in textures, one texel read back
 * to wait for it); the numeric row is a whole predictBatch call. Outputs are checked against the
 * numeric module (1e-4 relative) before timing.
 *
 *   xvfb-run -a node dist/bench/glCeiling.js [--batch 16384] [--rounds 5]
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadedGlDriver } from '@layergen/runtime/gpu';
import { loadNet } from '../compiler/frontend/index.js';
import { arg, fmt, inputs, layergenModule, maxDiff, measure, ratio, type Engine, type NumericModule } from './harness.js';
import type { BenchNet } from './models.js';

const M = Number(arg('--batch') ?? 16384);
const ROUNDS = Number(arg('--rounds') ?? 5);
const [K, N] = [784, 256];
const TILES = [1, 4, 8] as const;

/** The WebGL 1 calls used here (this project compiles without the DOM typings). */
type Handle = object;
interface Gl {
  readonly TEXTURE_2D: number;
  readonly TEXTURE_MIN_FILTER: number;
  readonly TEXTURE_MAG_FILTER: number;
  readonly TEXTURE_WRAP_S: number;
  readonly TEXTURE_WRAP_T: number;
  readonly NEAREST: number;
  readonly CLAMP_TO_EDGE: number;
  readonly RGBA: number;
  readonly FLOAT: number;
  readonly VERTEX_SHADER: number;
  readonly FRAGMENT_SHADER: number;
  readonly COMPILE_STATUS: number;
  readonly LINK_STATUS: number;
  readonly FRAMEBUFFER: number;
  readonly FRAMEBUFFER_COMPLETE: number;
  readonly COLOR_ATTACHMENT0: number;
  readonly TEXTURE0: number;
  readonly ARRAY_BUFFER: number;
  readonly STATIC_DRAW: number;
  readonly TRIANGLE_STRIP: number;
  readonly RENDERER: number;
  createTexture(): Handle;
  bindTexture(target: number, t: Handle): void;
  texParameteri(target: number, p: number, v: number): void;
  texImage2D(target: number, level: number, internal: number, w: number, h: number, border: number, format: number, type: number, data: Float32Array | null): void;
  createShader(type: number): Handle;
  shaderSource(s: Handle, src: string): void;
  compileShader(s: Handle): void;
  getShaderParameter(s: Handle, p: number): unknown;
  getShaderInfoLog(s: Handle): string | null;
  createProgram(): Handle;
  attachShader(p: Handle, s: Handle): void;
  linkProgram(p: Handle): void;
  getProgramParameter(p: Handle, q: number): unknown;
  getProgramInfoLog(p: Handle): string | null;
  useProgram(p: Handle): void;
  getUniformLocation(p: Handle, name: string): Handle | null;
  uniform1i(loc: Handle | null, v: number): void;
  getAttribLocation(p: Handle, name: string): number;
  createFramebuffer(): Handle;
  bindFramebuffer(target: number, fb: Handle): void;
  framebufferTexture2D(target: number, attachment: number, texTarget: number, t: Handle, level: number): void;
  checkFramebufferStatus(target: number): number;
  deleteFramebuffer(fb: Handle): void;
  activeTexture(unit: number): void;
  createBuffer(): Handle;
  bindBuffer(target: number, b: Handle): void;
  bufferData(target: number, data: Float32Array, usage: number): void;
  enableVertexAttribArray(loc: number): void;
  vertexAttribPointer(loc: number, size: number, type: number, normalized: boolean, stride: number, offset: number): void;
  viewport(x: number, y: number, w: number, h: number): void;
  drawArrays(mode: number, first: number, count: number): void;
  readPixels(x: number, y: number, w: number, h: number, format: number, type: number, out: Float32Array): void;
  getExtension(name: string): unknown;
  getParameter(p: number): unknown;
}
interface DrawBuffers {
  readonly COLOR_ATTACHMENT0_WEBGL: number;
  readonly MAX_DRAW_BUFFERS_WEBGL: number;
  drawBuffersWEBGL(b: number[]): void;
}

function texture(gl: Gl, w: number, h: number, data: Float32Array | null): Handle {
  const t = gl.createTexture();
  gl.bindTexture(gl.TEXTURE_2D, t);
  for (const p of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER]) gl.texParameteri(gl.TEXTURE_2D, p, gl.NEAREST);
  for (const p of [gl.TEXTURE_WRAP_S, gl.TEXTURE_WRAP_T]) gl.texParameteri(gl.TEXTURE_2D, p, gl.CLAMP_TO_EDGE);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, w, h, 0, gl.RGBA, gl.FLOAT, data);
  return t;
}

function program(gl: Gl, fragment: string): Handle {
  const shader = (type: number, src: string): Handle => {
    const s = gl.createShader(type);
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`glCeiling: shader: ${gl.getShaderInfoLog(s)}`);
    return s;
  };
  const p = gl.createProgram();
  gl.attachShader(p, shader(gl.VERTEX_SHADER, 'attribute vec2 p; void main() { gl_Position = vec4(p, 0.0, 1.0); }'));
  gl.attachShader(p, shader(gl.FRAGMENT_SHADER, fragment));
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`glCeiling: link: ${gl.getProgramInfoLog(p)}`);
  return p;
}

const f = (v: number): string => (Number.isInteger(v) ? v.toFixed(1) : String(v));

/** The fragment shader of tile E: 4 outputs of E examples, bias added. */
function shaderOf(E: number): string {
  const es = [...Array(E).keys()];
  return `#extension GL_EXT_draw_buffers : require
precision highp float;
uniform sampler2D xs;
uniform sampler2D ws;
uniform sampler2D bs;
void main() {
  float o4 = floor(gl_FragCoord.x);
  float mb = floor(gl_FragCoord.y);
  float wx = (o4 + 0.5) / ${f(N / 4)};
  ${es.map((e) => `vec4 a${e} = vec4(0.0); float y${e} = (mb * ${f(E)} + ${f(e + 0.5)}) / ${f(M)};`).join('\n  ')}
  for (int k4 = 0; k4 < ${K / 4}; k4++) {
    float kx = (float(k4) + 0.5) / ${f(K / 4)};
    float wy = float(k4) * ${f(4 / K)} + ${f(0.5 / K)};
    vec4 w0 = texture2D(ws, vec2(wx, wy));
    vec4 w1 = texture2D(ws, vec2(wx, wy + ${f(1 / K)}));
    vec4 w2 = texture2D(ws, vec2(wx, wy + ${f(2 / K)}));
    vec4 w3 = texture2D(ws, vec2(wx, wy + ${f(3 / K)}));
    ${es.map((e) => `{ vec4 x = texture2D(xs, vec2(kx, y${e})); a${e} += x.x * w0 + x.y * w1 + x.z * w2 + x.w * w3; }`).join('\n    ')}
  }
  vec4 b = texture2D(bs, vec2(wx, 0.5));
  ${es.map((e) => `gl_FragData[${e}] = a${e} + b;`).join('\n  ')}
}`;
}

interface GlTile {
  readonly E: number;
  readonly draw: () => void;
  /** The outputs, batch-first [M, N]. */
  readonly read: () => Float32Array;
}

function glTile(gl: Gl, db: DrawBuffers, E: number, tex: { x: Handle; w: Handle; b: Handle }): GlTile {
  const H = M / E;
  const outs = [...Array(E).keys()].map(() => texture(gl, N / 4, H, null));
  const fb = gl.createFramebuffer();
  gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
  outs.forEach((t, e) => gl.framebufferTexture2D(gl.FRAMEBUFFER, db.COLOR_ATTACHMENT0_WEBGL + e, gl.TEXTURE_2D, t, 0));
  const attachments = outs.map((_, e) => db.COLOR_ATTACHMENT0_WEBGL + e);
  db.drawBuffersWEBGL(attachments);
  if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) throw new Error(`glCeiling: ${E} render targets: framebuffer incomplete`);
  const prog = program(gl, shaderOf(E));
  const quad = gl.createBuffer();
  const bind = (): void => {
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    db.drawBuffersWEBGL(attachments);
    gl.useProgram(prog);
    ([['xs', tex.x], ['ws', tex.w], ['bs', tex.b]] as const).forEach(([name, t], unit) => {
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, t);
      gl.uniform1i(gl.getUniformLocation(prog, name), unit);
    });
    gl.bindBuffer(gl.ARRAY_BUFFER, quad);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    const loc = gl.getAttribLocation(prog, 'p');
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, 2, gl.FLOAT, false, 0, 0);
    gl.viewport(0, 0, N / 4, H);
  };
  const px = new Float32Array(4);
  return {
    E,
    draw: () => {
      bind();
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.FLOAT, px); // waits for the draw
    },
    read: () => {
      const y = new Float32Array(M * N);
      const rowsOf = new Float32Array(H * N);
      outs.forEach((t, e) => {
        const one = gl.createFramebuffer();
        gl.bindFramebuffer(gl.FRAMEBUFFER, one);
        gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, t, 0);
        gl.readPixels(0, 0, N / 4, H, gl.RGBA, gl.FLOAT, rowsOf);
        for (let r = 0; r < H; r++) y.set(rowsOf.subarray(r * N, (r + 1) * N), (r * E + e) * N);
        gl.deleteFramebuffer(one);
      });
      return y;
    },
  };
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

  const dir = join(process.cwd(), '.tmp-bench-out', 'glceiling'); // beside node_modules: the module imports @layergen/runtime
  mkdirSync(dir, { recursive: true });
  const net = { name: 'fc784' } as BenchNet;
  const file = join(dir, 'fc784.yaml');
  writeFileSync(file, 'name: fc784\ninputs:\n  x: [784]\nlayers:\n  - {name: fc1, type: linear, units: 256}\nseed: 42\n');
  const g = loadNet(file).graph;
  const fc = g.nodes.find((n) => n.name === 'fc1')!;
  const weight = fc.params.weight!.data; // [N, K]
  const bias = fc.params.bias!.data;
  const num = await layergenModule<NumericModule>(net, file, dir, 'numeric', 'float32');
  const x = inputs(M * K, 7);

  const wt = new Float32Array(K * N); // [K, N]: texel (o4, k) holds outputs 4 o4 .. 4 o4 + 3 of k
  for (let o = 0; o < N; o++) for (let k = 0; k < K; k++) wt[k * N + o] = weight[o * K + k]!;
  const tex = { x: texture(gl, K / 4, M, x), w: texture(gl, N / 4, K, wt), b: texture(gl, N / 4, 1, Float32Array.from(bias)) };
  const made = tiles.map((E) => glTile(gl, db!, E, tex));

  const want = Object.values(num.predictBatch({ x }, M))[0]!;
  for (const t of made) {
    t.draw();
    const d = maxDiff(t.read(), want, true);
    if (!(d <= 1e-4)) throw new Error(`glCeiling: E = ${t.E} differs from the numeric module by ${d}`);
  }
  const engines: Engine[] = [
    { name: 'numeric', call: () => Object.values(num.predictBatch({ x }, M))[0]! },
    ...made.map((t) => ({ name: `E${t.E}`, call: () => (t.draw(), want) })),
  ];
  const ms = await measure(engines, { rounds: ROUNDS, warmup: false });
  const macs = M * K * N;
  const rate = (v: number): string => (macs / v / 1e6).toFixed(1);
  const renderer = String(gl.getParameter(gl.RENDERER));
  const lines = [
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; GL: ${renderer}${renderer === 'ANGLE' ? ` (${loadedGlDriver() ?? 'driver unknown'})` : ''}; draw buffers: ${maxBuffers}.`,
    `Linear(784→256), batch ${M} (${(macs / 1e9).toFixed(2)} G multiply-adds); median ms over ${ROUNDS} interleaved rounds of one call; outputs within 1e-4 of the numeric module.`,
    '',
    '| engine | ms | G multiply-adds/s | multiply-adds per texel read | numeric ÷ engine |',
    '|---|---:|---:|---:|---:|',
    `| layergen numeric f32 (predictBatch, WebAssembly SIMD) | ${fmt(ms.get('numeric'))} | ${rate(ms.get('numeric')!)} | | 1.00× |`,
    ...made.map((t) => {
      const v = ms.get(`E${t.E}`)!;
      return `| WebGL 1 shader, 4 outputs × ${t.E} example${t.E > 1 ? 's' : ''} a fragment (${t.E} render target${t.E > 1 ? 's' : ''}) | ${fmt(v)} | ${rate(v)} | ${((16 * t.E) / (4 + t.E)).toFixed(1)} | ${ratio(ms.get('numeric'), v)} |`;
    }),
  ];
  console.log(lines.join('\n'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
