/**
 * A symbolic LSTM forward pass built by hand with the runtime API, the way the compiler's
 * symbolic module builds it (see compiler/backends/symbolic/emit.ts): per gate row,
 * `addAll(products)` of `mul(weight, x)` then `add(sum, bias)`, `add(gi, gh)`, PyTorch's
 * gate order i, f, g, o; h0 = c0 = 0. Shared by the other symbolic benchmarks.
 *
 *   node dist/bench/symbolic-lstm.js [--hidden 128] [--steps 50] [--inputs 4] [--linear] [--strong] [--reps 3]
 *
 * prints the build time and node count of the last hidden state.
 */

import { fileURLToPath } from 'node:url';
import {
  add, addAll, countNodes, linear, mul, setWeakInterning, sigmoid, sym, tanh, type Expr,
} from '@layergen/runtime';

type V = Expr | number;

export interface LstmWeights {
  readonly inputs: number;
  readonly hidden: number;
  /** [4H, I], [4H, H], [4H], [4H] row-major, gates i, f, g, o. */
  readonly wIh: Float64Array;
  readonly wHh: Float64Array;
  readonly bIh: Float64Array;
  readonly bHh: Float64Array;
}

/** Deterministic float32-valued weights uniform in +-1/sqrt(H), as PyTorch initialises them. */
export function lstmWeights(inputs: number, hidden: number, seed = 1): LstmWeights {
  let s = seed >>> 0;
  const k = 1 / Math.sqrt(hidden);
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround((2 * (s / 2 ** 32) - 1) * k);
  };
  const arr = (n: number): Float64Array => Float64Array.from({ length: n }, rnd);
  const G = 4 * hidden;
  return { inputs, hidden, wIh: arr(G * inputs), wHh: arr(G * hidden), bIh: arr(G), bHh: arr(G) };
}

/** Symbol names of the inputs: x_t_j. */
export function lstmInputNames(inputs: number, steps: number): string[][] {
  return Array.from({ length: steps }, (_, t) => Array.from({ length: inputs }, (_, j) => `x_${t}_${j}`));
}

/** `W[row, :] . v + b[row]` as the compiler emits it, or with `linear` when `fast`. */
function affine(W: Float64Array, b: Float64Array, row: number, v: readonly V[], fast: boolean): Expr {
  const n = v.length;
  if (fast) return linear(Array.from(W.subarray(row * n, row * n + n)), v, b[row]!);
  const acc: V[] = [];
  for (let r = 0; r < n; r++) acc.push(mul(W[row * n + r]!, v[r]!));
  return add(addAll(acc), b[row]!);
}

/** The hidden states h_1..h_T (each H expressions) of an LSTM over symbolic inputs. */
export function buildLstm(w: LstmWeights, steps: number, fast = false): Expr[][] {
  const { inputs: I, hidden: H } = w;
  const names = lstmInputNames(I, steps);
  let h: V[] = new Array<V>(H).fill(0);
  let c: V[] = new Array<V>(H).fill(0);
  const out: Expr[][] = [];
  for (let t = 0; t < steps; t++) {
    const x = names[t]!.map((n) => sym(n));
    const gi: Expr[] = [];
    const gh: Expr[] = [];
    for (let r = 0; r < 4 * H; r++) gi.push(affine(w.wIh, w.bIh, r, x, fast));
    for (let r = 0; r < 4 * H; r++) gh.push(affine(w.wHh, w.bHh, r, h, fast));
    const gate = (r: number): Expr => add(gi[r]!, gh[r]!);
    const c2: Expr[] = [];
    const h2: Expr[] = [];
    for (let j = 0; j < H; j++) c2.push(add(mul(sigmoid(gate(j + H)), c[j]!), mul(sigmoid(gate(j)), tanh(gate(j + 2 * H)))));
    for (let j = 0; j < H; j++) h2.push(mul(sigmoid(gate(j + 3 * H)), tanh(c2[j]!)));
    h = h2;
    c = c2;
    out.push(h2);
  }
  return out;
}

/** Plain float64 forward pass (the reference for checks). */
export function runLstm(w: LstmWeights, x: readonly (readonly number[])[]): number[][] {
  const { inputs: I, hidden: H } = w;
  const sg = (v: number): number => 1 / (1 + Math.exp(-v));
  let h = new Array<number>(H).fill(0);
  let c = new Array<number>(H).fill(0);
  const out: number[][] = [];
  for (const xt of x) {
    const g = Array.from({ length: 4 * H }, (_, r) => {
      let s = w.bIh[r]! + w.bHh[r]!;
      for (let j = 0; j < I; j++) s += w.wIh[r * I + j]! * xt[j]!;
      for (let j = 0; j < H; j++) s += w.wHh[r * H + j]! * h[j]!;
      return s;
    });
    c = c.map((cj, j) => sg(g[j + H]!) * cj + sg(g[j]!) * Math.tanh(g[j + 2 * H]!));
    h = c.map((cj, j) => sg(g[j + 3 * H]!) * Math.tanh(cj));
    out.push(h);
  }
  return out;
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const steps = arg('steps', 50);
  const fast = process.argv.includes('--linear');
  setWeakInterning(!process.argv.includes('--strong'));
  for (let k = 0; k < arg('reps', 3); k++) {
    // New weights each time: a rebuild of the same net would only find its nodes interned.
    const w = lstmWeights(arg('inputs', 4), arg('hidden', 128), k + 1);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const hs = buildLstm(w, steps, fast);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const heap = (process.memoryUsage().heapUsed / 2 ** 20).toFixed(0);
    console.log(`LSTM(${w.inputs}->${w.hidden}) x ${steps} ${fast ? '[linear]' : '[addAll(mul)]'}: ` +
      `${ms.toFixed(0)} ms (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms), ` +
      `${countNodes(hs[hs.length - 1]!)} nodes, heap ${heap} MiB`);
  }
}
