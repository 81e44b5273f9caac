/**
 * The inner-product kernels of large layers as a WebAssembly module with 128-bit SIMD, written
 * here byte by byte (a dozen opcodes; no toolchain at build or run time):
 *
 *   gemm_<kind>(wp, xp, yp, M, N, K):  Y[m, o] = sum_k WT[k, o] * X[m, k]   (byte offsets)
 *
 * WT is the weight matrix transposed ([K, N], so the outputs o..o+7 of one k are contiguous);
 * numeric modules store contraction weights that way in their weights blob. Tiles of 4 rows x
 * 2 vectors of outputs (8 f32 or 4 f64 outputs; 8 vector accumulators), each X value splatted
 * across a vector; the output panel is the outer loop, so its K x 8 slice of WT stays in cache
 * while all rows pass; leftover rows (all of them at batch 1) run one row at a time, in wide
 * one-row tiles (one 64-byte line of WT per k), then narrow ones; leftover outputs a scalar loop.
 * Every output still sums over k in order, one multiply then one add per term (in float32 for
 * `f32`, each rounded like `Math.fround`), so results are bit-identical to the plain loops.
 * Kinds: `f64w32` (float64 X, Y; float32 weights, widened exactly), `f64w64`, `f32` (all float32).
 *
 * The module imports its memory as `env.mem`: the numeric module's heap.
 */

export type KernelKind = 'f64w32' | 'f64w64' | 'f32';

/** Unsigned and signed LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}
export const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
export const vec = (items: readonly number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Instructions (each returns its bytes). */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  remU: [0x70],
  geS: [0x4e],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  mem: (code: number[], align: number, offset = 0) => [...code, ...uleb(align), ...uleb(offset)],
  simd: (code: number) => [0xfd, ...uleb(code)],
};

interface Kind {
  /** Bytes of an X / Y element and of a WT element; lanes per vector. */
  readonly ex: number;
  readonly ew: number;
  readonly lanes: number;
  readonly scalar: number;
  /** A vector of WT at the address on the stack (plus offset). */
  readonly loadW: (offset: number) => number[];
  /** X at the address on the stack, splat to every lane. */
  readonly splatX: number[];
  readonly vmul: number[];
  readonly vadd: number[];
  /** Scalar loads (W widened to the accumulator type), multiply, add, store, zero. */
  readonly loadWs: number[];
  readonly loadXs: number[];
  readonly smul: number[];
  readonly sadd: number[];
  readonly store: number[];
  readonly zero: number[];
}

const f32Load = (align = 2): number[] => op.mem([0x2a], align);
const KINDS: Record<KernelKind, Kind> = {
  f32: {
    ex: 4, ew: 4, lanes: 4, scalar: F32,
    loadW: (o) => op.mem(op.simd(0), 0, o),
    splatX: op.mem(op.simd(9), 2),
    vmul: op.simd(230),
    vadd: op.simd(228),
    loadWs: f32Load(), loadXs: f32Load(), smul: [0x94], sadd: [0x92],
    store: op.mem([0x38], 2),
    zero: [0x43, 0, 0, 0, 0],
  },
  f64w64: {
    ex: 8, ew: 8, lanes: 2, scalar: F64,
    loadW: (o) => op.mem(op.simd(0), 0, o),
    splatX: op.mem(op.simd(10), 3),
    vmul: op.simd(242),
    vadd: op.simd(240),
    loadWs: op.mem([0x2b], 3), loadXs: op.mem([0x2b], 3), smul: [0xa2], sadd: [0xa0],
    store: op.mem([0x39], 3),
    zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  },
  f64w32: {
    ex: 8, ew: 4, lanes: 2, scalar: F64,
    // two floats (load64_zero), widened to two doubles (f64x2.promote_low_f32x4)
    loadW: (o) => [...op.mem(op.simd(93), 0, o), ...op.simd(95)],
    splatX: op.mem(op.simd(10), 3),
    vmul: op.simd(242),
    vadd: op.simd(240),
    loadWs: [...f32Load(), 0xbb], loadXs: op.mem([0x2b], 3), smul: [0xa2], sadd: [0xa0],
    store: op.mem([0x39], 3),
    zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  },
};

/**
 * Tiles: rows x vectors. 4 x 2 measured best for blocks of rows (8 accumulators + 2 weights + 1
 * splat in 16 registers). A single row (batch 1, a recurrent step, leftover rows) runs
 * 1 x rowVecs: with 1 x 2 its two accumulators are two chains of dependent adds and the kernel
 * waits on the add latency (6.9 G float32 multiply-adds/s here for a 512 x 128 matrix-vector
 * product); 4 or 8 independent chains keep the SIMD units busy.
 */
const ROWS = 4;
const VECS = 2;
/**
 * The vectors of a one-row tile: one 64-byte cache line of weights per k (measured best here:
 * float32 4 vectors 12 G/s against 10 G/s with 8; f64w32 8 vectors 7 G/s against 5.9 with 4).
 */
const rowVecs = (t: Kind): number => 64 / (t.lanes * t.ew);
/** The most vectors of any kind's one-row tile (f64w32: 8 of two lanes). */
const ROW_VECS = Math.max(...Object.values(KINDS).map(rowVecs));

// locals: the parameters, then i32 scratch, then vectors, then one scalar accumulator
const [WP, XP, YP, M, N, K] = [0, 1, 2, 3, 4, 5];
const [m, o, k, xs, ys, ws, M4, NT, w, kx, x0, y0] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
/** NTW: the outputs the wide one-row tiles cover. */
const NTW = 6 + 10 + 2 * ROWS;
const xr = (r: number): number => x0 + 2 * r; // x0, x1, x2, x3 interleaved with y0..y3
const yr = (r: number): number => y0 + 2 * r;
const I32_LOCALS = 10 + 2 * ROWS + 1; // m .. kx, then x_r / y_r pairs, then NTW
const WV = 6 + I32_LOCALS; // WV, WV+1: weight vectors; then XV; then accumulators
const XV = WV + VECS;
const ACC = XV + 1;
const ACCS = Math.max(ROWS * VECS, ROW_VECS);
/** The accumulator of row r, vector v in a tile of R rows. */
const accOf = (R: number, r: number, v: number): number => ACC + r * (R > 1 ? VECS : ROW_VECS) + v;
const SACC = ACC + ACCS;

/** `while (i < end) { body; i += step }` (body: bytes, or code with placeholders resolved later) */
export function loop<T = number>(i: number, end: number[], step: number[], body: readonly T[]): (number | T)[] {
  return [0x02, 0x40, 0x03, 0x40, ...op.get(i), ...end, ...op.geS, ...op.brIf(1), ...body, ...op.get(i), ...step, ...op.add, ...op.set(i), ...op.br(0), 0x0b, 0x0b];
}

/**
 * One tile: rows x_0..x_{R-1} (locals set), outputs o..o+V*lanes. Multi-row tiles keep their V
 * weight vectors in locals (each feeds R rows); a one-row tile uses each weight vector as it loads.
 */
function tile(t: Kind, R: number, V: number): number[] {
  const zeroV = [...op.simd(12), ...new Array<number>(16).fill(0)];
  const body: number[] = [];
  if (R > 1) for (let v = 0; v < V; v++) body.push(...op.get(w), ...t.loadW(v * t.lanes * t.ew), ...op.set(WV + v));
  const weight = (v: number): number[] => (R > 1 ? op.get(WV + v) : [...op.get(w), ...t.loadW(v * t.lanes * t.ew)]);
  for (let r = 0; r < R; r++) {
    body.push(...op.get(xr(r)), ...op.get(kx), ...op.add, ...t.splatX, ...op.set(XV));
    for (let v = 0; v < V; v++) body.push(...op.get(accOf(R, r, v)), ...weight(v), ...op.get(XV), ...t.vmul, ...t.vadd, ...op.set(accOf(R, r, v)));
  }
  body.push(...op.get(w), ...op.get(ws), ...op.add, ...op.set(w));
  const stores: number[] = [];
  for (let r = 0; r < R; r++) {
    for (let v = 0; v < V; v++) {
      stores.push(...op.get(yr(r)), ...op.get(o), ...op.i32(t.ex), ...op.mul, ...op.add, ...op.get(accOf(R, r, v)), ...op.mem(op.simd(11), 0, v * t.lanes * t.ex));
    }
  }
  const zeros: number[] = [];
  for (let r = 0; r < R; r++) for (let v = 0; v < V; v++) zeros.push(...zeroV, ...op.set(accOf(R, r, v)));
  return [
    ...op.get(WP), ...op.get(o), ...op.i32(t.ew), ...op.mul, ...op.add, ...op.set(w),
    ...zeros,
    ...op.i32(0), ...op.set(kx),
    // k counts the K steps; kx is the byte offset into the X rows
    ...op.i32(0), ...op.set(k),
    ...loop(k, op.get(K), op.i32(1), [...body, ...op.get(kx), ...op.i32(t.ex), ...op.add, ...op.set(kx)]),
    ...stores,
  ];
}

/** Row pointers x_r, y_r for rows m..m+R-1. */
function rowStarts(R: number): number[] {
  const out = [...op.get(XP), ...op.get(m), ...op.get(xs), ...op.mul, ...op.add, ...op.set(xr(0))];
  out.push(...op.get(YP), ...op.get(m), ...op.get(ys), ...op.mul, ...op.add, ...op.set(yr(0)));
  for (let r = 1; r < R; r++) {
    out.push(...op.get(xr(r - 1)), ...op.get(xs), ...op.add, ...op.set(xr(r)));
    out.push(...op.get(yr(r - 1)), ...op.get(ys), ...op.add, ...op.set(yr(r)));
  }
  return out;
}

/** Outputs NT..N of row m (x_0, y_0 set), one at a time. */
function scalarOutputs(t: Kind): number[] {
  const term = [
    ...op.get(SACC),
    // WT[k, o] at wp + (k * N + o) * ew: w walks down column o
    ...op.get(w), ...t.loadWs,
    ...op.get(xr(0)), ...op.get(kx), ...op.add, ...t.loadXs,
    ...t.smul, ...t.sadd, ...op.set(SACC),
    ...op.get(w), ...op.get(ws), ...op.add, ...op.set(w),
    ...op.get(kx), ...op.i32(t.ex), ...op.add, ...op.set(kx),
  ];
  const one = [
    ...op.get(WP), ...op.get(o), ...op.i32(t.ew), ...op.mul, ...op.add, ...op.set(w),
    ...t.zero, ...op.set(SACC),
    ...op.i32(0), ...op.set(kx),
    ...op.i32(0), ...op.set(k),
    ...loop(k, op.get(K), op.i32(1), term),
    ...op.get(yr(0)), ...op.get(o), ...op.i32(t.ex), ...op.mul, ...op.add, ...op.get(SACC), ...t.store,
  ];
  return [...op.get(NT), ...op.set(o), ...loop(o, op.get(N), op.i32(1), one)];
}

/** The code-section entry (size, locals, code) of `gemm_<kind>`. */
export function gemmBody(kind: KernelKind): number[] {
  const t = KINDS[kind];
  const per = VECS * t.lanes;
  const perRow = rowVecs(t) * t.lanes;
  // a column panel of WT (K x per outputs) stays in cache while every block of ROWS rows passes over it
  const panel = [
    ...op.i32(0), ...op.set(m),
    ...loop(m, op.get(M4), op.i32(ROWS), [...rowStarts(ROWS), ...tile(t, ROWS, VECS)]),
  ];
  // a leftover row: wide one-row tiles, then narrow ones up to NT
  const row = [
    ...rowStarts(1),
    ...op.i32(0), ...op.set(o),
    ...loop(o, op.get(NTW), op.i32(perRow), tile(t, 1, rowVecs(t))),
    ...loop(o, op.get(NT), op.i32(per), tile(t, 1, VECS)),
  ];
  const code = [
    ...op.get(K), ...op.i32(t.ex), ...op.mul, ...op.set(xs),
    ...op.get(N), ...op.i32(t.ex), ...op.mul, ...op.set(ys),
    ...op.get(N), ...op.i32(t.ew), ...op.mul, ...op.set(ws),
    ...op.get(M), ...op.get(M), ...op.i32(ROWS), ...op.remU, ...op.sub, ...op.set(M4),
    ...op.get(N), ...op.get(N), ...op.i32(per), ...op.remU, ...op.sub, ...op.set(NT),
    ...op.get(N), ...op.get(N), ...op.i32(perRow), ...op.remU, ...op.sub, ...op.set(NTW),
    // panels of outputs, each over the blocks of ROWS rows
    ...op.i32(0), ...op.set(o),
    ...loop(o, op.get(NT), op.i32(per), panel),
    // the leftover rows, one at a time
    ...op.get(M4), ...op.set(m),
    ...loop(m, op.get(M), op.i32(1), row),
    // leftover outputs of every row
    ...op.i32(0), ...op.set(m),
    ...loop(m, op.get(M), op.i32(1), [...rowStarts(1), ...scalarOutputs(t)]),
  ];
  const locals = vec([
    [...uleb(I32_LOCALS), I32],
    [...uleb(VECS + 1 + ACCS), V128],
    [...uleb(1), t.scalar],
  ]);
  const fn = [...locals, ...code, 0x0b];
  return [...uleb(fn.length), ...fn];
}

/** The function type of the gemm kernels: six i32 parameters, no result. */
export const GEMM_TYPE = [0x60, ...vec(new Array<number[]>(6).fill([I32])), ...vec([])];

/** The WebAssembly module (bytes) exporting `gemm_<kind>` for each kind; imports `env.mem`. */
export function wasmKernels(kinds: readonly KernelKind[]): Uint8Array {
  const type = GEMM_TYPE;
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([type])),
    ...section(2, vec([[...str('env'), ...str('mem'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(kinds.map(() => [0]))),
    ...section(7, vec(kinds.map((kd, i) => [...str(`gemm_${kd}`), 0x00, ...uleb(i)]))),
    ...section(10, [...uleb(kinds.length), ...kinds.flatMap(gemmBody)]),
  ];
  return Uint8Array.from(bytes);
}

/** WebAssembly pages (64 KiB) that hold `bytes`. */
export function heapPages(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 65536));
}
