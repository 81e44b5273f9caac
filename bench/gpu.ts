/**
 * `npm run bench:gpu` (run it under `xvfb-run -a` on a machine without a display): layergen's
 * gpu module against its numeric module (float32, float64) and onnxruntime-node, on the MLP
 * 784-256-256-10 and LSTM(4→128)×50 of models.ts at the batch sizes of issue 5. Each row runs in
 * its own process with its engines interleaved (harness.ts); the table gives the median time per
 * call (one batch) and ratios (other engine's time / the gpu module's: above 1, the gpu module is
 * faster). Before anything is timed, every engine's outputs are compared with the float64
 * numeric module, and a gpu module off by more than 1e-4 (relative above 1, absolute below)
 * stops the run, so a wrong kernel cannot report a fast time. Where the gpu module ran its first
 * layers as a shader chain (runtime/gpuShaders.ts), a second instance of it configured with
 * `shaderChain: false` is timed beside it: the `gpu.js kernels` column.
 *
 * The kernel kind and the GL renderer are what backendInfo() says (headless-gl's renderer string is
 * "ANGLE"; the runtime adds the GL driver the process loaded: Mesa's swrast is llvmpipe, software
 * rendering on the CPU).
 *
 *   node dist/bench/gpu.js [--quick] [--rounds N] [--only mlp784|lstm128] [--mode headlessgl|...]
 *
 * `--quick` (`npm run bench:gpu -- --quick`) runs the rows a GPU machine is checked with: MLP at
 * batch 1, 1024 and 16384, LSTM at 256, 5 rounds each; it installs nothing and needs no network.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Graph } from '../compiler/ir/graph.js';
import type { GpuBackendInfo, GpuOptions } from '@layergen/runtime/gpu';
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
  type Out,
} from './harness.js';
import { NETS, writeNet, type BenchNet } from './models.js';

/** `--quick`: the four rows of the device check (MLP at batch 1, 1024, 16384; LSTM at 256), 5 rounds. */
const QUICK = process.argv.includes('--quick');
const ROUNDS = Number(arg('--rounds') ?? (QUICK ? 5 : 15));
const ONLY = arg('--only');
const MODE = arg('--mode');
/** Largest relative difference (above 1; absolute below) the gpu module may have from float64. */
const TOLERANCE = 1e-4;
const OUT = join(process.cwd(), '.tmp-bench-out');

interface GpuModule {
  predictBatch(inputs: Record<string, Out>, batch: number): Promise<Record<string, Float32Array>>;
  configure(options?: GpuOptions): void;
  backendInfo(): GpuBackendInfo;
  dispose(): Promise<void>;
}

interface Case {
  readonly net: BenchNet;
  readonly batch: number;
}

const net = (name: string): BenchNet => NETS.find((n) => n.name === name)!;
const CASES: readonly Case[] = [
  { net: net('mlp784'), batch: 1 },
  { net: net('mlp784'), batch: 64 },
  { net: net('mlp784'), batch: 1024 },
  { net: net('mlp784'), batch: 16384 },
  { net: net('lstm128'), batch: 1 },
  { net: net('lstm128'), batch: 256 },
];
const QUICK_CASES = new Set(['mlp784/1', 'mlp784/1024', 'mlp784/16384', 'lstm128/256']);
/**
 * Where one call of every engine takes longer than SLOW_MS (a batch through llvmpipe takes
 * seconds), SLOW_ROUNDS rounds of one call each, with no warm-up beyond the checking calls.
 */
const SLOW_MS = 1000;
const SLOW_ROUNDS = 3;

const GPU = 'layergen gpu';
/** The same gpu module, a second instance configured to run gpu.js kernels where the first runs its shader chain. */
const KERNELS = 'layergen gpu.js kernels';
const ORT2 = 'onnxruntime-node ×2 threads';

interface CaseResult {
  readonly what: string;
  readonly rounds: number;
  readonly times: Record<string, number>;
  /** Largest difference from layergen float64, relative above 1. */
  readonly agree: Record<string, number>;
  readonly kernel: string;
  /** Render targets of the shader chain, or null where gpu.js kernels ran. */
  readonly shaderChain: number | null;
  readonly driver: string;
  /** The gpu module's first call (gpu.js builds and compiles its kernels). */
  readonly firstCallMs: number;
}

type Ort = typeof import('onnxruntime-node');

async function engines(c: Case, file: string, graph: Graph, ort: Ort): Promise<{ list: Engine[]; gpu: GpuModule; kernels: Engine }> {
  const { net, batch } = c;
  const x32 = inputs(batch * net.input.reduce((a, b) => a * b, 1), 12345);
  const x64 = Float64Array.from(x32);
  const gpu = await layergenModule<GpuModule>(net, file, OUT, 'gpu');
  // a module instance of its own (the query makes it one): its runner, configured apart
  const viaKernels = (await import(`${pathToFileURL(join(OUT, 'gpu', `${net.name}.gpu.js`)).href}?kernels`)) as GpuModule;
  const mode = MODE === undefined ? {} : { mode: MODE as NonNullable<GpuOptions['mode']> };
  gpu.configure(mode);
  viaKernels.configure({ ...mode, shaderChain: false });
  const m32 = await layergenModule<NumericModule>(net, file, OUT, 'numeric', 'float32');
  const m64 = await layergenModule<NumericModule>(net, file, OUT, 'numeric', 'float64');
  const list: Engine[] = [
    { name: GPU, call: async () => first(await gpu.predictBatch({ x: x32 }, batch)) },
    { name: 'layergen f32', call: () => first(m32.predictBatch({ x: x32 }, batch)) },
    { name: 'layergen f64', call: () => first(m64.predictBatch({ x: x64 }, batch)) },
    await ortEngine(ort, net, graph, batch, x32),
    await ortEngine(ort, net, graph, batch, x32, 2, ORT2),
  ];
  return { list, gpu, kernels: { name: KERNELS, call: async () => first(await viaKernels.predictBatch({ x: x32 }, batch)) } };
}

/** One case, in this process: every engine interleaved. */
async function runCase(c: Case): Promise<CaseResult> {
  mkdirSync(OUT, { recursive: true });
  const ort = await import('onnxruntime-node');
  const { file, graph } = writeNet(c.net, OUT);
  const { list, gpu, kernels } = await engines(c, file, graph, ort);
  const what = `${c.net.label}, batch ${c.batch}`;
  const t0 = process.hrtime.bigint();
  await list[0]!.call();
  const firstCallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  // where the gpu module ran its shader chain, its gpu.js kernels are a row of their own
  if (gpu.backendInfo().shaderChain !== null) list.splice(1, 0, kernels);
  const t1 = Date.now();
  const outs = await outputs(list);
  const slow = Date.now() - t1 > SLOW_MS;
  const ref = outs.get('layergen f64')!;
  const agree = Object.fromEntries([...outs].map(([k, v]) => [k, maxDiff(v, ref, true)]));
  const kernel = gpu.backendInfo().kernel ?? 'none';
  for (const k of [GPU, KERNELS]) {
    if (k in agree && !(agree[k]! <= TOLERANCE)) {
      throw new Error(`${what}: ${k} (${kernel}) is ${agree[k]} from layergen float64, beyond ${TOLERANCE}: not timing it`);
    }
  }
  const rounds = slow ? Math.min(ROUNDS, SLOW_ROUNDS) : ROUNDS;
  const times = await measure(list, slow ? { rounds, warmup: false } : { rounds });
  const info = gpu.backendInfo();
  await gpu.dispose();
  return {
    what,
    rounds,
    times: Object.fromEntries(times),
    agree,
    kernel: info.kernel ?? 'none',
    shaderChain: info.shaderChain,
    driver: info.renderer ?? `no GL (${info.kernel})`,
    firstCallMs,
  };
}

/** other ÷ gpu, with two significant digits below 1 (the gpu module is often far slower on llvmpipe). */
const vs = (other: number | undefined, gpu: number | undefined): string =>
  other === undefined || gpu === undefined ? '—' : other >= gpu ? ratio(other, gpu) : `${(other / gpu).toPrecision(2)}×`;

function table(results: readonly CaseResult[]): string {
  const lines: string[] = [];
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const require = createRequire(import.meta.url);
  const version = (p: string): string => (require(`${p}/package.json`) as { version: string }).version;
  const drivers = [...new Set(results.map((r) => r.driver))].join('; ');
  const slow = results.filter((r) => r.rounds < ROUNDS).map((r) => r.what);
  lines.push(
    `Node ${process.version}, ${cpu}, ${cpus().length} cores; gpu.js ${version('gpu.js')}, gl ${version('gl')}, onnxruntime-node ${version('onnxruntime-node')}.`,
  );
  const lp = process.env['LP_NUM_THREADS'];
  lines.push(`GL: ${drivers}; llvmpipe threads: ${lp ?? 'LP_NUM_THREADS unset, one per core'}.`);
  lines.push(
    `Median ms per call (one batch) over ${ROUNDS} interleaved rounds, one process per row` +
      (slow.length ? `; ${SLOW_ROUNDS} rounds of one call, after the checking calls and no other warm-up, for ${slow.join(' and ')}` : '') +
      '. Ratios: other ÷ layergen gpu (above 1: the gpu module is faster).\n',
  );
  lines.push(
    '| net | gpu kernel (backendInfo) | layergen gpu | gpu.js kernels | layergen f32 | layergen f64 | ORT 1 thread | ORT 2 threads | ORT ÷ gpu | ORT ×2 ÷ gpu | gpu.js kernels ÷ gpu | lg f32 ÷ gpu | lg f64 ÷ gpu |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const g = (k: string): number | undefined => r.times[k];
    const gpu = g(GPU);
    lines.push(
      `| ${r.what} | ${r.kernel}${r.shaderChain === null ? '' : `, shader chain (${r.shaderChain} render targets)`} | ${fmt(gpu)} | ${r.shaderChain === null ? 'same' : fmt(g(KERNELS))} | ${fmt(g('layergen f32'))} | ${fmt(g('layergen f64'))} | ${fmt(g('onnxruntime-node'))} | ${fmt(g(ORT2))} | ` +
        `${vs(g('onnxruntime-node'), gpu)} | ${vs(g(ORT2), gpu)} | ${r.shaderChain === null ? '' : vs(g(KERNELS), gpu)} | ${vs(g('layergen f32'), gpu)} | ${vs(g('layergen f64'), gpu)} |`,
    );
  }
  lines.push(
    `\ngpu first call (gpu.js builds its kernels, then runs the batch) and largest difference from layergen float64 ` +
      `(relative above 1, absolute below; the gpu module must be within ${TOLERANCE} to be timed):\n`,
  );
  lines.push('| net | gpu first call, ms | layergen gpu | layergen f32 | onnxruntime-node |', '|---|---:|---:|---:|---:|');
  for (const r of results) {
    const d = (k: string): string => r.agree[k]?.toExponential(1) ?? '—';
    lines.push(`| ${r.what} | ${fmt(r.firstCallMs)} | ${d(GPU)} | ${d('layergen f32')} | ${d('onnxruntime-node')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const one = arg('--case');
  if (one !== undefined) {
    process.stdout.write(JSON.stringify(await runCase(CASES[Number(one)]!)));
    process.exit(0); // gpu.js / headless-gl can keep the event loop alive
  }
  const results: CaseResult[] = [];
  for (const [i, c] of CASES.entries()) {
    if (ONLY && c.net.name !== ONLY) continue;
    if (QUICK && !QUICK_CASES.has(`${c.net.name}/${c.batch}`)) continue;
    const args = ['--case', String(i), '--rounds', String(ROUNDS), ...(MODE ? ['--mode', MODE] : [])];
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`gpu bench case ${c.net.label}, batch ${c.batch} failed:\n${r.stderr}`);
    const res = JSON.parse(r.stdout) as CaseResult;
    results.push(res);
    process.stderr.write(`done: ${res.what} on ${res.kernel} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    if (!/HeadlessGL|WebGL|WebGPU/.test(res.kernel)) {
      process.stderr.write(`  note: no GPU kernel ran (${res.kernel}); under Linux without a display run \`xvfb-run -a npm run bench:gpu\`\n`);
    }
  }
  console.log(table(results));
}

await main();
