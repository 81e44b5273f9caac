/**
 * Construction speed of the symbolic library (not a test, no assertions):
 * 50 rounds of 512 sums of 132 products symbol x number, the shape of an LSTM 4->128 gate
 * pre-activation over 50 steps (~3.4 million term entries). Each round uses new symbols,
 * so every product is a new node, as with h_{t-1} in a recurrence.
 *
 *   node --expose-gc dist/bench/symbolic-construction.js [--strong] [--rounds N] [--linear-only]
 *
 * Prints the time, the heap right after the build (interned nodes made in a synchronous job
 * survive it, however they are held), and, with --expose-gc, the heap once the job has
 * ended and a GC ran (only the last round's sums kept).
 *
 * Measured on the shared 2-core development container (node 20), ns per term (ranges:
 * the machine was loaded by other work):
 *                          addAll(mul(x, w))   linear(w, xs)
 *   before (weak / strong)    1702 / 816         119 / 109
 *   after  (weak / strong)  90-110 / 90-110      30-45 / 28-40
 * `mul(number, x)` now returns a loose (uninterned) product that addAll absorbs, sums merge
 * terms through a scratch slot on each node instead of a Map, and sorted term lists are
 * cached (see runtime/symbolic/add.ts, make.ts). The whole LSTM built the way the compiler
 * emits it: bench/symbolic-lstm.ts.
 */

import { addAll, countNodes, linear, mul, setWeakInterning, sym, type Expr } from '@layergen/runtime';

const ROUNDS = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 50;
const SUMS = 512;
const TERMS = 132;

function weights(): number[][] {
  let s = 12345;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  return Array.from({ length: SUMS }, () => Array.from({ length: TERMS }, rnd));
}

function round(t: number, w: number[][], fast: boolean): Expr[] {
  const xs = Array.from({ length: TERMS }, (_, j) => sym(`x${t}_${j}`));
  return w.map((row) => (fast ? linear(row, xs) : addAll(row.map((c, j) => mul(xs[j]!, c)))));
}

const mib = (): string => (process.memoryUsage().heapUsed / 2 ** 20).toFixed(0);

async function settledHeap(): Promise<string> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return 'n/a (run with --expose-gc)';
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    gc();
  }
  return `${mib()} MiB`;
}

async function run(label: string, fast: boolean): Promise<void> {
  const w = weights();
  const t0 = performance.now();
  let last: Expr[] = [];
  for (let t = 0; t < ROUNDS; t++) last = round(t, w, fast);
  const ms = performance.now() - t0;
  const heap = mib();
  console.log(`${label}: ${ROUNDS} x ${SUMS} sums x ${TERMS} terms in ${ms.toFixed(0)} ms ` +
    `(${((ms * 1e6) / (ROUNDS * SUMS * TERMS)).toFixed(0)} ns/term; heap ${heap} MiB after the build, ` +
    `${await settledHeap()} after GC holding the last round: ${countNodes(last)} nodes)`);
}

setWeakInterning(!process.argv.includes('--strong'));
const mode = process.argv.includes('--strong') ? 'strong' : 'weak';
if (!process.argv.includes('--linear-only')) await run(`addAll(mul(x, w)) [${mode} interning]`, false);
await run(`linear(w, xs)      [${mode} interning]`, true);
