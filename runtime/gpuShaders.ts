/**
 * The shader chain: the first steps of a net that are contractions with a pointwise epilogue
 * (linear layers and their fused activations: an MLP, a classifier's layers before its softmax)
 * run as fragment shaders drawn directly on the context of gpu.js's GL kernels, with several
 * render targets a draw (WebGL 1 with WEBGL_draw_buffers, GLSL ES 1.0; or WebGL 2, GLSL ES 3.00
 * and texelFetch). A gpu.js kernel writes one texel a thread; here each fragment computes 4
 * outputs (one RGBA texel) of E examples, one render target per example, so that per 4 k it
 * reads 4 weight texels and E input texels for 16 E multiply-adds (10.7 per read at E = 8,
 * against 3.2 for a tiled gpu.js kernel). The epilogue is GLSL the compiler derived from the
 * step's formula (gpujs/glsl.ts); the runtime adds the loop, the loads and the helpers
 * (gpuHelpers.ts). The steps after the chain run as gpu.js kernels, on its values read back flat.
 *
 * Layout: a net input is uploaded as a texture of one row of ceil(K / 4) texels per example (its
 * batch-major rows as they are, where K is a multiple of 4). A step's value is E textures of
 * [ceil(N / 4), ceil(n / E)] texels: example m = r E + e is row r of texture e, four outputs a
 * texel, lanes past N zero; the step after it reads row r of each of them for its examples
 * r E .. r E + E - 1, so values never move between steps. Weights W [N, K] are a texture of
 * [ceil(N / 4), 4 ceil(K / 4)] texels (texel (q, k): W[4q .. 4q + 3, k], zero past N and K),
 * epilogue parameters a texture each, four floats a texel.
 */
import { glslHelpers } from './gpuHelpers.js';
import { floatTexture, preservingState, quadProgram, QUAD, QUAD_ATTRIBUTE, renderTargets, type GlHandle, type RenderTargets } from './gpuGl.js';
import type { GpuNet, GpuStep } from './gpuNet.js';

/** Render targets (examples a fragment) at most: the 8 WebGL's draw buffers commonly reach (WebGL 1's extension guarantees 4, WebGL 2 4). */
const MAX_TARGETS = 8;

/** What a value index of the net is, up to the end of the chain: a net input, or a chain step's value (its index in `steps`). */
export type ChainValue = { readonly input: number } | { readonly step: number };

/** What one step of the chain computes. */
export interface ChainStep {
  readonly layer: string;
  /** Where x comes from. */
  readonly x: ChainValue;
  readonly K: number;
  readonly N: number;
  /** W [N, K] row-major. */
  readonly weight: Float32Array;
  /** GLSL `vec4 lg_epilogue(vec4 s, float q)`, reading parameter i through `lg_p<i>(index)`. */
  readonly epilogue: string;
  readonly params: readonly Float32Array[];
}

/** The first steps of a net as a shader chain; the steps after them run as gpu.js kernels. */
export interface Chain {
  readonly inputSizes: readonly number[];
  readonly steps: readonly ChainStep[];
  /** The chain computes net.steps[0 .. prefix). */
  readonly prefix: number;
  /** Value index i < inputs + prefix: what it is (a pack step is its input, unchanged). */
  readonly at: readonly ChainValue[];
  /** The chain steps whose values are read after the chain (by the later steps' unpack steps, or as outputs), flat. */
  readonly reads: readonly number[];
}

/** The value indices a step reads (as tiled kernels run it: the chain runs only where they do). */
function valueArgs(s: GpuStep): number[] {
  if (s.kind !== 'scan') return [...s.args];
  const fromCells = s.cells.flatMap((c) => c.args).flatMap((a) => ('value' in a ? [a.value] : []));
  return [...fromCells, ...s.states.flatMap((st) => (st.init && 'value' in st.init ? [st.init.value] : []))];
}

/**
 * The longest first run of the net's steps that is a chain (contractions with a GLSL epilogue,
 * and packs of net inputs), or undefined where there is none or a later step reads its values
 * other than flat: a later step may read a chain step's value only through an unpack step, which
 * the chain's flat read-back replaces.
 */
export function chainOf(net: GpuNet): Chain | undefined {
  const at: ChainValue[] = net.inputs.map((_, i) => ({ input: i }));
  const steps: ChainStep[] = [];
  for (const s of net.steps) {
    if (s.kind === 'scan') break;
    if (s.repack && s.args.length === 1 && 'input' in (at[s.args[0]!] ?? {})) {
      at.push(at[s.args[0]!]!);
      continue;
    }
    const w = s.constants.w;
    if (!s.glsl || s.args.length !== 1 || at[s.args[0]!] === undefined || typeof w !== 'object' || !('packedColumns' in w)) break;
    steps.push({ layer: s.layer, x: at[s.args[0]!]!, K: w.K, N: w.N, weight: w.packedColumns, epilogue: s.glsl.epilogue, params: s.glsl.params });
    at.push({ step: steps.length - 1 });
  }
  if (steps.length === 0) return undefined;
  // the chain ends with its last contraction (a pack after it belongs to the kernels)
  while (!('step' in at[at.length - 1]!)) at.pop();
  const prefix = at.length - net.inputs.length;
  const reads = new Set<number>();
  const chainStep = (v: number): number | undefined => {
    const c = v >= net.inputs.length ? at[v] : undefined;
    return c && 'step' in c ? c.step : undefined;
  };
  for (const s of net.steps.slice(prefix)) {
    for (const v of valueArgs(s)) {
      if (v < net.inputs.length || v >= at.length) continue;
      const step = chainStep(v);
      if (step === undefined || s.kind === 'scan' || !s.repack) return undefined;
      reads.add(step);
    }
  }
  for (const o of net.outputs) {
    if ('value' in o && o.value >= net.inputs.length && o.value < at.length) {
      const step = chainStep(o.value);
      if (step === undefined) return undefined;
      reads.add(step);
    }
  }
  return { inputSizes: net.inputs.map((i) => i.size), steps, prefix, at, reads: [...reads] };
}

export interface ShaderChain {
  /** Render targets a draw: examples a fragment. */
  readonly targets: number;
  /** Examples a run at most (textures are at most this tall). */
  readonly maxBatch: number;
  /** Runs n examples (inputs flat batch-major, net input order); the values of `chain.reads`, flat batch-major, by chain step. */
  run(inputs: readonly Float32Array[], n: number): Map<number, Float32Array>;
}

/** A float literal for GLSL. */
const f = (v: number): string => (Number.isInteger(v) ? v.toFixed(1) : String(v));
const cdiv = (a: number, b: number): number => Math.ceil(a / b);

/**
 * GLSL ES 1.0 (WebGL 1 with WEBGL_draw_buffers) or 3.00 (WebGL 2): the header, texel t = (x, y)
 * of a w × h texture (texel indices as whole floats), and render target e's output.
 */
interface Dialect {
  readonly header: string;
  fetch(tex: string, x: string, y: string, w: string, h: string): string;
  readonly outputs: (E: number) => string;
  write(e: number, v: string): string;
}

const DIALECTS: Record<'webgl1' | 'webgl2', Dialect> = {
  webgl1: {
    header: '#extension GL_EXT_draw_buffers : require',
    fetch: (tex, x, y, w, h) => `texture2D(${tex}, vec2((${x} + 0.5) / ${w}, (${y} + 0.5) / ${h}))`,
    outputs: () => '',
    write: (e, v) => `gl_FragData[${e}] = ${v};`,
  },
  webgl2: {
    header: '#version 300 es',
    fetch: (tex, x, y) => `texelFetch(${tex}, ivec2(int(${x}), int(${y})), 0)`,
    outputs: (E) => [...Array(E).keys()].map((e) => `layout(location = ${e}) out vec4 lg_o${e};`).join('\n'),
    write: (e, v) => `lg_o${e} = ${v};`,
  },
};

/** GLSL reading float i of a parameter texture `tex` of w × h texels. */
function paramReader(d: Dialect, name: string, tex: string, w: number, h: number): string {
  return `float ${name}(float i) {
  float t = floor((i + 0.5) / 4.0);
  float r = floor((t + 0.5) / ${f(w)});
  vec4 v = ${d.fetch(tex, `t - r * ${f(w)}`, 'r', f(w), f(h))};
  float l = i - 4.0 * t;
  return l < 0.5 ? v.x : l < 1.5 ? v.y : l < 2.5 ? v.z : v.w;
}`;
}

/** The fragment shader of a step: E render targets, x from E textures of the step before (`split`) or one texture of rows. */
function fragmentShader(d: Dialect, s: ChainStep, E: number, split: boolean, paramSizes: readonly [number, number][]): string {
  const K4 = cdiv(s.K, 4);
  const N4 = cdiv(s.N, 4);
  const es = [...Array(E).keys()];
  const xs = (e: number): string => (split ? `lg_x${e}` : 'lg_x0');
  // the row of example e of this fragment in its x texture, whose rows are lg_h (split: ceil(n / E); rows: n)
  const y = (e: number): string => (split ? 'mb' : `mb * ${f(E)} + ${f(e)}`);
  const w = (j: number): string => d.fetch('lg_w', 'q', j ? `k + ${f(j)}` : 'k', f(N4), f(4 * K4));
  return `${d.header}
precision highp float;
precision highp sampler2D;
uniform float lg_zero;
uniform float lg_h;
${(split ? es : [0]).map((e) => `uniform sampler2D lg_x${e};`).join('\n')}
uniform sampler2D lg_w;
${paramSizes.map((_, i) => `uniform sampler2D lg_t${i};`).join('\n')}
${d.outputs(E)}
${glslHelpers()}
${paramSizes.map(([pw, ph], i) => paramReader(d, `lg_p${i}`, `lg_t${i}`, pw, ph)).join('\n')}
${s.epilogue}
void main() {
  float q = floor(gl_FragCoord.x);
  float mb = floor(gl_FragCoord.y);
  ${es.map((e) => `vec4 a${e} = vec4(0.0); float y${e} = ${y(e)};`).join('\n  ')}
  for (int k4 = 0; k4 < ${K4}; k4++) {
    float kx = float(k4);
    float k = kx * 4.0;
    vec4 w0 = ${w(0)};
    vec4 w1 = ${w(1)};
    vec4 w2 = ${w(2)};
    vec4 w3 = ${w(3)};
    ${es.map((e) => `{ vec4 x = ${d.fetch(xs(e), 'kx', `y${e}`, f(K4), 'lg_h')}; a${e} += x.x * w0 + x.y * w1 + x.z * w2 + x.w * w3; }`).join('\n    ')}
  }
  ${es.map((e) => d.write(e, `lg_epilogue(a${e}, q)`)).join('\n  ')}
}`;
}

/** W [N, K] as its texture's texels: texel (q, k) = W[4q .. 4q + 3, k]. */
function weightTexels(s: ChainStep): Float32Array {
  const N4 = cdiv(s.N, 4);
  const out = new Float32Array(N4 * 4 * 4 * cdiv(s.K, 4));
  for (let o = 0; o < s.N; o++) for (let k = 0; k < s.K; k++) out[k * N4 * 4 + o] = s.weight[o * s.K + k]!;
  return out;
}

interface Built {
  readonly s: ChainStep;
  readonly program: GlHandle;
  /** Its weight and parameter textures, bound after its x textures. */
  readonly textures: readonly GlHandle[];
  /** Uniform lg_h: rows of its x textures. */
  readonly h: GlHandle | null;
  /** Its value: E textures of `rows` rows (grown, never shrunk), the framebuffer drawing them, one reading each. */
  out?: { readonly rows: number; readonly textures: GlHandle[]; readonly fb: GlHandle; readonly reads: GlHandle[] };
}

/** A framebuffer drawing to `textures` at once (color attachments 0, 1, ...), and whether it is complete. */
function framebufferOf(rt: RenderTargets, textures: readonly GlHandle[]): { fb: GlHandle; complete: boolean } {
  const { gl } = rt;
  const fb = gl.createFramebuffer();
  gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
  textures.forEach((t, e) => gl.framebufferTexture2D(gl.FRAMEBUFFER, rt.attachment(e), gl.TEXTURE_2D, t, 0));
  rt.drawTo(textures.length);
  return { fb, complete: gl.checkFramebufferStatus(gl.FRAMEBUFFER) === gl.FRAMEBUFFER_COMPLETE };
}

/** Whether E float textures can be drawn at once (WebGL 1 allows float textures that are no render target). */
function rendersTo(rt: RenderTargets, E: number): boolean {
  const { gl } = rt;
  return preservingState(rt, 1, () => {
    const textures = [...Array(E).keys()].map(() => floatTexture(gl, 1, 1, null, rt.format));
    const { fb, complete } = framebufferOf(rt, textures);
    gl.deleteFramebuffer(fb);
    textures.forEach((t) => gl.deleteTexture(t));
    return complete;
  });
}

/**
 * The chain on context `c`, or undefined where it cannot run there: no WebGL context with
 * several float render targets (WebGL 1 with its extensions, or WebGL 2), or a weight larger
 * than a texture. A shader that does not compile throws (the compiler's GLSL is wrong, or the
 * driver rejects it: the runner then falls back to gpu.js kernels, saying why).
 */
export function createShaderChain(c: unknown, chain: Chain, module: string): ShaderChain | undefined {
  const rt = renderTargets(c);
  if (!rt || chain.steps.length === 0) return undefined;
  const { gl } = rt;
  const dialect = DIALECTS[rt.webgl2 ? 'webgl2' : 'webgl1'];
  const maxTex = Number(gl.getParameter(gl.MAX_TEXTURE_SIZE));
  const units = Number(gl.getParameter(gl.MAX_TEXTURE_IMAGE_UNITS));
  const maxParams = Math.max(...chain.steps.map((s) => s.params.length));
  const E = Math.min(MAX_TARGETS, rt.max, units - 1 - maxParams);
  if (!(E >= 1)) return undefined;
  const fits = (w: number, h: number): boolean => w <= maxTex && h <= maxTex;
  const paramSize = (p: Float32Array): [number, number] => {
    const t = Math.max(1, cdiv(p.length, 4));
    const w = Math.min(t, maxTex);
    return [w, cdiv(t, w)];
  };
  if (!chain.steps.every((s) => fits(cdiv(s.N, 4), 4 * cdiv(s.K, 4)) && s.params.every((p) => fits(...paramSize(p))))) return undefined;
  if (!rendersTo(rt, E)) return undefined;
  // the context is gpu.js's: the chain puts back the state it changes, and keeps vertex attributes in a vertex array of its own
  const unitsUsed = Math.max(...chain.steps.map((s) => ('step' in s.x ? E : 1) + 1 + s.params.length));
  const keeping = <T>(f: () => T): T => preservingState(rt, unitsUsed, f);

  const { vao, built } = keeping(() => {
    const vao = rt.createVertexArray();
    rt.bindVertexArray(vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array(QUAD), gl.STATIC_DRAW);
    gl.enableVertexAttribArray(QUAD_ATTRIBUTE);
    gl.vertexAttribPointer(QUAD_ATTRIBUTE, 2, gl.FLOAT, false, 0, 0);
    const built = chain.steps.map((s): Built => {
      const split = 'step' in s.x;
      const sizes = s.params.map(paramSize);
      const program = quadProgram(gl, fragmentShader(dialect, s, E, split, sizes), `${module}: layer ${JSON.stringify(s.layer)}: shader chain`);
      const padded = (p: Float32Array, [w, h]: [number, number]): Float32Array => {
        const t = new Float32Array(4 * w * h);
        t.set(p);
        return t;
      };
      const textures = [floatTexture(gl, cdiv(s.N, 4), 4 * cdiv(s.K, 4), weightTexels(s), rt.format), ...s.params.map((p, i) => floatTexture(gl, ...sizes[i]!, padded(p, sizes[i]!), rt.format))];
      const names = [...(split ? [...Array(E).keys()] : [0]).map((e) => `lg_x${e}`), 'lg_w', ...s.params.map((_, i) => `lg_t${i}`)];
      gl.useProgram(program);
      names.forEach((n, unit) => gl.uniform1i(gl.getUniformLocation(program, n), unit));
      gl.uniform1f(gl.getUniformLocation(program, 'lg_zero'), 0);
      return { s, program, textures, h: gl.getUniformLocation(program, 'lg_h') };
    });
    return { vao, built };
  });

  /** A step's value with room for `rows` rows (ceil(n / E)): its textures grow as batches do, and are drawn and read `rows` high. */
  const outputOf = (b: Built, rows: number): NonNullable<Built['out']> => {
    if (b.out && b.out.rows >= rows) return b.out;
    if (b.out) {
      b.out.textures.forEach((t) => gl.deleteTexture(t));
      [b.out.fb, ...b.out.reads].forEach((f) => gl.deleteFramebuffer(f));
    }
    const textures = [...Array(E).keys()].map(() => floatTexture(gl, cdiv(b.s.N, 4), rows, null, rt.format));
    const { fb, complete } = framebufferOf(rt, textures);
    if (!complete) throw new Error(`${module}: layer ${JSON.stringify(b.s.layer)}: shader chain: a framebuffer of ${E} float textures of [${cdiv(b.s.N, 4)}, ${rows}] is incomplete`);
    const reads = textures.map((t) => framebufferOf(rt, [t]).fb);
    b.out = { rows, textures, fb, reads };
    return b.out;
  };

  /** Net input i's texture of rows (padded to whole texels), grown as batches do: rows 0 .. n - 1 are written each run. */
  const inputTextures = new Map<number, { readonly tex: GlHandle; readonly rows: number }>();
  const upload = (i: number, data: Float32Array, n: number): { readonly tex: GlHandle; readonly rows: number } => {
    const K = chain.inputSizes[i]!;
    const K4 = cdiv(K, 4);
    let texels = data.subarray(0, n * K);
    if (K % 4 !== 0) {
      texels = new Float32Array(n * K4 * 4);
      for (let m = 0; m < n; m++) texels.set(data.subarray(m * K, (m + 1) * K), m * K4 * 4);
    }
    let known = inputTextures.get(i);
    if (!known || known.rows < n) {
      if (known) gl.deleteTexture(known.tex);
      known = { tex: floatTexture(gl, K4, n, null, rt.format), rows: n };
      inputTextures.set(i, known);
    }
    gl.bindTexture(gl.TEXTURE_2D, known.tex);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, K4, n, gl.RGBA, gl.FLOAT, texels);
    return known;
  };

  /** Step b's value, flat batch-major [n, N]: `rows` rows of its E textures read back and interleaved. */
  const readBack = (b: Built, rows: number, n: number): Float32Array => {
    const N4 = cdiv(b.s.N, 4);
    const flat = new Float32Array(n * b.s.N);
    const buf = new Float32Array(N4 * 4 * rows);
    outputOf(b, rows).reads.forEach((r, e) => {
      if (e >= n) return; // no example there (n < E)
      gl.bindFramebuffer(gl.FRAMEBUFFER, r);
      gl.readPixels(0, 0, N4, rows, gl.RGBA, gl.FLOAT, buf);
      for (let row = 0; row < rows && row * E + e < n; row++) flat.set(buf.subarray(row * N4 * 4, row * N4 * 4 + b.s.N), (row * E + e) * b.s.N);
    });
    return flat;
  };

  return {
    targets: E,
    maxBatch: maxTex,
    run: (inputs, n) =>
      keeping(() => {
        const rows = cdiv(n, E);
        const uploaded = new Map<number, { readonly tex: GlHandle; readonly rows: number }>();
        rt.bindVertexArray(vao);
        for (const b of built) {
          const out = outputOf(b, rows);
          const x = b.s.x;
          let xs: readonly GlHandle[];
          let h: number;
          if ('step' in x) {
            const from = outputOf(built[x.step]!, rows);
            [xs, h] = [from.textures, from.rows];
          } else {
            const input = uploaded.get(x.input) ?? uploaded.set(x.input, upload(x.input, inputs[x.input]!, n)).get(x.input)!;
            [xs, h] = [[input.tex], input.rows];
          }
          gl.bindFramebuffer(gl.FRAMEBUFFER, out.fb);
          rt.drawTo(E);
          gl.useProgram(b.program);
          [...xs, ...b.textures].forEach((t, unit) => {
            gl.activeTexture(gl.TEXTURE0 + unit);
            gl.bindTexture(gl.TEXTURE_2D, t);
          });
          gl.uniform1f(b.h, h);
          gl.viewport(0, 0, cdiv(b.s.N, 4), rows);
          gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
        }
        return new Map(chain.reads.map((j) => [j, readBack(built[j]!, rows, n)]));
      }),
  };
}
