/**
 * `layergen verify NET`: compiles every target in memory, evaluates numeric float64 (the
 * reference), numeric float32, gpu and symbolic at random points, and reports the largest
 * disagreement of each backend per output.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Target } from './backends/index.js';
import type { Precision } from './backends/numeric/emit.js';
import { emit } from './index.js';
import { size, typeOf, type Graph } from './ir/graph.js';
import { mulberry32 } from './frontend/init.js';
import { pinRuntime } from './backends/templates.js';
import { checkSymbolicSize } from './limits.js';

export interface VerifyOptions {
  readonly points?: number;
  readonly seed?: number;
  /** Largest accepted |a - b| / max(1, |ref|) per backend. */
  readonly tolerance?: Partial<Record<Backend, number>>;
  /** Skip backends (e.g. gpu where gpu.js is unavailable). */
  readonly skip?: readonly Backend[];
}

export type Backend = 'float32' | 'gpu' | 'symbolic';

/** Whether gpu.js (an optional peer dependency) can be loaded by the runtime; verify skips gpu otherwise. */
export function gpujsInstalled(): boolean {
  try {
    import.meta.resolve('gpu.js');
    return true;
  } catch {
    return false;
  }
}
export const DEFAULT_TOLERANCE: Record<Backend, number> = { float32: 1e-4, gpu: 1e-3, symbolic: 1e-9 };

export interface VerifyRow {
  readonly output: string;
  readonly backend: Backend;
  readonly maxError: number;
  readonly tolerance: number;
  readonly ok: boolean;
}

type Outs = Record<string, ArrayLike<number>>;
interface Predictor {
  predict(inputs: Record<string, unknown>): Outs | Promise<Outs>;
}
interface SymbolicPredictor {
  predict(inputs: Record<string, unknown>): Record<string, unknown[]>;
  evaluate(e: unknown, env: Record<string, number>): number;
}

async function load(graph: Graph, target: Target, precision: Precision, dir: string): Promise<unknown> {
  const files = await emit(graph, 'verify', { targets: [target], lang: 'js', precision, weights: 'embed' });
  let main = '';
  for (const f of files) {
    const path = join(dir, `${precision}.${f.path}`);
    writeFileSync(path, pinRuntime(f.text));
    if (f.path.endsWith('.js')) main = path;
  }
  return import(pathToFileURL(main).href);
}

/** Random inputs: floats uniform in [-2, 2]; int inputs uniform over the smallest embedding vocabulary. */
function randomInputs(g: Graph, rng: () => number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const id of g.inputs) {
    const n = g.nodes.find((m) => m.id === id)!;
    const t = typeOf(n);
    const vocab = Math.min(...g.nodes.filter((m) => m.inputs.includes(id) && typeof m.attrs.vocab === 'number').map((m) => m.attrs.vocab as number), 10);
    out[n.name] = Array.from({ length: size(t.shape) }, () => (t.dtype === 'int' ? Math.floor(rng() * vocab) : 4 * rng() - 2));
  }
  return out;
}

export async function verify(graph: Graph, opts: VerifyOptions = {}): Promise<VerifyRow[]> {
  const tol = { ...DEFAULT_TOLERANCE, ...opts.tolerance };
  const skip = new Set(opts.skip ?? []);
  if (!skip.has('symbolic')) checkSymbolicSize(graph);
  const dir = mkdtempSync(join(tmpdir(), 'layergen-verify-'));
  try {
    const ref = (await load(graph, 'numeric', 'float64', dir)) as Predictor;
    const others: [Backend, Predictor | SymbolicPredictor][] = [];
    if (!skip.has('float32')) others.push(['float32', (await load(graph, 'numeric', 'float32', dir)) as Predictor]);
    if (!skip.has('gpu')) others.push(['gpu', (await load(graph, 'gpu', 'float32', dir)) as Predictor]);
    if (!skip.has('symbolic')) others.push(['symbolic', (await load(graph, 'symbolic', 'float64', dir)) as SymbolicPredictor]);
    const rng = mulberry32(opts.seed ?? 1);
    const worst = new Map<string, number>();
    // Symbolic: build once on symbols, then evaluate at every point.
    const symNames: Record<string, string[]> = {};
    for (const id of graph.inputs) {
      const n = graph.nodes.find((m) => m.id === id)!;
      symNames[n.name] = Array.from({ length: size(typeOf(n).shape) }, (_, i) => `${n.name.replace(/[^A-Za-z0-9_]/g, '_')}_${i}`);
    }
    const intInputs = new Set(graph.inputs.map((id) => graph.nodes.find((m) => m.id === id)!).filter((n) => typeOf(n).dtype === 'int').map((n) => n.name));
    let symOut: Record<string, unknown[]> | undefined;
    for (let k = 0; k < (opts.points ?? 8); k++) {
      const inputs = randomInputs(graph, rng);
      const want = await ref.predict(inputs);
      for (const [backend, m] of others) {
        let got: Record<string, ArrayLike<number>>;
        if (backend === 'symbolic') {
          const s = m as SymbolicPredictor;
          // int inputs (indices) cannot be symbols: use the point's values for them
          const symIn = Object.fromEntries(Object.entries(symNames).map(([name, syms]) => [name, intInputs.has(name) ? inputs[name] : syms]));
          if (!symOut || intInputs.size) symOut = s.predict(symIn);
          const env: Record<string, number> = {};
          for (const [name, syms] of Object.entries(symNames)) syms.forEach((sy, i) => (env[sy] = inputs[name]![i]!));
          got = Object.fromEntries(Object.entries(symOut).map(([o, es]) => [o, es.map((e) => s.evaluate(e, env))]));
        } else got = await (m as Predictor).predict(inputs);
        for (const [o, w] of Object.entries(want)) {
          const key = `${o}\u0000${backend}`;
          let e = worst.get(key) ?? 0;
          for (let i = 0; i < w.length; i++) {
            const d = Math.abs(got[o]![i]! - w[i]!) / Math.max(1, Math.abs(w[i]!));
            e = Number.isNaN(d) ? Infinity : Math.max(e, d);
          }
          worst.set(key, e);
        }
      }
    }
    return [...worst].map(([key, maxError]) => {
      const [output, backend] = key.split('\u0000') as [string, Backend];
      return { output, backend, maxError, tolerance: tol[backend], ok: maxError <= tol[backend] };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function verifyTable(rows: readonly VerifyRow[]): string {
  const cells = [
    ['output', 'backend', 'max error', 'tolerance', 'ok'],
    ...rows.map((r) => [r.output, r.backend, r.maxError.toExponential(2), r.tolerance.toExponential(0), r.ok ? 'yes' : 'NO']),
  ];
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
  const text = cells.map((row) => row.map((cell, c) => (c >= 2 && c <= 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd());
  return [...text.slice(0, 1), widths.map((w) => '-'.repeat(w)).join('  '), ...text.slice(1)].join('\n') +
    '\n(max error: |backend - numeric float64| / max(1, |float64|) over all points and elements)';
}
