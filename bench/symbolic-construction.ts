/**
 * Construction speed of the symbolic library (not a test, no assertions):
 * 50 rounds of 512 sums of 132 products symbol x number, the shape of an LSTM 4->128 gate
 * pre-activation over 50 steps (~3.4 million term entries). Each round uses new symbols,
 * so every product is a new node, as with h_{t-1} in a recurrence.
 *
 *   node dist/bench/symbolic-construction.js [--strong] [--rounds N]
 */

import { addAll, countNodes, linear, mul, setWeakInterning, sym, type Expr } from '../runtime/symbolic/index.js';

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

function run(label: string, fast: boolean): void {
  const w = weights();
  const t0 = performance.now();
  let last: Expr[] = [];
  for (let t = 0; t < ROUNDS; t++) last = round(t, w, fast);
  const ms = performance.now() - t0;
  const heap = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(`${label}: ${ROUNDS} x ${SUMS} sums x ${TERMS} terms in ${ms.toFixed(0)} ms ` +
    `(${((ms * 1e6) / (ROUNDS * SUMS * TERMS)).toFixed(0)} ns/term, heap ${heap.toFixed(0)} MiB, ` +
    `last round ${countNodes(last)} nodes)`);
}

setWeakInterning(!process.argv.includes('--strong'));
const mode = process.argv.includes('--strong') ? 'strong' : 'weak';
if (!process.argv.includes('--linear-only')) run(`addAll(mul(x, w)) [${mode} interning]`, false);
run(`linear(w, xs)      [${mode} interning]`, true);
