/**
 * Weights that generated numeric modules keep in a sidecar file (`<net>.weights.bin`): tensors
 * as little-endian float32 (when exact) or float64, each at an 8-byte aligned offset. The module
 * reads the file itself (node:fs, relative to import.meta.url) and hands the bytes here to check.
 */

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
