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
 *
 * Before the rows it measures the wasm SIMD roofline (roofline.ts) and reports the large-batch
 * rows as a fraction of it.
 */
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Graph } from '../compiler/ir/graph.js';
import {
  arg,
  first,
  fmt,
  inputs,
  layergenModule,
  maxDiff,
  measure,
  ortEngine,
  outputs,
  ratio,
  type Engine,
  type NumericModule,
} from './harness.js';
import { NETS, writeNet, type BenchNet } from './models.js';
import { measureRoofline, rooflineTable, type Roofline } from './roofline.js';

const ROUNDS = Number(arg('--rounds') ?? 15);
const ONLY = arg('--only');
const OUT = join(process.cwd(), '.tmp-bench-out');

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

type Ort = typeof import('onnxruntime-node');
type Tf = typeof import('@tensorflow/tfjs');

async function engines(c: Case, graph: Graph, file: string, ort: Ort, tf: Tf): Promise<Engine[]> {
  const { net, batch } = c;
  const x32 = inputs(batch * net.input.reduce((a, b) => a * b, 1), 12345);
  const x64 = Float64Array.from(x32);
  const m64 = await layergenModule<NumericModule>(net, file, OUT, 'numeric', 'float64');
  const m32 = await layergenModule<NumericModule>(net, file, OUT, 'numeric', 'float32');
  const list: Engine[] = [
    { name: 'layergen f64', call: () => first(m64.predictBatch({ x: x64 }, batch)) },
    { name: 'layergen f32', call: () => first(m32.predictBatch({ x: x32 }, batch)) },
  ];
  if (batch >= 256) {
    list.push({ name: 'layergen f64 ×2 workers', call: async () => first(await m64.predictBatchParallel({ x: x64 }, batch, { workers: 2 })) });
    list.push({ name: 'layergen f32 ×2 workers', call: async () => first(await m32.predictBatchParallel({ x: x32 }, batch, { workers: 2 })) });
  }
  list.push(await ortEngine(ort, net, graph, batch, x32));
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

async function agreement(list: readonly Engine[]): Promise<Map<string, number>> {
  const outs = await outputs(list);
  const ref = outs.get('layergen f64')!;
  return new Map([...outs].map(([k, v]) => [k, maxDiff(v, ref)]));
}

interface CaseResult {
  readonly what: string;
  readonly batch: number;
  readonly times: Record<string, number>;
  readonly agree: Record<string, number>;
  readonly simd: boolean;
  readonly threads: boolean;
  /** Multiply-adds per call, where the net is linear layers only (the roofline fraction's numerator). */
  readonly macs?: number;
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
  const times = await measure(list, { rounds: ROUNDS });
  const { closeWorkers } = await import('@layergen/runtime');
  await closeWorkers();
  const weighted = graph.nodes.filter((n) => Object.keys(n.params).length > 0);
  const macs = weighted.every((n) => n.op === 'linear') ? c.batch * weighted.reduce((a, n) => a + n.params.weight!.data.length, 0) : undefined;
  return { what: `${c.net.label}, batch ${c.batch}`, batch: c.batch, times: Object.fromEntries(times), agree: Object.fromEntries(agree), simd, threads, ...(macs ? { macs } : {}) };
}

/** Achieved G multiply-adds/s and the fraction of the roofline, for rows of large batches. */
function ofRoofline(r: CaseResult, roof: Roofline): string[] {
  if (!r.macs || r.batch < 256) return [];
  const rows: [string, number | undefined, number][] = [
    ['layergen f64, 1 thread', r.times['layergen f64'], roof.f64[0]],
    ['layergen f32, 1 thread', r.times['layergen f32'], roof.f32[0]],
    ['layergen f64 ×2 workers', r.times['layergen f64 ×2 workers'], roof.f64[1]],
    ['layergen f32 ×2 workers', r.times['layergen f32 ×2 workers'], roof.f32[1]],
    ['tfjs-wasm (float32), 1 thread', r.times['tfjs-wasm'], roof.f32[0]],
  ];
  return rows
    .filter(([, ms]) => ms !== undefined)
    .map(([name, ms, peak]) => {
      const g = r.macs! / (ms! * 1e6);
      return `| ${r.what} | ${name} | ${g.toFixed(1)} | ${peak.toFixed(1)} | ${Math.round((100 * g) / peak)} % |`;
    });
}

function table(results: readonly CaseResult[], roof: Roofline): string {
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
  const roofRows = results.flatMap((r) => ofRoofline(r, roof));
  lines.push(`\nThe wasm SIMD roofline (\`bench/roofline.ts\`, measured before the rows), and the large-batch rows against it:\n`);
  lines.push(rooflineTable(roof));
  if (roofRows.length > 0) {
    lines.push('', '| net | engine | G multiply-adds/s | roofline | of roofline |', '|---|---|---:|---:|---:|', ...roofRows);
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
  const roof = await measureRoofline();
  const results: CaseResult[] = [];
  for (const [i, c] of CASES.entries()) {
    if (ONLY && c.net.name !== ONLY) continue;
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--case', String(i), '--rounds', String(ROUNDS)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`bench case ${c.net.label} failed:\n${r.stderr}`);
    results.push(JSON.parse(r.stdout) as CaseResult);
    process.stderr.write(`done: ${results.at(-1)!.what}\n`);
  }
  console.log(table(results, roof));
}

await main();
