/**
 * Register-tiled loops for contractions (contraction.ts) too large to unroll. Rows of x (examples
 * times leading axes) and outputs are processed in tiles: a block of E rows by R outputs keeps
 * E*R accumulators in registers, so each weight loaded serves E rows and each x element R outputs
 * (matrix-matrix over a block of examples, not repeated matrix-vector); a single row (batch 1)
 * uses R = 4 outputs at a time. Every accumulator sums over k in order, as the plain loop does, so
 * results are bit-identical to it (float32: Math.fround after every multiply and add).
 */
import type { Contraction } from './contraction.js';
import type { Precision } from './flavor.js';

export interface GemmIo {
  /** Example count (an expression). */
  readonly n: string;
  readonly x: string;
  readonly xo: string;
  readonly y: string;
  readonly yo: string;
  /** The weight array. */
  readonly w: string;
  /** Code of the output value from the accumulator `acc` at output index `o` (an expression). */
  readonly epilogue: (acc: string, o: string) => string;
}

/**
 * Tile shapes, measured on V8 (Node 20, x86-64) with the 784-256-256-10 MLP: rows and outputs per
 * tile for blocks of examples, outputs per tile for a single row, and the unrolling of the k loop
 * (more accumulators than these spill registers; float32 is bound by Math.fround conversions).
 */
export const TILES = {
  float64: { rows: 4, outs: 2, single: 4, unroll: 2 },
  float32: { rows: 4, outs: 4, single: 4, unroll: 2 },
} as const;

const plus = (base: string, c: number): string => (c === 0 ? base : `${base} + ${c}`);

function tile(c: Contraction, io: GemmIo, precision: Precision, E: number, R: number, o: string): string[] {
  const { K } = c;
  const TILE = TILES[precision];
  const mac =
    precision === 'float32'
      ? (s: string, w: string, x: string) => `${s} = Math.fround(${s} + Math.fround(${w} * ${x}));`
      : (s: string, w: string, x: string) => `${s} += ${w} * ${x};`;
  const rs = [...Array(R).keys()];
  const es = [...Array(E).keys()];
  const acc = (r: number, q: number): string => `s${r}_${q}`;
  const U = Math.max(1, Math.min(TILE.unroll, K));
  const body = (u: number): string[] => {
    const at = (base: string): string => `${base} + k${u ? ` + ${u}` : ''}`;
    return [
      ...es.map((q) => `const x${q}_${u} = ${io.x}[${at(`xr${q}`)}]!;`),
      ...rs.map((r) => `const w${r}_${u} = ${io.w}[${at(`wr${r}`)}]!;`),
      ...rs.flatMap((r) => es.map((q) => mac(acc(r, q), `w${r}_${u}`, `x${q}_${u}`))),
    ];
  };
  const main = K - (K % U);
  const lines = [
    `const wr0 = ${o === '0' ? '0' : `${o} * ${K}`}${rs.slice(1).map((r) => `, wr${r} = wr${r - 1} + ${K}`).join('')};`,
    `let ${rs.flatMap((r) => es.map((q) => `${acc(r, q)} = 0`)).join(', ')};`,
    `for (let k = 0; k < ${main}; k += ${U}) {`,
    ...[...Array(U).keys()].flatMap(body),
    '}',
    ...(main < K ? [`for (let k = ${main}; k < ${K}; k++) {`, ...body(0), '}'] : []),
  ];
  for (const q of es) for (const r of rs) lines.push(`${io.y}[yr${q} + ${plus(o, r)}] = ${io.epilogue(acc(r, q), plus(o, r))};`);
  return lines;
}

/** Offsets of `count` rows of x and y starting at row `m`. */
function rowStartsOf(c: Contraction, io: GemmIo, count: number): string[] {
  const more = (v: string, step: number): string =>
    [...Array(count).keys()].slice(1).map((q) => `, ${v}${q} = ${v}${q - 1} + ${step}`).join('');
  return [`const xr0 = ${io.xo} + m * ${c.K}${more('xr', c.K)};`, `const yr0 = ${io.yo} + m * ${c.N}${more('yr', c.N)};`];
}

/** Loops over outputs in tiles of R, then the remainder one by one. */
function overOutputs(c: Contraction, io: GemmIo, precision: Precision, E: number, R: number): string[] {
  const full = c.N - (c.N % R);
  const lines: string[] = [];
  if (full > 0) {
    const loop = full === R ? ['{', 'const o = 0;'] : [`for (let o = 0; o < ${full}; o += ${R}) {`];
    lines.push(...loop, ...tile(c, io, precision, E, R, 'o'), '}');
  }
  if (full < c.N) {
    const loop = c.N - full === 1 ? ['{', `const o = ${full};`] : [`for (let o = ${full}; o < ${c.N}; o++) {`];
    lines.push(...loop, ...tile(c, io, precision, E, 1, 'o'), '}');
  }
  return lines;
}

/** Statements computing the contraction for `io.n` examples (`single`: exactly one row, no blocks). */
export function gemmLines(c: Contraction, io: GemmIo, precision: Precision, single = false): string[] {
  const TILE = TILES[precision];
  if (single && c.rows === 1) return ['{', 'const m = 0;', ...rowStartsOf(c, io, 1), ...overOutputs(c, io, precision, 1, TILE.single), '}'];
  const rows = c.rows === 1 ? io.n : `${io.n} * ${c.rows}`;
  const E = TILE.rows;
  const es = [...Array(E).keys()];
  const rowStarts = (count: number): string[] => rowStartsOf(c, io, count);
  return [
    `const rows = ${rows};`,
    'let m = 0;',
    `for (; m + ${E} <= rows; m += ${E}) {`,
    ...rowStarts(es.length),
    ...overOutputs(c, io, precision, E, TILE.outs),
    '}',
    'for (; m < rows; m++) {',
    ...rowStarts(1),
    ...overOutputs(c, io, precision, 1, TILE.single),
    '}',
  ];
}
