/**
 * layergen's symbolic runtime vs SymPy on the symbolic forward pass of an LSTM
 * (bench/symbolic-lstm.ts; the same weights are given to bench/sympy_lstm.py):
 * LSTM(4->8) at T = 1, 2, 3, 5, 10, 20, 50 and LSTM(4->128) at T = 50, all inputs symbolic.
 *
 *   node dist/bench/symbolic-vs-sympy.js [--timeout 60] [--reps 3] [--no-sympy] [--quick]
 *
 * Per case: layergen build time and node count of h_T, time and size of
 * `format(h_T, 'sympy')` (shared subexpressions as definitions); SymPy build time, with a
 * per-run timeout. Runs are interleaved (layergen, SymPy, layergen, ...), each with new
 * weights; medians of `reps`. A SymPy timeout ends that case's SymPy runs and the larger T
 * of the same net. Then the SymPy snippet of LSTM(4->8) x 3 and x 50 is exec'd in Python
 * and evaluated at a random point (memoised over the shared objects), against `evaluate`.
 * Prints a Markdown table.
 */

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { countNodes, evaluate, format, freeSymbols, type Expr } from '@layergen/runtime';
import { buildLstm, lstmWeights, type LstmWeights } from './symbolic-lstm.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../bench/sympy_lstm.py', import.meta.url));
/** Exec's a SymPy snippet and evaluates its `result` at a point (shared with the tests). */
const SYMPY_EVAL = fileURLToPath(new URL('../../test/sympy_eval.py', import.meta.url));

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const TIMEOUT_S = arg('timeout', 60);
const REPS = arg('reps', 3);
const QUICK = process.argv.includes('--quick');

const CASES: [number, number[]][] = QUICK ? [[8, [1, 2, 3, 10]]] : [[8, [1, 2, 3, 5, 10, 20, 50]], [128, [50]]];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function hasSympy(): string | null {
  if (process.argv.includes('--no-sympy')) return null;
  const r = spawnSync(PYTHON, ['-c', 'import sympy; print(sympy.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** SymPy build seconds, or null on timeout. */
function sympyBuild(w: LstmWeights, steps: number): number | null {
  const job = { inputs: w.inputs, hidden: w.hidden, steps, wIh: [...w.wIh], wHh: [...w.wHh], bIh: [...w.bIh], bHh: [...w.bHh] };
  const r = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(job), encoding: 'utf8', timeout: TIMEOUT_S * 1000, killSignal: 'SIGKILL' });
  if (r.error !== undefined || r.signal !== null) return null;
  if (r.status !== 0) throw new Error(`sympy_lstm.py failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { seconds: number }).seconds;
}

interface Row {
  net: string;
  steps: number;
  build: number[];
  nodes: number;
  fmt: number[];
  chars: number;
  lines: number;
  sympy: (number | null)[];
  skipped: boolean;
}

function ms(t0: number): number {
  return performance.now() - t0;
}

function runCase(hidden: number, steps: number, sympy: boolean, row: Row): void {
  for (let r = 0; r < REPS; r++) {
    const w = lstmWeights(4, hidden, 100 * steps + r + 1);
    let t0 = performance.now();
    const h = buildLstm(w, steps).at(-1)!;
    row.build.push(ms(t0));
    row.nodes = countNodes(h);
    t0 = performance.now();
    const text = format(h, 'sympy');
    row.fmt.push(ms(t0));
    row.chars = text.length;
    row.lines = text.split('\n').length;
    if (sympy && !row.skipped) {
      const s = sympyBuild(w, steps);
      row.sympy.push(s);
      if (s === null) row.skipped = true;
    }
  }
}

const fmtMs = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);
const fmtSize = (c: number): string => (c >= 1e6 ? `${(c / 1e6).toFixed(1)} MB` : `${(c / 1e3).toFixed(1)} kB`);

function sympyCell(row: Row, version: string | null, netTimedOut: boolean): string {
  if (version === null) return 'n/a';
  if (row.sympy.length === 0) return netTimedOut ? `> ${TIMEOUT_S} s (not run)` : 'n/a';
  if (row.sympy.includes(null)) return `> ${TIMEOUT_S} s`;
  return fmtMs(1000 * median(row.sympy as number[]));
}

/** Exec's the SymPy snippet of h_T and compares its values with `evaluate`. */
function execCheck(hidden: number, steps: number): string {
  const h: Expr[] = buildLstm(lstmWeights(4, hidden, 7), steps).at(-1)!;
  const text = format(h, 'sympy');
  let s = 12345;
  const env = Object.fromEntries(freeSymbols(h).map((n) => [n, ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1]));
  const want = evaluate(h, env);
  const t0 = performance.now();
  const r = spawnSync(PYTHON, [SYMPY_EVAL], { input: JSON.stringify({ text, env }), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) return `LSTM(4->${hidden}) x ${steps}: FAILED: ${r.stderr.slice(-500)}`;
  const got = JSON.parse(r.stdout) as number[];
  const err = Math.max(...got.map((g, i) => Math.abs(g - want[i]!) / Math.max(Math.abs(want[i]!), 1e-300)));
  const ok = err <= 1e-9 ? 'OK' : 'MISMATCH';
  return `LSTM(4->${hidden}) x ${steps}: snippet ${fmtSize(text.length)}, exec + evaluation in Python ${fmtMs(ms(t0))}, ` +
    `max relative difference to evaluate() ${err.toExponential(1)} (${ok})`;
}

const version = hasSympy();
console.log(`node ${process.version}; SymPy ${version ?? 'not available (SymPy columns skipped)'}; ` +
  `timeout ${TIMEOUT_S} s per SymPy run; medians of ${REPS}\n`);
console.log('| net | T | layergen build | nodes (h_T) | format(h_T, \'sympy\') | SymPy text | SymPy build |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const [hidden, stepsList] of CASES) {
  let timedOut = false;
  for (const steps of stepsList) {
    const row: Row = { net: `LSTM(4->${hidden})`, steps, build: [], nodes: 0, fmt: [], chars: 0, lines: 0, sympy: [], skipped: false };
    runCase(hidden, steps, version !== null && !timedOut, row);
    console.log(`| ${row.net} | ${steps} | ${fmtMs(median(row.build))} | ${row.nodes} | ${fmtMs(median(row.fmt))} | ` +
      `${fmtSize(row.chars)}, ${row.lines} lines | ${sympyCell(row, version, timedOut)} |`);
    if (row.sympy.includes(null)) timedOut = true;
  }
}
if (version !== null) {
  console.log('');
  for (const [hidden, steps] of [[8, 3], [8, 50]] as const) console.log(execCheck(hidden, steps));
}
