/**
 * The inner-product kernels of large layers as an asm.js module: plain JavaScript (correct in
 * any engine) that V8 validates and compiles like WebAssembly, without the bounds, overflow and
 * map checks of ordinary typed-array code, and with float32 arithmetic done in float32 (each
 * `fround(a * b)` one float32 multiply), so float32 stays faithful and is no slower than float64.
 *
 *   gemm_<kind>(wp, xp, yp, M, N, K):  Y[m, o] = sum_k W[o, k] * X[m, k]   (byte offsets in the heap)
 *
 * Tiles of 4 rows x 2 outputs (8 accumulators), single rows 4 outputs at a time; each accumulator
 * sums over k in order, like the plain loops, so results are bit-identical to them. Kinds: `f64w32`
 * (float64 X, Y; float32 weights), `f64w64`, `f32` (all float32). The heap's byte length must be a
 * power of two from 2^12 to 2^24, or a multiple of 2^24 (V8 falls back to plain JS otherwise).
 */

export type KernelKind = 'f64w32' | 'f64w64' | 'f32';

interface Types {
  /** Load of X (or of W) at a byte address, as the accumulator type. */
  readonly x: (addr: string) => string;
  readonly w: (addr: string) => string;
  readonly store: (addr: string, v: string) => string;
  readonly mac: (s: string, w: string, x: string) => string;
  readonly zero: string;
  /** log2 of the element size of X/Y and of W. */
  readonly xs: number;
  readonly ws: number;
}

const f64 = (addr: string): string => `+F64[(${addr}) >> 3]!`;
const f32d = (addr: string): string => `+F32[(${addr}) >> 2]!`;
const f32f = (addr: string): string => `fround(F32[(${addr}) >> 2]!)`;

const TYPES: Record<KernelKind, Types> = {
  f64w32: {
    x: f64,
    w: f32d,
    store: (a, v) => `F64[(${a}) >> 3] = ${v};`,
    mac: (s, w, x) => `${s} = ${s} + ${w} * ${x};`,
    zero: '0.0',
    xs: 3,
    ws: 2,
  },
  f64w64: {
    x: f64,
    w: f64,
    store: (a, v) => `F64[(${a}) >> 3] = ${v};`,
    mac: (s, w, x) => `${s} = ${s} + ${w} * ${x};`,
    zero: '0.0',
    xs: 3,
    ws: 3,
  },
  f32: {
    x: f32f,
    w: f32f,
    store: (a, v) => `F32[(${a}) >> 2] = ${v};`,
    mac: (s, w, x) => `${s} = fround(${s} + fround(${w} * ${x}));`,
    zero: 'fround(0)',
    xs: 2,
    ws: 2,
  },
};

const ROWS = 4;
const OUTS = 2;
const SINGLE = 4;

/** The k loop of one tile: rows x[0..E), outputs w[0..R), accumulators s{r}{q}. */
function tile(t: Types, E: number, R: number, oAt: string): string[] {
  const rs = [...Array(R).keys()];
  const es = [...Array(E).keys()];
  return [
    `w0 = (wp + (imul(${oAt}, ws) | 0)) | 0;`,
    ...rs.slice(1).map((r) => `w${r} = (w${r - 1} + ws) | 0;`),
    ...rs.flatMap((r) => es.map((q) => `s${r}${q} = ${t.zero};`)),
    'for (k = 0; (k | 0) < (K | 0); k = (k + 1) | 0) {',
    `kx = k << ${t.xs};`,
    `kw = k << ${t.ws};`,
    ...es.map((q) => `xv${q} = ${t.x(`x${q} + kx`)};`),
    ...rs.map((r) => `wv${r} = ${t.w(`w${r} + kw`)};`),
    ...rs.flatMap((r) => es.map((q) => t.mac(`s${r}${q}`, `wv${r}`, `xv${q}`))),
    '}',
    ...es.flatMap((q) => rs.map((r) => t.store(`y${q} + ((${oAt} + ${r}) << ${t.xs})`, `s${r}${q}`))),
  ];
}

function rowStarts(t: Types, E: number): string[] {
  return [...Array(E).keys()].flatMap((q) =>
    q === 0
      ? ['x0 = (xp + (imul(m, xs) | 0)) | 0;', 'y0 = (yp + (imul(m, ys) | 0)) | 0;']
      : [`x${q} = (x${q - 1} + xs) | 0;`, `y${q} = (y${q - 1} + ys) | 0;`],
  );
}

function kernel(kind: KernelKind): string[] {
  const t = TYPES[kind];
  const ints = ['m', 'o', 'k', 'kx', 'kw', 'xs', 'ys', 'ws', 'M4', 'N2', 'N4', 'x0', 'x1', 'x2', 'x3', 'y0', 'y1', 'y2', 'y3', 'w0', 'w1', 'w2', 'w3'];
  const accs = [...Array(SINGLE).keys()].flatMap((r) => [...Array(ROWS).keys()].map((q) => `s${r}${q}`));
  const vals = [0, 1, 2, 3].flatMap((i) => [`xv${i}`, `wv${i}`]);
  return [
    `function gemm_${kind}(wp: number, xp: number, yp: number, M: number, N: number, K: number): void {`,
    'wp = wp | 0;',
    'xp = xp | 0;',
    'yp = yp | 0;',
    'M = M | 0;',
    'N = N | 0;',
    'K = K | 0;',
    `var ${ints.map((v) => `${v} = 0`).join(', ')};`,
    `var ${[...accs, ...vals].map((v) => `${v} = ${t.zero}`).join(', ')};`,
    `xs = K << ${t.xs};`,
    `ys = N << ${t.xs};`,
    `ws = K << ${t.ws};`,
    `M4 = M & -${ROWS};`,
    `N2 = N & -${OUTS};`,
    `N4 = N & -${SINGLE};`,
    `for (m = 0; (m | 0) < (M4 | 0); m = (m + ${ROWS}) | 0) {`,
    ...rowStarts(t, ROWS),
    `for (o = 0; (o | 0) < (N2 | 0); o = (o + ${OUTS}) | 0) {`,
    ...tile(t, ROWS, OUTS, 'o'),
    '}',
    'if ((N2 | 0) < (N | 0)) {',
    ...tile(t, ROWS, 1, 'N2'),
    '}',
    '}',
    'for (m = M4; (m | 0) < (M | 0); m = (m + 1) | 0) {',
    ...rowStarts(t, 1),
    `for (o = 0; (o | 0) < (N4 | 0); o = (o + ${SINGLE}) | 0) {`,
    ...tile(t, 1, SINGLE, 'o'),
    '}',
    'for (o = N4; (o | 0) < (N | 0); o = (o + 1) | 0) {',
    ...tile(t, 1, 1, 'o'),
    '}',
    '}',
    '}',
  ];
}

/** Indents lines by brace depth (prettier leaves the asm.js module as written). */
function indent(lines: readonly string[]): string[] {
  let depth = 0;
  return lines.map((l) => {
    if (l.startsWith('}')) depth--;
    const out = '  '.repeat(Math.max(0, depth)) + l;
    if (l.endsWith('{')) depth++;
    return out;
  });
}

/** Statements declaring `name(stdlib, foreign, heap)`, the asm.js module of the given kernels. */
export function asmModule(name: string, kinds: readonly KernelKind[]): string[] {
  return indent([
    '// prettier-ignore',
    `function ${name}(stdlib: typeof globalThis, foreign: unknown, heap: ArrayBuffer) {`,
    "'use asm';",
    'var F32 = new stdlib.Float32Array(heap);',
    'var F64 = new stdlib.Float64Array(heap);',
    'var fround = stdlib.Math.fround;',
    'var imul = stdlib.Math.imul;',
    ...kinds.flatMap(kernel),
    `return { ${kinds.map((k) => `gemm_${k}: gemm_${k}`).join(', ')} };`,
    '}',
  ]);
}

/** The smallest heap size V8 accepts for asm.js that holds `bytes`. */
export function heapSize(bytes: number): number {
  if (bytes <= 1 << 12) return 1 << 12;
  if (bytes <= 1 << 24) return 2 ** Math.ceil(Math.log2(bytes));
  return Math.ceil(bytes / (1 << 24)) * (1 << 24);
}
