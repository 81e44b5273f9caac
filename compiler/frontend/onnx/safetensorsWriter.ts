/**
 * Writes .safetensors (the format weights/safetensors.ts reads): an 8-byte little-endian header
 * length, a JSON header padded with spaces to a multiple of 8 bytes, then the tensors' bytes in
 * header order. A tensor whose values are all float32 numbers is stored as F32 (exactly what the
 * ONNX file held), any other as F64, so nothing is rounded.
 */

export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

export function isFloat32Exact(data: ArrayLike<number>): boolean {
  for (let i = 0; i < data.length; i++) if (Math.fround(data[i]!) !== data[i]! && !Number.isNaN(data[i]!)) return false;
  return true;
}

export function writeSafetensors(tensors: readonly NamedTensor[], metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let at = 0;
  for (const t of tensors) {
    const f32 = isFloat32Exact(t.data);
    const bytes = new Uint8Array(t.data.length * (f32 ? 4 : 8));
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < t.data.length; i++) {
      if (f32) view.setFloat32(4 * i, t.data[i]!, true);
      else view.setFloat64(8 * i, t.data[i]!, true);
    }
    header[t.name] = { dtype: f32 ? 'F32' : 'F64', shape: [...t.shape], data_offsets: [at, at + bytes.length] };
    blobs.push(bytes);
    at += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let off = 8 + head.length;
  for (const b of blobs) {
    out.set(b, off);
    off += b.length;
  }
  return out;
}
