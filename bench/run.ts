/**
 * `npm run bench`: layergen's numeric modules (float64 and float32) against onnxruntime-node,
 * tfjs (cpu) and tfjs-wasm on the nets of models.ts, all with the same weights and inputs.
 * Each row runs in its own process, its engines interleaved (each round times one sample of
 * every engine, a sample being enough calls to take a few milliseconds); the table gives the
 * median time per call and ratios (other engine's time / layergen's: above 1, layergen is
 * faster). Not a test: no assertions, but each engine's outputs are compared with layergen
 * float64's.
 *
 *   node dist/bench/run.js [--rounds N] [--only NAME]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile } from '../compiler/index.js';
import type { Graph } from '../compiler/ir/graph.js';
import { NETS, writeNet, type BenchNet } from './models.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ROUNDS = Number(arg('--rounds') ?? 15);
const ONLY = arg('--only');
/** A sample runs calls for at least this long. */
const SAMPLE_MS = 4;
/** Each engine runs this long before measuring. */
const WARMUP_MS = 400;
const OUT = join(process.cwd(), '.tmp-bench-out');

type Out = Float32Array | Float64Array;
interface NumericModule {
  predictBatch(inputs: Record<string, Out>, batch: number): Record<string, Out>;
  predictBatchParallel(inputs: Record<string, Out>, batch: number, o: { workers: number }): Promise<Record<string, Out>>;
}

interface Engine {
  readonly name: string;
  /** One call; returns the output (flat, batch-first), awaited when asynchronous. */
  readonly call: () => Out | Promise<Out>;
  /** Run before each sample (tfjs: select its backend). */
  readonly before?: () => Promise<void>;
}

interface Case {
  readonly net: BenchNet;
  readonly batch: number;
}

const CASES: readonly Case[] = [
  { net: NETS[0]!, batch: 1 },
  { net: NETS[1]!, batch: 1 },
  { net: NETS[2]!, batch: 1 },
  { net: NETS[3]!, batch: 1 },
  { net: NETS[3]!, batch: 1024 },
];

/** Deterministic inputs in [-1, 1), float32 values. */
function inputs(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(s / 2 ** 31 - 1);
  });
}

async function layergen(net: BenchNet, file: string, precision: 'float64' | 'float32'): Promise<NumericModule> {
  const dir = join(OUT, precision);
  mkdirSync(dir, { recursive: true });
  const files = await compile(file, { targets: ['numeric'], precision, lang: 'js' });
  for (const f of files) writeFileSync(join(dir, f.path), f.bytes ?? f.text);
  return (await import(pathToFileURL(join(dir, `${net.name}.numeric.js`)).href)) as NumericModule;
}

type Ort = typeof import('onnxruntime-node');
type Tf = typeof import('@tensorflow/tfjs');

async function engines(c: Case, graph: Graph, file: string, ort: Ort, tf: Tf): Promise<Engine[]> {
  const { net, batch } = c;
  const x32 = inputs(batch * net.input.reduce((a, b) => a * b, 1), 12345);
  const x64 = Float64Array.from(x32);
  const m64 = await layergen(net, file, 'float64');
  const m32 = await layergen(net, file, 'float32');
  const first = (o: Record<string, Out>): Out => Object.values(o)[0]!;
  const list: Engine[] = [
    { name: 'layergen f64', call: () => first(m64.predictBatch({ x: x64 }, batch)) },
    { name: 'layergen f32', call: () => first(m32.predictBatch({ x: x32 }, batch)) },
  ];
  if (batch >= 256) {
    list.push({ name: 'layergen f64 ×2 workers', call: async () => first(await m64.predictBatchParallel({ x: x64 }, batch, { workers: 2 })) });
    list.push({ name: 'layergen f32 ×2 workers', call: async () => first(await m32.predictBatchParallel({ x: x32 }, batch, { workers: 2 })) });
  }
  const session = await ort.InferenceSession.create(net.onnx(graph), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const dims = net.input.length === 2 ? [net.input[0]!, batch, net.input[1]!] : [batch, ...net.input];
  const feed = { x: new ort.Tensor('float32', x32, dims) };
  const outName = session.outputNames[0]!;
  list.push({ name: 'onnxruntime-node', call: async () => (await session.run(feed))[outName]!.data as Float32Array });
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend);
    const fn = net.tfjs(tf, graph);
    const x = tf.tensor(x32, [batch, ...net.input]);
    list.push({
      name: backend === 'cpu' ? 'tfjs cpu' : 'tfjs-wasm',
      before: async () => {
        await tf.setBackend(backend);
      },
      call: () => {
        const y = fn(x);
        const data = y.dataSync() as Float32Array;
        y.dispose();
        return data;
      },
    });
  }
  return list;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Times `reps` calls; returns ms per call. */
async function sample(e: Engine, reps: number): Promise<number> {
  await e.before?.();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) {
    const r = e.call();
    if (r instanceof Promise) await r;
  }
  return Number(process.hrtime.bigint() - t0) / 1e6 / reps;
}

async function measure(list: readonly Engine[]): Promise<Map<string, number>> {
  const reps = new Map<string, number>();
  for (const e of list) {
    // warm up (JIT tiers, caches) for WARMUP_MS, then size samples to SAMPLE_MS
    const t0 = Date.now();
    let once = await sample(e, 3);
    while (Date.now() - t0 < WARMUP_MS) once = await sample(e, Math.max(1, Math.ceil(SAMPLE_MS / Math.max(once, 1e-4))));
    reps.set(e.name, Math.max(1, Math.ceil(SAMPLE_MS / Math.max(once, 1e-4))));
  }
  const times = new Map<string, number[]>(list.map((e) => [e.name, []]));
  for (let r = 0; r < ROUNDS; r++) for (const e of list) times.get(e.name)!.push(await sample(e, reps.get(e.name)!));
  return new Map([...times].map(([k, v]) => [k, median(v)]));
}

async function agreement(list: readonly Engine[]): Promise<Map<string, number>> {
  const outs = new Map<string, Out>();
  for (const e of list) {
    await e.before?.();
    const r = e.call();
    outs.set(e.name, r instanceof Promise ? await r : r);
  }
  const ref = outs.get('layergen f64')!;
  const diff = (v: Out): number => {
    let m = 0;
    for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]! - ref[i]!));
    return m;
  };
  return new Map([...outs].map(([k, v]) => [k, diff(v)]));
}

const fmt = (ms: number | undefined): string => (ms === undefined ? '—' : ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toPrecision(3));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);

interface CaseResult {
  readonly what: string;
  readonly times: Record<string, number>;
  readonly agree: Record<string, number>;
  readonly simd: boolean;
  readonly threads: boolean;
}

/** One case, in this process: every engine interleaved. */
async function runCase(c: Case): Promise<CaseResult> {
  mkdirSync(OUT, { recursive: true });
  const ort = await import('onnxruntime-node');
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  const { file, graph } = writeNet(c.net, OUT);
  const list = await engines(c, graph, file, ort, tf);
  const agree = await agreement(list);
  const times = await measure(list);
  const { closeWorkers } = await import('../runtime/index.js');
  await closeWorkers();
  return { what: `${c.net.label}, batch ${c.batch}`, times: Object.fromEntries(times), agree: Object.fromEntries(agree), simd, threads };
}

function table(results: readonly CaseResult[]): string {
  const lines: string[] = [];
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const r0 = results[0];
  lines.push(`Node ${process.version}, ${cpu}, ${cpus().length} cores; median ms per call over ${ROUNDS} interleaved rounds (one process per row).`);
  lines.push(`onnxruntime-node: 1 intra-op thread; tfjs-wasm: SIMD ${r0?.simd ? 'on' : 'off'}, threads ${r0?.threads ? 'on' : 'off'}. Ratios: other ÷ layergen (above 1: layergen faster).\n`);
  lines.push('| net | layergen f64 | layergen f32 | onnxruntime-node | tfjs cpu | tfjs-wasm | ORT ÷ lg f64 | ORT ÷ lg f32 | wasm ÷ lg f64 | wasm ÷ lg f32 |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const g = (k: string): number | undefined => r.times[k];
    lines.push(
      `| ${r.what} | ${fmt(g('layergen f64'))} | ${fmt(g('layergen f32'))} | ${fmt(g('onnxruntime-node'))} | ${fmt(g('tfjs cpu'))} | ${fmt(g('tfjs-wasm'))} | ` +
        `${ratio(g('onnxruntime-node'), g('layergen f64'))} | ${ratio(g('onnxruntime-node'), g('layergen f32'))} | ` +
        `${ratio(g('tfjs-wasm'), g('layergen f64'))} | ${ratio(g('tfjs-wasm'), g('layergen f32'))} |`,
    );
    const w64 = g('layergen f64 ×2 workers');
    const w32 = g('layergen f32 ×2 workers');
    if (w64 !== undefined || w32 !== undefined) {
      lines.push(
        `| ${r.what}, predictBatchParallel ×2 workers | ${fmt(w64)} | ${fmt(w32)} | | | | ${ratio(g('onnxruntime-node'), w64)} | ${ratio(g('onnxruntime-node'), w32)} | ` +
          `${ratio(g('tfjs-wasm'), w64)} | ${ratio(g('tfjs-wasm'), w32)} |`,
      );
    }
  }
  lines.push('\nLargest |difference| from layergen float64 (the float32 engines differ by float32 rounding):\n');
  lines.push('| net | engines |', '|---|---|');
  for (const r of results) {
    const others = Object.entries(r.agree).filter(([k]) => k !== 'layergen f64');
    lines.push(`| ${r.what} | ${others.map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const one = arg('--case');
  if (one !== undefined) {
    process.stdout.write(JSON.stringify(await runCase(CASES[Number(one)]!)));
    return;
  }
  const results: CaseResult[] = [];
  for (const [i, c] of CASES.entries()) {
    if (ONLY && c.net.name !== ONLY) continue;
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--case', String(i), '--rounds', String(ROUNDS)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`bench case ${c.net.label} failed:\n${r.stderr}`);
    results.push(JSON.parse(r.stdout) as CaseResult);
    process.stderr.write(`done: ${results.at(-1)!.what}\n`);
  }
  console.log(table(results));
}

await main();
