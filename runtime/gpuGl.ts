/**
 * The WebGL calls the shader chain (gpuShaders.ts) and the shader benchmark make, typed here
 * because the runtime compiles without the DOM typings: WebGL 1 with the extensions for several
 * float render targets, or WebGL 2, behind one set of calls (RenderTargets); and the small steps
 * every such caller repeats: a float RGBA texture with nearest sampling, a linked program with its
 * compile log, a draw that puts back the state of a context it shares.
 */

/** A WebGL object (texture, shader, program, framebuffer, buffer, uniform location). */
export type GlHandle = object;

export interface Gl {
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
  readonly MAX_TEXTURE_SIZE: number;
  readonly MAX_TEXTURE_IMAGE_UNITS: number;
  readonly BLEND: number;
  readonly DEPTH_TEST: number;
  readonly STENCIL_TEST: number;
  readonly SCISSOR_TEST: number;
  readonly CULL_FACE: number;
  readonly UNPACK_ALIGNMENT: number;
  readonly UNPACK_FLIP_Y_WEBGL: number;
  readonly ACTIVE_TEXTURE: number;
  readonly TEXTURE_BINDING_2D: number;
  readonly CURRENT_PROGRAM: number;
  readonly FRAMEBUFFER_BINDING: number;
  readonly ARRAY_BUFFER_BINDING: number;
  readonly VIEWPORT: number;
  readonly UNPACK_PREMULTIPLY_ALPHA_WEBGL: number;
  readonly PACK_ALIGNMENT: number;
  createTexture(): GlHandle;
  deleteTexture(t: GlHandle): void;
  bindTexture(target: number, t: GlHandle | null): void;
  texParameteri(target: number, p: number, v: number): void;
  texImage2D(target: number, level: number, internal: number, w: number, h: number, border: number, format: number, type: number, data: Float32Array | null): void;
  texSubImage2D(target: number, level: number, x: number, y: number, w: number, h: number, format: number, type: number, data: Float32Array): void;
  createShader(type: number): GlHandle;
  shaderSource(s: GlHandle, src: string): void;
  compileShader(s: GlHandle): void;
  getShaderParameter(s: GlHandle, p: number): unknown;
  getShaderInfoLog(s: GlHandle): string | null;
  deleteShader(s: GlHandle): void;
  createProgram(): GlHandle;
  attachShader(p: GlHandle, s: GlHandle): void;
  linkProgram(p: GlHandle): void;
  getProgramParameter(p: GlHandle, q: number): unknown;
  getProgramInfoLog(p: GlHandle): string | null;
  useProgram(p: GlHandle | null): void;
  getUniformLocation(p: GlHandle, name: string): GlHandle | null;
  uniform1i(loc: GlHandle | null, v: number): void;
  uniform1f(loc: GlHandle | null, v: number): void;
  getAttribLocation(p: GlHandle, name: string): number;
  bindAttribLocation(p: GlHandle, loc: number, name: string): void;
  createFramebuffer(): GlHandle;
  bindFramebuffer(target: number, fb: GlHandle | null): void;
  framebufferTexture2D(target: number, attachment: number, texTarget: number, t: GlHandle | null, level: number): void;
  checkFramebufferStatus(target: number): number;
  deleteFramebuffer(fb: GlHandle): void;
  activeTexture(unit: number): void;
  createBuffer(): GlHandle;
  bindBuffer(target: number, b: GlHandle | null): void;
  bufferData(target: number, data: Float32Array, usage: number): void;
  enableVertexAttribArray(loc: number): void;
  vertexAttribPointer(loc: number, size: number, type: number, normalized: boolean, stride: number, offset: number): void;
  viewport(x: number, y: number, w: number, h: number): void;
  disable(cap: number): void;
  enable(cap: number): void;
  isEnabled(cap: number): boolean;
  pixelStorei(p: number, v: number): void;
  drawArrays(mode: number, first: number, count: number): void;
  readPixels(x: number, y: number, w: number, h: number, format: number, type: number, out: Float32Array): void;
  getExtension(name: string): unknown;
  getParameter(p: number): unknown;
}

/** WEBGL_draw_buffers: several render targets a draw. */
export interface DrawBuffers {
  readonly COLOR_ATTACHMENT0_WEBGL: number;
  readonly MAX_DRAW_BUFFERS_WEBGL: number;
  readonly MAX_COLOR_ATTACHMENTS_WEBGL: number;
  drawBuffersWEBGL(b: number[]): void;
}

/** OES_vertex_array_object: vertex attribute state of one's own. */
export interface VertexArrays {
  createVertexArrayOES(): GlHandle;
  bindVertexArrayOES(v: GlHandle | null): void;
}

/**
 * Runs `draw` on a context shared with other code (gpu.js kernels, which set some of their state
 * once and expect it to stay) and puts back what it changes, also where it throws:
 * the bindings of texture units 0 .. units - 1, the active unit, program, framebuffer, array
 * buffer, vertex array, viewport, the capabilities it disables and the unpacking it sets. Vertex
 * attributes are the caller's to keep apart (a vertex array of its own).
 */
export function preservingState<T>(rt: RenderTargets, units: number, draw: () => T): T {
  const { gl } = rt;
  const vertexArray = rt.boundVertexArray();
  const active = gl.getParameter(gl.ACTIVE_TEXTURE) as number;
  const bound = [...Array(units).keys()].map((u) => {
    gl.activeTexture(gl.TEXTURE0 + u);
    return gl.getParameter(gl.TEXTURE_BINDING_2D) as GlHandle | null;
  });
  const program = gl.getParameter(gl.CURRENT_PROGRAM) as GlHandle | null;
  const fb = gl.getParameter(gl.FRAMEBUFFER_BINDING) as GlHandle | null;
  const buffer = gl.getParameter(gl.ARRAY_BUFFER_BINDING) as GlHandle | null;
  const viewport = Array.from(gl.getParameter(gl.VIEWPORT) as ArrayLike<number>);
  const caps = [gl.BLEND, gl.DEPTH_TEST, gl.STENCIL_TEST, gl.SCISSOR_TEST, gl.CULL_FACE];
  const enabled = caps.map((c) => gl.isEnabled(c));
  const stores = [gl.UNPACK_ALIGNMENT, gl.PACK_ALIGNMENT, gl.UNPACK_FLIP_Y_WEBGL, gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL];
  const stored = stores.map((p) => Number(gl.getParameter(p)));
  try {
    gl.activeTexture(gl.TEXTURE0); // textures made or uploaded in draw bind to unit 0, which is put back
    caps.forEach((c) => gl.disable(c));
    [4, 4, 0, 0].forEach((v, i) => gl.pixelStorei(stores[i]!, v));
    return draw();
  } finally {
    caps.forEach((c, i) => (enabled[i] ? gl.enable(c) : gl.disable(c)));
    stores.forEach((p, i) => gl.pixelStorei(p, stored[i]!));
    gl.viewport(viewport[0]!, viewport[1]!, viewport[2]!, viewport[3]!);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.useProgram(program);
    bound.forEach((t, u) => {
      gl.activeTexture(gl.TEXTURE0 + u);
      gl.bindTexture(gl.TEXTURE_2D, t);
    });
    gl.activeTexture(active);
    rt.bindVertexArray(vertexArray);
  }
}

/** The WebGL 2 calls that replace WebGL 1 extensions. */
interface Gl2 extends Gl {
  readonly RGBA32F: number;
  readonly MAX_DRAW_BUFFERS: number;
  readonly MAX_COLOR_ATTACHMENTS: number;
  texStorage2D: unknown;
  drawBuffers(b: number[]): void;
  createVertexArray(): GlHandle;
  bindVertexArray(v: GlHandle | null): void;
}

/**
 * Several float render targets a draw, on a WebGL 1 context with its extensions
 * (WEBGL_draw_buffers, OES_texture_float, OES_vertex_array_object) or a WebGL 2 one
 * (EXT_color_buffer_float): one set of calls for both, and the GLSL dialect to write.
 */
export interface RenderTargets {
  readonly gl: Gl;
  readonly webgl2: boolean;
  /** Render targets a draw at most. */
  readonly max: number;
  /** Internal format of a float RGBA texture (RGBA, or RGBA32F in WebGL 2). */
  readonly format: number;
  /** Color attachment e. */
  attachment(e: number): number;
  /** Draw to color attachments 0 .. n - 1 of the bound framebuffer. */
  drawTo(n: number): void;
  createVertexArray(): GlHandle;
  bindVertexArray(v: GlHandle | null): void;
  /** The vertex array bound now (null: the default one). */
  boundVertexArray(): GlHandle | null;
}

/** VERTEX_ARRAY_BINDING of WebGL 2, and VERTEX_ARRAY_BINDING_OES of OES_vertex_array_object: the same enum. */
const VERTEX_ARRAY_BINDING = 0x85b5;

/** `c`'s render targets, or undefined where it is no WebGL context or lacks what they need. */
export function renderTargets(c: unknown): RenderTargets | undefined {
  const gl = c as Partial<Gl2> | null | undefined;
  if (typeof gl?.drawArrays !== 'function' || typeof gl.getExtension !== 'function') return undefined;
  if (gl.texStorage2D !== undefined) {
    const g = gl as Gl2;
    if (!g.getExtension('EXT_color_buffer_float')) return undefined;
    return {
      gl: g,
      webgl2: true,
      max: Math.min(Number(g.getParameter(g.MAX_DRAW_BUFFERS)), Number(g.getParameter(g.MAX_COLOR_ATTACHMENTS))),
      format: g.RGBA32F,
      attachment: (e) => g.COLOR_ATTACHMENT0 + e,
      drawTo: (n) => g.drawBuffers([...Array(n).keys()].map((e) => g.COLOR_ATTACHMENT0 + e)),
      createVertexArray: () => g.createVertexArray(),
      bindVertexArray: (v) => g.bindVertexArray(v),
      boundVertexArray: () => g.getParameter(VERTEX_ARRAY_BINDING) as GlHandle | null,
    };
  }
  const g = gl as Gl;
  const db = g.getExtension('WEBGL_draw_buffers') as DrawBuffers | null;
  const va = g.getExtension('OES_vertex_array_object') as VertexArrays | null;
  if (!db || !va || !g.getExtension('OES_texture_float')) return undefined;
  return {
    gl: g,
    webgl2: false,
    max: Math.min(Number(g.getParameter(db.MAX_DRAW_BUFFERS_WEBGL)), Number(g.getParameter(db.MAX_COLOR_ATTACHMENTS_WEBGL))),
    format: g.RGBA,
    attachment: (e) => db.COLOR_ATTACHMENT0_WEBGL + e,
    drawTo: (n) => db.drawBuffersWEBGL([...Array(n).keys()].map((e) => db.COLOR_ATTACHMENT0_WEBGL + e)),
    createVertexArray: () => va.createVertexArrayOES(),
    bindVertexArray: (v) => va.bindVertexArrayOES(v),
    boundVertexArray: () => g.getParameter(VERTEX_ARRAY_BINDING) as GlHandle | null,
  };
}

/**
 * A float RGBA texture of w × h texels, nearest sampling, clamped (`data`: 4 w h floats, or
 * null); `format` its internal format (WebGL 2 wants RGBA32F).
 */
export function floatTexture(gl: Gl, w: number, h: number, data: Float32Array | null, format = gl.RGBA): GlHandle {
  const t = gl.createTexture();
  gl.bindTexture(gl.TEXTURE_2D, t);
  for (const p of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER]) gl.texParameteri(gl.TEXTURE_2D, p, gl.NEAREST);
  for (const p of [gl.TEXTURE_WRAP_S, gl.TEXTURE_WRAP_T]) gl.texParameteri(gl.TEXTURE_2D, p, gl.CLAMP_TO_EDGE);
  gl.texImage2D(gl.TEXTURE_2D, 0, format, w, h, 0, gl.RGBA, gl.FLOAT, data);
  return t;
}

/** The vertex shader of a full-screen quad (attribute `p`, four vertices as a triangle strip), GLSL ES 1.0 and 3.00. */
const QUAD_VERTEX_SHADER = {
  1: 'attribute vec2 p; void main() { gl_Position = vec4(p, 0.0, 1.0); }',
  3: '#version 300 es\nin vec2 p; void main() { gl_Position = vec4(p, 0.0, 1.0); }',
};

/** The quad's vertices, for QUAD_VERTEX_SHADER. */
export const QUAD = [-1, -1, 1, -1, -1, 1, 1, 1];

/** The attribute location of `p` in every quadProgram. */
export const QUAD_ATTRIBUTE = 0;

/**
 * A linked program of the quad vertex shader and `fragment` (GLSL ES 3.00 where it starts with
 * `#version 300 es`); compile and link errors throw with GL's log, prefixed by `where`.
 */
export function quadProgram(gl: Gl, fragment: string, where: string): GlHandle {
  const shader = (type: number, src: string): GlHandle => {
    const s = gl.createShader(type);
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`${where}: shader does not compile: ${gl.getShaderInfoLog(s) ?? ''}`);
    return s;
  };
  const p = gl.createProgram();
  const vs = shader(gl.VERTEX_SHADER, QUAD_VERTEX_SHADER[fragment.startsWith('#version 300 es') ? 3 : 1]);
  const fs = shader(gl.FRAGMENT_SHADER, fragment);
  gl.attachShader(p, vs);
  gl.attachShader(p, fs);
  gl.bindAttribLocation(p, QUAD_ATTRIBUTE, 'p');
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`${where}: program does not link: ${gl.getProgramInfoLog(p) ?? ''}`);
  gl.deleteShader(vs);
  gl.deleteShader(fs);
  return p;
}
