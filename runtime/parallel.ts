/**
 * predictBatchParallel for numeric modules (Node): the batch is split into one share per worker
 * thread; each worker imports the same generated module and runs its ordinary predictBatch on its
 * share, reading the inputs from and writing the outputs to shared memory. Workers are started on
 * first use, kept for later calls (per module) and do not keep the process alive when idle.
 * node:worker_threads is reached through the host (host.ts), never imported: where it does not
 * exist (browsers) predictBatchParallel runs the batch in the calling thread. The worker's code is
 * WORKER_SOURCE below, started with `eval`, so the runtime has no file to locate at run time.
 */
import { nodeBuiltin } from './host.js';
import type { FloatArray, FloatArrayCtor } from './tensor.js';

export interface ParallelOptions {
  /** Worker threads (default: the machine's available parallelism). */
  readonly workers?: number;
  /** Fewer examples than this per worker run in the calling thread instead (default 64). */
  readonly minPerWorker?: number;
}

export interface ParallelJob {
  /** URL of the generated module (its import.meta.url; empty in some bundles: then no workers). */
  readonly module: string | undefined;
  readonly inputs: Readonly<Record<string, FloatArray>>;
  readonly inputSizes: Readonly<Record<string, number>>;
  readonly outputSizes: Readonly<Record<string, number>>;
  /**
   * Inputs and outputs whose batch axis is not the first (predictBatch takes and returns them in
   * their own layout): the elements of an example before that axis. A share of the batch is then
   * `outer` strided blocks, copied out for the worker and back into place after.
   */
  readonly inputOuter?: Readonly<Record<string, number>>;
  readonly outputOuter?: Readonly<Record<string, number>>;
  readonly batch: number;
  readonly array: FloatArrayCtor;
  /** The whole batch in this thread (the module's predictBatch), for batches too small to share. */
  readonly run: () => object;
}

/** What a worker receives (see WORKER_SOURCE). */
export interface ParallelTask {
  readonly id: number;
  readonly float32: boolean;
  readonly inputs: Readonly<Record<string, SharedArrayBuffer>>;
  readonly outputs: Readonly<Record<string, SharedArrayBuffer>>;
  readonly inputSizes: Readonly<Record<string, number>>;
  readonly outputSizes: Readonly<Record<string, number>>;
  readonly inputOuter: Readonly<Record<string, number>>;
  readonly outputOuter: Readonly<Record<string, number>>;
  /** The whole batch; the share is examples start .. start + count - 1. */
  readonly batch: number;
  readonly start: number;
  readonly count: number;
}

type WorkerT = import('node:worker_threads').Worker;

class PoolWorker {
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  /** `onExit` runs when the thread ends (so a pool drops a dead worker and starts a new one next time). */
  constructor(readonly worker: WorkerT, onExit: (w: PoolWorker) => void = () => undefined) {
    worker.unref();
    worker.on('exit', () => onExit(this));
    worker.on('message', (m: { id: number; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve();
    });
    worker.on('error', (e) => this.failAll(e));
    worker.on('exit', (code) => this.failAll(new Error(`layergen worker exited with code ${code}`)));
  }
  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
  run(task: ParallelTask): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.set(task.id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(task);
    });
  }
}

/** A typed array over shared memory (the lib typings only take ArrayBuffer). */
export function sharedView(array: FloatArrayCtor, sab: SharedArrayBuffer, byteOffset = 0, length?: number): FloatArray {
  return new (array as Float64ArrayConstructor)(sab as unknown as ArrayBuffer, byteOffset, length ?? (sab.byteLength - byteOffset) / array.BYTES_PER_ELEMENT);
}

const pools = new Map<string, PoolWorker[]>();
let nextTask = 0;

/**
 * A worker thread (CommonJS, run with `eval`): imports its module and runs its predictBatch on
 * shares of batches, reading inputs from and writing outputs to shared memory.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const loaded = import(workerData.module);
loaded.catch(() => {}); // a module that fails to load is reported to each task, not as an unhandled rejection
parentPort.on('message', async (t) => {
  try {
    const mod = await loaded;
    const Arr = t.float32 ? Float32Array : Float64Array;
    const B = Arr.BYTES_PER_ELEMENT;
    const view = (sab, size) => new Arr(sab, t.start * size * B, t.count * size);
    // A share of a tensor whose batch axis has \`outer\` elements before it: \`outer\` strided blocks.
    const block = (sab, size, outer, o) => {
      const inner = size / outer;
      return new Arr(sab, (o * t.batch + t.start) * inner * B, t.count * inner);
    };
    const inputs = {};
    for (const [k, sab] of Object.entries(t.inputs)) {
      const outer = t.inputOuter[k];
      if (!outer) { inputs[k] = view(sab, t.inputSizes[k]); continue; }
      const share = new Arr(t.count * t.inputSizes[k]);
      for (let o = 0; o < outer; o++) share.set(block(sab, t.inputSizes[k], outer, o), o * share.length / outer);
      inputs[k] = share;
    }
    const out = mod.predictBatch(inputs, t.count);
    for (const [k, sab] of Object.entries(t.outputs)) {
      const outer = t.outputOuter[k];
      if (!outer) { view(sab, t.outputSizes[k]).set(out[k]); continue; }
      const n = out[k].length / outer;
      for (let o = 0; o < outer; o++) block(sab, t.outputSizes[k], outer, o).set(out[k].subarray(o * n, (o + 1) * n));
    }
    parentPort.postMessage({ id: t.id });
  } catch (e) {
    parentPort.postMessage({ id: t.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
`;

function workersFor(Worker: typeof import('node:worker_threads').Worker, module: string, count: number): PoolWorker[] {
  const pool = pools.get(module) ?? [];
  pools.set(module, pool);
  const drop = (w: PoolWorker): void => {
    const i = pool.indexOf(w);
    if (i >= 0) pool.splice(i, 1);
  };
  while (pool.length < count) pool.push(new PoolWorker(new Worker(WORKER_SOURCE, { eval: true, workerData: { module } }), drop));
  return pool.slice(0, count);
}

/** Runs a numeric module's predictBatch over worker threads (see the file comment). */
export async function predictParallel(job: ParallelJob, options: ParallelOptions = {}): Promise<Record<string, FloatArray>> {
  const threads = nodeBuiltin('node:worker_threads');
  const wanted = options.workers ?? nodeBuiltin('node:os')?.availableParallelism() ?? 1;
  if (!Number.isInteger(wanted) || wanted < 0) throw new RangeError(`workers must be a non-negative integer, got ${String(wanted)}`);
  const count = Math.min(wanted, Math.floor(job.batch / (options.minPerWorker ?? 64)));
  if (count <= 1 || !threads || !job.module) return job.run() as Record<string, FloatArray>;
  const pool = workersFor(threads.Worker, job.module, count);
  const bytes = job.array.BYTES_PER_ELEMENT;
  const inputs = Object.fromEntries(
    Object.entries(job.inputs).map(([k, v]) => {
      const sab = new SharedArrayBuffer(v.length * bytes);
      sharedView(job.array, sab).set(v);
      return [k, sab];
    }),
  );
  const outputs = Object.fromEntries(Object.entries(job.outputSizes).map(([k, n]) => [k, new SharedArrayBuffer(n * job.batch * bytes)]));
  const per = Math.ceil(job.batch / count);
  const float32 = job.array === Float32Array;
  await Promise.all(
    pool.map((w, i) => {
      const start = i * per;
      const task: ParallelTask = {
        id: nextTask++,
        float32,
        inputs,
        outputs,
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
  return Object.fromEntries(Object.entries(outputs).map(([k, sab]) => [k, sharedView(job.array, sab).slice()]));
}

/** Stops every worker started by predictBatchParallel (they are restarted on the next call). */
export async function closeWorkers(): Promise<void> {
  const all = [...pools.values()].flat();
  pools.clear();
  // an unreferenced worker does not hold the event loop (nor, in Node 20, does a referenced one
  // being terminated), so the process could end while the caller awaits termination and code
  // after `await closeWorkers()` would never run: a timer holds the loop until every worker is gone
  const hold = setInterval(() => undefined, 1 << 30);
  try {
    await Promise.all(all.map((w) => w.worker.terminate()));
  } finally {
    clearInterval(hold);
  }
}
