/**
 * The WebAssembly SIMD roofline of this machine: the peak multiply-add rate a wasm module reaches
 * here, in one thread and in two at once, float32 (f32x4) and float64 (f64x2). The large-batch
 * rows of `bench/run.ts` are reported as a fraction of it.
 *
 *   node dist/bench/roofline.js [--rounds N]
 *
 * The kernel is what a matrix product's inner loop does at best, without memory traffic: eight
 * independent accumulators, each `acc += y * c` four times per iteration (c one of four constants,
 * y advanced each iteration so nothing is loop-invariant); 128-bit SIMD has no fused multiply-add, so each
 * multiply-add is a multiply and an add. It is built with the numeric backend's wasm encoder
 * (compiler/backends/numeric/wasmKernel.ts). Each thread is a worker with its own instance; a
 * round times every thread count once (interleaved), the result is the median over rounds.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { F64, I32, V128, loop, op, section, str, uleb, vec } from '../compiler/backends/numeric/wasmKernel.js';
import { arg } from './harness.js';

export type Lane = 'f32' | 'f64';
const ACCS = 8;
const CONSTS = 4;
/** Products per accumulator between updates of y (so y's add is 1 in 33 operations). */
const UNROLL = 4;
const LANES: Record<Lane, number> = { f32: 4, f64: 2 };

/** v128.const with every lane `v`. */
function splat(kind: Lane, v: number): number[] {
  const lanes = kind === 'f32' ? new Float32Array(4).fill(v) : new Float64Array(2).fill(v);
  return [...op.simd(12), ...new Uint8Array(lanes.buffer)];
}

function peakBody(kind: Lane): number[] {
  // c_0..c_3 in locals (V8 materialises a v128.const with several instructions each time)
  const [ITERS, i, y, d] = [0, 1, 2, 3];
  const acc = (v: number): number => 4 + v;
  const c = (v: number): number => 4 + ACCS + (v % CONSTS);
  const [mul, add] = kind === 'f32' ? [op.simd(230), op.simd(228)] : [op.simd(242), op.simd(240)];
  const body: number[] = [];
  for (let u = 0; u < UNROLL; u++) for (let v = 0; v < ACCS; v++) body.push(...op.get(acc(v)), ...op.get(y), ...op.get(c(v)), ...mul, ...add, ...op.set(acc(v)));
  body.push(...op.get(y), ...op.get(d), ...add, ...op.set(y));
  const code = [
    ...splat(kind, 1), ...op.set(y),
    ...splat(kind, 1e-7), ...op.set(d),
    ...Array.from({ length: CONSTS }, (_, v) => [...splat(kind, 1 + v / 64), ...op.set(c(v))]).flat(),
    ...op.i32(0), ...op.set(i),
    ...loop(i, op.get(ITERS), op.i32(1), body),
    ...op.get(acc(0)),
  ];
  for (let v = 1; v < ACCS; v++) code.push(...op.get(acc(v)), ...add);
  // lane 0 as f64, so the sums are used and the loop is not dead code
  code.push(...(kind === 'f32' ? [...op.simd(31), 0, 0xbb] : [...op.simd(33), 0]));
  const locals = vec([[...uleb(1), I32], [...uleb(2 + ACCS + CONSTS), V128]]);
  const fn = [...locals, ...code, 0x0b];
  return [...uleb(fn.length), ...fn];
}

/** A module exporting `peak_f32(iterations)` and `peak_f64(iterations)`. */
export function peakModule(): Uint8Array {
  const kinds: Lane[] = ['f32', 'f64'];
  const type = [0x60, ...vec([[I32]]), ...vec([[F64]])];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([type])),
    ...section(3, vec(kinds.map(() => [0]))),
    ...section(7, vec(kinds.map((k, n) => [...str(`peak_${k}`), 0x00, ...uleb(n)]))),
    ...section(10, [...uleb(kinds.length), ...kinds.flatMap(peakBody)]),
  ]);
}

/** Multiply-adds per iteration of `peak_<kind>`. */
export const macsPerIteration = (kind: Lane): number => UNROLL * ACCS * LANES[kind];

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const k = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes)).exports;
parentPort.on('message', ({ kind, iters }) => {
  k['peak_' + kind](iters);
  parentPort.postMessage(0);
});
`;

export interface Roofline {
  /** Giga multiply-adds per second, by lane type and thread count (1, 2). */
  readonly f32: readonly [number, number];
  readonly f64: readonly [number, number];
}

/** Measures the roofline: `rounds` interleaved rounds of 1 and 2 threads, each kind, medians. */
export async function measureRoofline(rounds = 9, seconds = 0.15): Promise<Roofline> {
  const bytes = peakModule();
  const workers = [0, 1].map(() => new Worker(WORKER, { eval: true, workerData: { bytes } }));
  const run = (ws: Worker[], kind: Lane, iters: number): Promise<number> => {
    const t0 = performance.now();
    return Promise.all(ws.map((w) => new Promise<void>((r) => { w.once('message', () => r()); w.postMessage({ kind, iters }); }))).then(() => performance.now() - t0);
  };
  const rate = (kind: Lane, iters: number, threads: number, ms: number): number => (iters * macsPerIteration(kind) * threads) / (ms * 1e6);
  const result: Record<Lane, [number[], number[]]> = { f32: [[], []], f64: [[], []] };
  for (const kind of ['f32', 'f64'] as const) {
    // calibrate: iterations for about `seconds` in one thread (after a warm-up that tiers the code up)
    await run(workers, kind, 1e6);
    const probe = await run(workers.slice(0, 1), kind, 2e7);
    const iters = Math.max(1e6, Math.round((2e7 * seconds * 1000) / probe));
    for (let r = 0; r < rounds; r++) {
      for (const threads of [1, 2]) result[kind][threads - 1]!.push(rate(kind, iters, threads, await run(workers.slice(0, threads), kind, iters)));
    }
  }
  await Promise.all(workers.map((w) => w.terminate()));
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  return { f32: [median(result.f32[0]), median(result.f32[1])], f64: [median(result.f64[0]), median(result.f64[1])] };
}

export function rooflineTable(r: Roofline): string {
  return [
    '| wasm SIMD peak (G multiply-adds/s) | 1 thread | 2 threads |',
    '|---|---:|---:|',
    `| float32 (f32x4 mul + add) | ${r.f32[0].toFixed(1)} | ${r.f32[1].toFixed(1)} |`,
    `| float64 (f64x2 mul + add) | ${r.f64[0].toFixed(1)} | ${r.f64[1].toFixed(1)} |`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await measureRoofline(Number(arg('--rounds') ?? 9));
  console.log(rooflineTable(r));
}
