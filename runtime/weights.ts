/**
 * Weights that generated numeric modules keep in a sidecar file (`<net>.weights.bin`): tensors
 * as little-endian float32 (when exact) or float64, each at an 8-byte aligned offset. The module
 * names the file relative to its own URL and hands it to `weightsFile`, which reads it
 * synchronously where Node's fs exists (so the module is ready as soon as it is imported) and
 * fetches it elsewhere (browsers: the module's `ready` promise settles when the bytes are in).
 */
import { nodeBuiltin } from './host.js';

/** FNV-1a over the 32-bit words of `bytes` (length a multiple of 4), as 8 hex digits. */
export function weightsChecksum(bytes: Uint8Array): string {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Checks a sidecar's size and checksum; returns its bytes as an 8-byte aligned ArrayBuffer. */
export function weightsBuffer(bytes: Uint8Array, byteLength: number, checksum: string, module: string, file: string): ArrayBuffer {
  if (bytes.byteLength !== byteLength || weightsChecksum(bytes.byteOffset % 4 === 0 ? bytes : bytes.slice()) !== checksum) {
    throw new Error(`${module}: ${file} does not belong to this module (${bytes.byteLength} bytes, expected ${byteLength} with checksum ${checksum}); compile the net again`);
  }
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  return bytes.slice().buffer;
}

/** Bytes from base64 (weights embedded in a module); the result's buffer starts at offset 0. */
export function decodeBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** A module's sidecar weights: `ready` settles once they are in place; `check()` throws until then. */
export interface WeightsFile {
  readonly ready: Promise<void>;
  /** Throws a clear error while the weights are loading or when loading failed. */
  check(): void;
}

/**
 * Loads a sidecar weights file: synchronously through node:fs for `file:` URLs where Node's fs
 * exists, otherwise with fetch. The bytes are checked (size, checksum) and handed to `install`.
 */
export function weightsFile(url: URL, byteLength: number, checksum: string, module: string, file: string, install: (bytes: ArrayBuffer) => void): WeightsFile {
  let state: 'loading' | 'ready' | Error = 'loading';
  const fail = (e: unknown): Error => {
    const why = e instanceof Error ? e.message : String(e);
    return why.startsWith(module) ? (e as Error) : new Error(`${module}: cannot load its weights ${file} from ${url.href}: ${why}`);
  };
  const take = (bytes: Uint8Array): void => {
    install(weightsBuffer(bytes, byteLength, checksum, module, file));
    state = 'ready';
  };
  const fs = url.protocol === 'file:' ? nodeBuiltin('node:fs') : undefined;
  let ready: Promise<void>;
  if (fs) {
    try {
      take(fs.readFileSync(url));
    } catch (e) {
      throw fail(e);
    }
    ready = Promise.resolve();
  } else {
    ready = fetch(url)
      .then(async (r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status} ${r.statusText}`);
        take(new Uint8Array(await r.arrayBuffer()));
      })
      .catch((e: unknown) => {
        state = fail(e);
        throw state;
      });
    ready.catch(() => undefined); // reported by check() and by awaiting ready, not as an unhandled rejection
  }
  return {
    ready,
    check() {
      if (state === 'ready') return;
      if (state === 'loading') throw new Error(`${module}: its weights (${file}) are still loading: await the module's \`ready\` promise before predicting`);
      throw state;
    },
  };
}
