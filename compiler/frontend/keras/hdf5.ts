/**
 * HDF5 reading through h5wasm (the HDF5 C library compiled to WebAssembly): the file's bytes go
 * into h5wasm's in-memory file system, are read while open, and are removed again. HDF5's own
 * errors are turned into exceptions (not printed) and then into a LayergenError naming the file
 * with HDF5's reason (`truncated file: eof = 1000, ...`). h5wasm is loaded on first use only, so
 * nothing else in layergen pays for its WebAssembly start-up.
 */
import { LayergenError } from '../../errors.js';

type H5 = typeof import('h5wasm');
type H5Group = InstanceType<H5['Group']>;
type H5Dataset = InstanceType<H5['Dataset']>;

let loading: Promise<H5> | undefined;

async function h5wasm(): Promise<H5> {
  loading ??= (async () => {
    const mod = await import('h5wasm');
    const M = await mod.ready;
    M.activate_throwing_error_handler();
    return mod;
  })();
  return loading;
}

/** The HDF5 signature; it sits at offset 0, or 512, 1024, ... after a user block. */
const SIGNATURE = Buffer.from('\x89HDF\r\n\x1a\n', 'latin1');

export function isHdf5(bytes: Uint8Array): boolean {
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (Buffer.from(bytes.buffer, bytes.byteOffset + at, 8).equals(SIGNATURE)) return true;
  }
  return false;
}

/** HDF5's reason for a failure: the innermost message of its error stack. */
export function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = [...text.matchAll(/#\d+: .* in [A-Za-z0-9_]+\(\): (.*)$/gm)].map((m) => m[1]!.trim());
  return lines.length ? lines[lines.length - 1]! : text.split('\n')[0]!.trim();
}

/** A float tensor read from a dataset, row-major. */
export interface H5Tensor {
  readonly path: string;
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** A read-only view of an open HDF5 file; every failure is a LayergenError naming `file`. */
export class Hdf5File {
  constructor(
    private readonly f: InstanceType<H5['File']>,
    private readonly h5: H5,
    readonly file: string,
  ) {}

  fail(detail: string): LayergenError {
    return new LayergenError(detail, { file: this.file });
  }

  private guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof LayergenError) throw e;
      throw this.fail(`corrupt HDF5 file: cannot read ${what}: ${hdf5Reason(e)}`);
    }
  }

  private entity(path: string): H5Group | H5Dataset | null {
    const e = this.guard(`"${path}"`, () => this.f.get(path));
    if (e instanceof this.h5.Group || e instanceof this.h5.Dataset) return e;
    return null;
  }

  /** Whether `path` names a group. */
  isGroup(path: string): boolean {
    return this.entity(path) instanceof this.h5.Group;
  }

  /** The member names of the group at `path` ([] when there is none). */
  keys(path: string): string[] {
    const g = this.entity(path);
    return g instanceof this.h5.Group ? this.guard(`the members of "${path}"`, () => g.keys()) : [];
  }

  /** An attribute as a string, a list of strings or a number; undefined when absent. */
  attr(path: string, name: string): unknown {
    const g = path === '/' ? this.f : this.entity(path);
    if (!g) return undefined;
    return this.guard(`attribute "${name}" of "${path}"`, () => {
      const a = (g.attrs as Record<string, { json_value: unknown } | undefined>)[name];
      return a ? a.json_value : undefined;
    });
  }

  /** A float dataset (float32 or float64) as float64 values; undefined when `path` is not a dataset. */
  tensor(path: string): H5Tensor | undefined {
    const d = this.entity(path);
    if (!(d instanceof this.h5.Dataset)) return undefined;
    return this.guard(`dataset "${path}"`, () => {
      const meta = d.metadata;
      const shape = [...(d.shape ?? [])];
      if (meta.type !== 1 || (meta.size !== 4 && meta.size !== 8)) {
        throw this.fail(`dataset "${path}": unsupported data type ${JSON.stringify(d.dtype)} (float32 or float64 expected)`);
      }
      const v = d.value;
      if (!(v instanceof Float32Array || v instanceof Float64Array)) throw this.fail(`dataset "${path}": not a float array`);
      const data = Float64Array.from(v);
      const bad = data.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw this.fail(`dataset "${path}": element ${bad} is ${data[bad]}`);
      return { path, shape, data };
    });
  }
}

let counter = 0;

/** How long the HDF5 library may take to walk a file before it is given up as damaged. */
export const HDF5_PROBE_MS = 10_000;

/**
 * A worker that opens the bytes with h5wasm and walks every group, attribute and dataset: a
 * damaged file can send the HDF5 library into a loop that never returns (and a synchronous
 * WebAssembly call cannot be interrupted), so it is read there first, under a time limit.
 */
const PROBE_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ready = (async () => {
  const h5 = await import(workerData.h5wasm);
  const M = await h5.ready;
  M.activate_throwing_error_handler();
  return h5;
})();
ready.catch(() => {});
parentPort.on('message', async ({ id, bytes }) => {
  try {
    const h5 = await ready;
    h5.FS.writeFile('/probe.h5', bytes);
    try {
      const f = new h5.File('/probe.h5', 'r');
      const stack = [f];
      let n = 0;
      while (stack.length && n++ < 100000) {
        const g = stack.pop();
        for (const a of Object.values(g.attrs ?? {})) void a.value;
        if (typeof g.keys !== 'function') { void g.value; continue; }
        for (const k of g.keys()) { const c = g.get(k); if (c) stack.push(c); }
      }
      f.close();
    } finally {
      h5.FS.unlink('/probe.h5');
    }
  } catch (e) {
    // HDF5's own errors are reported by the reader in the calling thread, with their reasons
  }
  parentPort.postMessage(id);
});
`;

type WorkerT = import('node:worker_threads').Worker;
let probeWorker: WorkerT | undefined;
let probeId = 0;

/** Walks the file in the probe worker (started once, kept for later files); throws when it takes too long. */
async function probeHdf5(bytes: Uint8Array, file: string, what: string): Promise<void> {
  const { Worker } = await import('node:worker_threads');
  // h5wasm's Node build (the package exports it as "h5wasm/node"), resolved from here.
  const entry = (import.meta as unknown as { resolve(s: string): string }).resolve('h5wasm/node');
  const worker = (probeWorker ??= new Worker(PROBE_SOURCE, { eval: true, workerData: { h5wasm: entry } }));
  const id = probeId++;
  worker.ref();
  try {
    await new Promise<void>((resolve, reject) => {
      const detach = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
      };
      const onMessage = (m: number): void => {
        if (m !== id) return;
        detach();
        resolve();
      };
      // A worker that died (HDF5 aborted) read nothing more: the reader in this thread reports the file.
      const onExit = (): void => {
        if (probeWorker === worker) probeWorker = undefined;
        detach();
        resolve();
      };
      const timer = setTimeout(() => {
        detach();
        // The loop cannot be interrupted: the worker is dropped, a fresh one serves the next file.
        probeWorker = undefined;
        void worker.terminate();
        reject(new LayergenError(`${what}: the HDF5 library did not finish reading it in ${HDF5_PROBE_MS / 1000} s (a damaged file?)`, { file }));
      }, HDF5_PROBE_MS);
      worker.on('message', onMessage);
      worker.on('exit', onExit);
      worker.postMessage({ id, bytes });
    });
  } finally {
    worker.unref();
  }
}

/**
 * Opens the HDF5 bytes `bytes` (named `file` in messages; `what` says what the bytes are, e.g.
 * `"model.weights.h5" in the archive`), runs `fn` on the open file and closes it again.
 */
export async function withHdf5<T>(bytes: Uint8Array, file: string, what: string, fn: (f: Hdf5File) => T, probe = false): Promise<T> {
  if (!isHdf5(bytes)) {
    throw new LayergenError(bytes.length === 0 ? `${what} is empty (0 bytes), not an HDF5 file` : `${what} is not an HDF5 file (no HDF5 signature)`, { file });
  }
  // A file inside a .keras archive passed the zip's CRC check, so it is what Keras wrote; a bare .h5 may be damaged.
  if (probe) await probeHdf5(bytes, file, what);
  const h5 = await h5wasm();
  const FS = h5.FS!;
  const name = `/layergen-${process.pid}-${counter++}.h5`;
  FS.writeFile(name, bytes);
  try {
    let f: InstanceType<H5['File']>;
    try {
      f = new h5.File(name, 'r');
    } catch (e) {
      const why = hdf5Reason(e);
      throw new LayergenError(`${what} cannot be opened: ${why}${/truncated/i.test(why) ? ' (file cut short?)' : ''}`, { file });
    }
    try {
      return fn(new Hdf5File(f, h5, file));
    } finally {
      try {
        f.close();
      } catch {
        // closing a damaged file may fail again; the error that matters is already on its way
      }
    }
  } finally {
    FS.unlink(name);
  }
}
