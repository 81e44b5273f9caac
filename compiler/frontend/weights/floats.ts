/** Decoding stored floats (half, bfloat16, single, double; either byte order) to float64, exactly. */

export type FloatKind = 'f16' | 'bf16' | 'f32' | 'f64';

export const ITEMSIZE: Readonly<Record<FloatKind, number>> = { f16: 2, bf16: 2, f32: 4, f64: 8 };

/** IEEE 754 binary16 bits -> number: subnormals, signed zeros, infinities and NaN included. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

const scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 bits -> number: they are the upper half of a float32. */
export function bf16ToNumber(bits: number): number {
  scratch.setUint32(0, (bits & 0xffff) << 16);
  return scratch.getFloat32(0);
}

/** `bytes.length / ITEMSIZE[kind]` stored values -> float64. */
export function decodeFloats(bytes: Uint8Array, kind: FloatKind, littleEndian: boolean): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(bytes.byteLength / ITEMSIZE[kind]);
  switch (kind) {
    case 'f64':
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, littleEndian);
      break;
    case 'f32':
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, littleEndian);
      break;
    case 'f16':
      for (let i = 0; i < out.length; i++) out[i] = halfToNumber(view.getUint16(2 * i, littleEndian));
      break;
    case 'bf16':
      for (let i = 0; i < out.length; i++) out[i] = bf16ToNumber(view.getUint16(2 * i, littleEndian));
      break;
  }
  return out;
}
