/**
 * predictBatchParallel for numeric modules: the batch is split into row panels, one per worker;
 * each worker imports the same generated module and runs its ordinary predictBatch on its panel,
 * reading the inputs from and writing the outputs to shared memory (SharedArrayBuffer), in place.
 *
 * - Node: worker threads (node:worker_threads, reached through the host, host.ts, never imported).
 * - Browsers: module Web Workers, where the page is cross-origin isolated (`crossOriginIsolated`,
 *   which SharedArrayBuffer needs: COOP same-origin and COEP require-corp headers).
 * - Elsewhere, or for small batches, or with one worker: predictBatch in the calling thread.
 *
 * Inputs that already live in a SharedArrayBuffer are read where they are (no copy); others are
 * copied once into a shared staging buffer kept for the next call. Workers write their outputs
 * straight into shared buffers (predictBatch's `outputs` argument), which are returned as they are.
 *
 * A worker imports the module by its URL (import.meta.url), used only where the URL's file name
 * starts with the module's name (`<net>.numeric.`): the URL of a bundle is the bundle's, and
 * importing a bundle in a worker would run the application there. `options.module` names the URL
 * where the module is served on its own (resolved against the page, or the module's URL).
 * Int inputs, inputs of the other float type and inputs with an inner batch axis are converted or
 * gathered as predictBatch would; a shared input must not change until the call settles.
 * Workers are started on first use, kept for later calls (per module URL) and do not keep a Node
 * process alive when idle. The worker's code is below as text (started with `eval` in Node, from a
 * Blob URL in browsers), so the runtime has no file to locate at run time.
 */
import { nodeBuiltin } from './host.js';
import type { FloatArray, FloatArrayCtor } from './tensor.js';

export interface ParallelOptions {
  /** Workers (default: the machine's available parallelism, or navigator.hardwareConcurrency). */
  readonly workers?: number;
  /** Fewer examples than this per worker run in the calling thread instead (default 64). */
  readonly minPerWorker?: number;
  /**
   * The URL workers import the module from. Default: the module's import.meta.url where its file
   * name is the module's own (`<net>.numeric.js` or `.ts`); a bundled module runs in the calling
   * thread unless this names a copy of the module served on its own.
   */
  readonly module?: string | { readonly href: string };
}

export interface ParallelJob {
  /** URL of the generated module (its import.meta.url; empty in some bundles: then no workers). */
  readonly module: string | undefined;
  /** The module's name (`<net>.numeric`), which its file name starts with. */
  readonly name: string;
  readonly inputs: Readonly<Record<string, FloatArray>>;
  readonly inputSizes: Readonly<Record<string, number>>;
  readonly outputSizes: Readonly<Record<string, number>>;
  /**
   * Inputs and outputs whose batch axis is not the first (predictBatch takes and returns them in
   * their own layout): the elements of an example before that axis. A panel of the batch is then
   * `outer` strided blocks, copied out for the worker and back into place after.
   */
  readonly inputOuter?: Readonly<Record<string, number>>;
  readonly outputOuter?: Readonly<Record<string, number>>;
  readonly batch: number;
  readonly array: FloatArrayCtor;
  /** The whole batch in this thread (the module's predictBatch), for batches too small to share. */
  readonly run: () => object;
}

/** Part of a SharedArrayBuffer: a tensor of the whole batch. */
export interface SharedSlice {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
}

/** What a worker receives (see WORKER_TASK). */
export interface ParallelTask {
  readonly id: number;
  readonly float32: boolean;
  readonly inputs: Readonly<Record<string, SharedSlice>>;
  readonly outputs: Readonly<Record<string, SharedSlice>>;
  readonly inputSizes: Readonly<Record<string, number>>;
  readonly outputSizes: Readonly<Record<string, number>>;
  readonly inputOuter: Readonly<Record<string, number>>;
  readonly outputOuter: Readonly<Record<string, number>>;
  /** The whole batch; the panel is examples start .. start + count - 1. */
  readonly batch: number;
  readonly start: number;
  readonly count: number;
}

/** A worker as the pool uses it, over Node's worker threads or the Web Worker API. */
interface Port {
  post(task: ParallelTask): void;
  /** Node: whether an idle worker may hold the process (no-ops in browsers). */
  hold(on: boolean): void;
  terminate(): Promise<unknown> | void;
}

interface PortEvents {
  message: (m: { id: number; error?: string }) => void;
  error: (e: Error) => void;
  /** The worker is gone (the pool drops it and starts another next time). */
  gone: () => void;
}

class PoolWorker {
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  readonly port: Port;
  constructor(open: (events: PortEvents) => Port, onGone: (w: PoolWorker) => void) {
    this.port = open({
      message: (m) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (this.pending.size === 0) this.port.hold(false);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve();
      },
      error: (e) => this.failAll(e),
      gone: () => {
        onGone(this);
        this.failAll(new Error('layergen worker exited'));
      },
    });
    this.port.hold(false);
  }
  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
  /** Stops the worker; calls waiting on it are rejected (a terminated Web Worker reports nothing). */
  close(): Promise<unknown> | void {
    this.failAll(new Error('layergen worker stopped by closeWorkers()'));
    return this.port.terminate();
  }
  run(task: ParallelTask): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.set(task.id, { resolve, reject });
      this.port.hold(true);
      this.port.post(task);
    });
  }
}

/** A typed array over shared memory (the lib typings only take ArrayBuffer). */
export function sharedView(array: FloatArrayCtor, sab: SharedArrayBuffer, byteOffset = 0, length?: number): FloatArray {
  return new (array as Float64ArrayConstructor)(sab as unknown as ArrayBuffer, byteOffset, length ?? (sab.byteLength - byteOffset) / array.BYTES_PER_ELEMENT);
}

interface Pool {
  readonly workers: PoolWorker[];
  /** Where inputs not already in shared memory are copied, kept between calls; null while a call uses it. */
  staging: SharedArrayBuffer | null;
  /** Starts a worker (browsers: from the pool's one Blob URL of the worker code). */
  readonly open: (ev: PortEvents) => Port;
}

const pools = new Map<string, Pool>();
let nextTask = 0;

/**
 * The body of a worker's task handler (`mod` the imported module, `t` a ParallelTask): the panel's
 * inputs as views of shared memory, its outputs written in place by predictBatch.
 */
const WORKER_TASK = `
const Arr = t.float32 ? Float32Array : Float64Array;
const B = Arr.BYTES_PER_ELEMENT;
const panel = (s, size) => new Arr(s.buffer, s.byteOffset + t.start * size * B, t.count * size);
// a panel of a tensor whose batch axis has \`outer\` elements before it: \`outer\` strided blocks
const block = (s, size, outer, o) => {
  const inner = size / outer;
  return new Arr(s.buffer, s.byteOffset + (o * t.batch + t.start) * inner * B, t.count * inner);
};
const inputs = {};
for (const [k, s] of Object.entries(t.inputs)) {
  const outer = t.inputOuter[k];
  if (!outer) { inputs[k] = panel(s, t.inputSizes[k]); continue; }
  const share = new Arr(t.count * t.inputSizes[k]);
  for (let o = 0; o < outer; o++) share.set(block(s, t.inputSizes[k], outer, o), o * share.length / outer);
  inputs[k] = share;
}
const outputs = {};
for (const [k, s] of Object.entries(t.outputs)) if (!t.outputOuter[k]) outputs[k] = panel(s, t.outputSizes[k]);
const out = mod.predictBatch(inputs, t.count, outputs);
for (const [k, s] of Object.entries(t.outputs)) {
  const outer = t.outputOuter[k];
  if (!outer) continue;
  const n = out[k].length / outer;
  for (let o = 0; o < outer; o++) block(s, t.outputSizes[k], outer, o).set(out[k].subarray(o * n, (o + 1) * n));
}
`;

/** A worker's code around WORKER_TASK: `head` defines `url` (the module), `onTask(f)` and `post(reply)`. */
const workerSource = (head: string): string => `${head}
let failedLoad = false;
const loaded = import(url);
// registered first, so it runs before a task's own await sees the rejection; reported to each task,
// not as an unhandled rejection
loaded.catch(() => (failedLoad = true));
onTask(async (t) => {
  try {
    const mod = await loaded;
    await mod.ready; // weights in a sidecar file: fetched (browsers) before the module can run
    ${WORKER_TASK}
    post({ id: t.id });
  } catch (e) {
    const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
    post({ id: t.id, error: (failedLoad ? 'layergen worker could not import ' + url + ': ' : '') + text });
  }
});
`;

/** Node: CommonJS run with `eval`; the module URL comes as workerData. */
const NODE_WORKER = workerSource(
  "const { parentPort, workerData } = require('node:worker_threads');\n" +
    'const url = workerData.module;\n' +
    "const onTask = (f) => parentPort.on('message', f);\n" +
    'const post = (m) => parentPort.postMessage(m);',
);

/** Browsers: a module worker; the module URL is spliced in as a JSON string. */
const webWorker = (url: string): string =>
  workerSource(
    `const url = ${JSON.stringify(url)};\n` +
      "const onTask = (f) => self.addEventListener('message', (e) => f(e.data));\n" +
      'const post = (m) => self.postMessage(m);',
  );

type NodeThreads = typeof import('node:worker_threads');

/** The Web Worker API, where the page may share memory with its workers. */
interface WebHost {
  readonly Worker: new (url: string, o: { type: 'module' }) => {
    postMessage(m: unknown): void;
    addEventListener(type: string, f: (e: { data?: unknown; message?: string }) => void): void;
    terminate(): void;
  };
  readonly URL: { createObjectURL(b: unknown): string };
  readonly Blob: new (parts: string[], o: { type: string }) => unknown;
  readonly navigator?: { readonly hardwareConcurrency?: number };
}

function webHost(): WebHost | undefined {
  const g = globalThis as unknown as Partial<WebHost> & { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown };
  return g.crossOriginIsolated === true && typeof g.Worker === 'function' && typeof g.SharedArrayBuffer === 'function' && typeof g.Blob === 'function' && typeof g.URL?.createObjectURL === 'function'
    ? (g as WebHost)
    : undefined;
}

function nodePort(threads: NodeThreads, url: string): (ev: PortEvents) => Port {
  return (ev) => {
    const w = new threads.Worker(NODE_WORKER, { eval: true, workerData: { module: url } });
    w.on('message', ev.message);
    w.on('error', ev.error);
    w.on('exit', ev.gone);
    return { post: (t) => w.postMessage(t), hold: (on) => (on ? w.ref() : w.unref()), terminate: () => w.terminate() };
  };
}

function webPort(web: WebHost, url: string): (ev: PortEvents) => Port {
  const src = web.URL.createObjectURL(new web.Blob([webWorker(url)], { type: 'text/javascript' }));
  return (ev) => {
    const w = new web.Worker(src, { type: 'module' });
    w.addEventListener('message', (e) => ev.message(e.data as { id: number; error?: string }));
    // a worker whose script fails, or a message that cannot be read: the worker is of no further use
    const fail = (what: string) => (e: { message?: string }) => {
      ev.error(new Error(`layergen worker: ${what}${e.message ? `: ${e.message}` : ''}`));
      ev.gone();
      w.terminate();
    };
    w.addEventListener('error', fail('error'));
    w.addEventListener('messageerror', fail('message could not be read'));
    return { post: (t) => w.postMessage(t), hold: () => undefined, terminate: () => w.terminate() };
  };
}

function poolFor(url: string, count: number, opener: () => (ev: PortEvents) => Port): Pool {
  let pool = pools.get(url);
  if (!pool) {
    pool = { workers: [], staging: new SharedArrayBuffer(0), open: opener() };
    pools.set(url, pool);
  }
  const { open, workers } = pool;
  const drop = (w: PoolWorker): void => {
    const i = workers.indexOf(w);
    if (i >= 0) workers.splice(i, 1);
  };
  while (workers.length < count) workers.push(new PoolWorker(open, drop));
  return pool;
}

/** The URL workers import (see the file comment), or undefined: run in the calling thread. */
function workerUrl(job: ParallelJob, options: ParallelOptions): string | undefined {
  if (options.module !== undefined) {
    // absolute: a worker started from a Blob URL cannot resolve a path against its own URL
    const given = typeof options.module === 'string' ? options.module : options.module.href;
    const base = (globalThis as { location?: { href?: string } }).location?.href ?? (job.module || undefined);
    try {
      return new URL(given, base).href;
    } catch {
      throw new TypeError(`${job.name}: options.module must be a URL${base ? '' : ' (absolute here)'}, got ${JSON.stringify(given)}`);
    }
  }
  if (!job.module) return undefined;
  let file: string;
  try {
    file = decodeURIComponent(new URL(job.module).pathname.split('/').pop() ?? '');
  } catch {
    return undefined;
  }
  return file.startsWith(`${job.name}.`) ? job.module : undefined;
}

const isShared = (v: FloatArray): boolean => typeof SharedArrayBuffer === 'function' && v.buffer instanceof SharedArrayBuffer;

/** Runs a numeric module's predictBatch over workers (see the file comment). */
export async function predictParallel(job: ParallelJob, options: ParallelOptions = {}): Promise<Record<string, FloatArray>> {
  const threads = nodeBuiltin('node:worker_threads');
  const web = threads ? undefined : webHost();
  const wanted = options.workers ?? (threads ? nodeBuiltin('node:os')?.availableParallelism() : web?.navigator?.hardwareConcurrency) ?? 1;
  if (!Number.isInteger(wanted) || wanted < 0) throw new RangeError(`workers must be a non-negative integer, got ${String(wanted)}`);
  const count = Math.min(wanted, Math.floor(job.batch / (options.minPerWorker ?? 64)));
  const url = workerUrl(job, options);
  if (count <= 1 || url === undefined || (!threads && !web)) return job.run() as Record<string, FloatArray>;
  const pool = poolFor(url, count, () => (threads ? nodePort(threads, url) : webPort(web!, url)));
  const bytes = job.array.BYTES_PER_ELEMENT;
  // inputs not in shared memory go to the staging buffer (this call's own if another call holds it)
  const copied = Object.entries(job.inputs).filter(([, v]) => !isShared(v));
  const need = copied.reduce((n, [, v]) => n + v.length * bytes, 0);
  const held = pool.staging;
  pool.staging = null;
  const staging = held !== null && held.byteLength >= need ? held : new SharedArrayBuffer(need);
  const inputs: Record<string, SharedSlice> = {};
  let at = 0;
  for (const [k, v] of Object.entries(job.inputs)) {
    if (isShared(v)) {
      inputs[k] = { buffer: v.buffer as unknown as SharedArrayBuffer, byteOffset: v.byteOffset };
      continue;
    }
    sharedView(job.array, staging, at, v.length).set(v);
    inputs[k] = { buffer: staging, byteOffset: at };
    at += v.length * bytes;
  }
  const outputs = Object.fromEntries(Object.entries(job.outputSizes).map(([k, n]) => [k, new SharedArrayBuffer(n * job.batch * bytes)]));
  const outputSlices = Object.fromEntries(Object.entries(outputs).map(([k, buffer]) => [k, { buffer, byteOffset: 0 }]));
  const per = Math.ceil(job.batch / count);
  const float32 = job.array === Float32Array;
  try {
    await Promise.all(
      pool.workers.slice(0, count).map((w, i) => {
        const start = i * per;
        const task: ParallelTask = {
          id: nextTask++,
          float32,
          inputs,
          outputs: outputSlices,
          inputSizes: job.inputSizes,
          outputSizes: job.outputSizes,
          inputOuter: job.inputOuter ?? {},
          outputOuter: job.outputOuter ?? {},
          batch: job.batch,
          start,
          count: Math.min(per, job.batch - start),
        };
        return task.count > 0 ? w.run(task) : undefined;
      }),
    );
  } finally {
    pool.staging = staging;
  }
  return Object.fromEntries(Object.entries(outputs).map(([k, sab]) => [k, sharedView(job.array, sab)]));
}

/** Workers started by predictBatchParallel and not stopped (per module; closeWorkers stops them). */
export function activeWorkers(): number {
  return [...pools.values()].reduce((n, p) => n + p.workers.length, 0);
}

/** Stops every worker started by predictBatchParallel (they are restarted on the next call). */
export async function closeWorkers(): Promise<void> {
  const all = [...pools.values()].flatMap((p) => p.workers);
  pools.clear();
  // an unreferenced worker does not hold the event loop (nor, in Node 20, does a referenced one
  // being terminated), so the process could end while the caller awaits termination and code
  // after `await closeWorkers()` would never run: a timer holds the loop until every worker is gone
  const hold = setInterval(() => undefined, 1 << 30);
  try {
    await Promise.all(all.map((w) => w.close()));
  } finally {
    clearInterval(hold);
  }
}
