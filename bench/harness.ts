/**
 * What the benchmarks share: deterministic inputs, layergen numeric modules compiled from a
 * bench net, the onnxruntime-node session of a net, and the interleaved median timing loop.
 * Engines are timed in rounds, each round one sample of every engine (a sample being enough
 * calls to take a few milliseconds), so load on the machine hits every engine alike.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../compiler/index.js';
import type { Graph } from '../compiler/ir/graph.js';
import type { BenchNet } from './models.js';

export type Out = Float32Array | Float64Array;

export interface Engine {
  readonly name: string;
  /** One call; returns the output (flat), awaited when asynchronous. */
  readonly call: () => Out | Promise<Out>;
  /** Run before each sample (tfjs: select its backend). */
  readonly before?: () => Promise<void>;
  /** The output of `call` in layergen's batch-first layout, where the engine's differs. */
  readonly batchFirst?: (o: Out) => Out;
}

export interface NumericModule {
  predictBatch(inputs: Record<string, Out>, batch: number): Record<string, Out>;
  predictBatchParallel(inputs: Record<string, Out>, batch: number, o: { workers: number }): Promise<Record<string, Out>>;
}

/** The value of command-line option `name` (`--rounds 5`), if given. */
export const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** Deterministic inputs in [-1, 1), float32 values. */
export function inputs(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(s / 2 ** 31 - 1);
  });
}

/** Compiles `file` (the YAML of `net`) for `target` into `dir/<precision>` and imports the module. */
export async function layergenModule<M>(
  net: BenchNet,
  file: string,
  dir: string,
  target: 'numeric' | 'gpu',
  precision: 'float64' | 'float32' = 'float64',
): Promise<M> {
  const out = join(dir, target === 'gpu' ? 'gpu' : precision);
  mkdirSync(out, { recursive: true });
  const files = await compile(file, { targets: [target], precision, lang: 'js' });
  for (const f of files) writeFileSync(join(out, f.path), f.bytes ?? f.text);
  return (await import(pathToFileURL(join(out, `${net.name}.${target}.js`)).href)) as M;
}

/** The first output of a module's result. */
export const first = (o: Record<string, Out>): Out => Object.values(o)[0]!;

type Ort = typeof import('onnxruntime-node');

/**
 * onnxruntime-node running `net` on the batch-first inputs `x32`, as an engine. Sequence nets
 * take ONNX's [T, batch, F] layout: the inputs are transposed once here, the outputs ([T, 1,
 * batch, H]) back by `batchFirst`, both outside the timed call (the identity at batch 1).
 */
export async function ortEngine(
  ort: Ort,
  net: BenchNet,
  graph: Graph,
  batch: number,
  x32: Float32Array,
  threads = 1,
  name = 'onnxruntime-node',
): Promise<Engine> {
  const session = await ort.InferenceSession.create(net.onnx(graph), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const seq = net.input.length === 2;
  const dims = seq ? [net.input[0]!, batch, net.input[1]!] : [batch, ...net.input];
  const feed = { x: new ort.Tensor('float32', seq ? swap01(x32, batch, net.input[0]!, net.input[1]!) : x32, dims) };
  const outName = session.outputNames[0]!;
  const T = net.input[0]!;
  return {
    name,
    call: async () => (await session.run(feed))[outName]!.data as Float32Array,
    ...(seq && batch > 1 ? { batchFirst: (o: Out) => swap01(o, T, batch, o.length / (T * batch)) } : {}),
  };
}

/** [a, b, c] row-major -> [b, a, c]. */
function swap01<A extends Out>(v: A, a: number, b: number, c: number): A {
  const out = new (v.constructor as new (n: number) => A)(v.length);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out.set(v.subarray((i * b + j) * c, (i * b + j + 1) * c), (j * a + i) * c);
  return out;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Times `reps` calls; returns ms per call. */
export async function sample(e: Engine, reps: number): Promise<number> {
  await e.before?.();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) {
    const r = e.call();
    if (r instanceof Promise) await r;
  }
  return Number(process.hrtime.bigint() - t0) / 1e6 / reps;
}

export interface Timing {
  readonly rounds: number;
  /** A sample runs calls for at least this long (default 4 ms). */
  readonly sampleMs?: number;
  /** Each engine runs this long before measuring (default 400 ms). */
  readonly warmupMs?: number;
  /** Calls of the first warm-up sample (default 3). */
  readonly firstCalls?: number;
  /** false: no warm-up, one call per sample (calls of seconds, engines already run once). */
  readonly warmup?: boolean;
}

/** Median ms per call of every engine, the engines interleaved in each round. */
export async function measure(list: readonly Engine[], o: Timing): Promise<Map<string, number>> {
  const sampleMs = o.sampleMs ?? 4;
  const warmupMs = o.warmupMs ?? 400;
  const reps = new Map<string, number>();
  for (const e of list) {
    if (o.warmup === false) {
      reps.set(e.name, 1);
      continue;
    }
    // warm up (JIT tiers, caches) for warmupMs, then size samples to sampleMs
    const t0 = Date.now();
    let once = await sample(e, o.firstCalls ?? 3);
    while (Date.now() - t0 < warmupMs) once = await sample(e, Math.max(1, Math.ceil(sampleMs / Math.max(once, 1e-4))));
    reps.set(e.name, Math.max(1, Math.ceil(sampleMs / Math.max(once, 1e-4))));
  }
  const times = new Map<string, number[]>(list.map((e) => [e.name, []]));
  for (let r = 0; r < o.rounds; r++) for (const e of list) times.get(e.name)!.push(await sample(e, reps.get(e.name)!));
  return new Map([...times].map(([k, v]) => [k, median(v)]));
}

/** One call of every engine, outputs batch-first. */
export async function outputs(list: readonly Engine[]): Promise<Map<string, Out>> {
  const outs = new Map<string, Out>();
  for (const e of list) {
    await e.before?.();
    const r = e.call();
    const v = r instanceof Promise ? await r : r;
    outs.set(e.name, e.batchFirst ? e.batchFirst(v) : v);
  }
  return outs;
}

/** max |v - ref|, or with `relative` max |v - ref| / max(1, |ref|); Infinity on a length mismatch or NaN. */
export function maxDiff(v: Out, ref: Out, relative = false): number {
  if (v.length !== ref.length) return Infinity;
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const d = Math.abs(v[i]! - ref[i]!) / (relative ? Math.max(1, Math.abs(ref[i]!)) : 1);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export const fmt = (ms: number | undefined): string =>
  ms === undefined ? '—' : ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toPrecision(3);
export const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`;
