/** A worker thread of predictBatchParallel (parallel.ts): runs its module's predictBatch on shares of batches. */
import { parentPort, workerData } from 'node:worker_threads';
import { sharedView, type ParallelTask } from './parallel.js';

type Batch = (inputs: Record<string, Float64Array | Float32Array>, batch: number) => Record<string, Float64Array | Float32Array>;

const mod = (await import((workerData as { module: string }).module)) as { predictBatch: Batch };

parentPort!.on('message', (t: ParallelTask) => {
  try {
    const Arr = t.float32 ? Float32Array : Float64Array;
    const B = Arr.BYTES_PER_ELEMENT;
    const view = (sab: SharedArrayBuffer, size: number): Float64Array | Float32Array => sharedView(Arr, sab, t.start * size * B, t.count * size);
    const inputs = Object.fromEntries(Object.entries(t.inputs).map(([k, sab]) => [k, view(sab, t.inputSizes[k]!)]));
    const out = mod.predictBatch(inputs, t.count);
    for (const [k, sab] of Object.entries(t.outputs)) view(sab, t.outputSizes[k]!).set(out[k]!);
    parentPort!.postMessage({ id: t.id });
  } catch (e) {
    parentPort!.postMessage({ id: t.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
