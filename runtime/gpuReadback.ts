/**
 * Reading gpu.js results back: a step result (texture, buffer handle or array) as a Float32Array,
 * its length for the runner's checks, and packed (RGBA texel) values unpacked to their examples.
 */
interface TextureLike {
  readonly output?: readonly number[];
  toArray(): unknown;
}

const isTextureLike = (v: unknown): v is TextureLike =>
  typeof v === 'object' && v !== null && typeof (v as { toArray?: unknown }).toArray === 'function';

/** The number of values in a step result, where it can be told without reading it back. */
export function resultLength(v: unknown): number | undefined {
  if (ArrayBuffer.isView(v) || Array.isArray(v)) return (v as ArrayLike<unknown>).length;
  if (isTextureLike(v) && Array.isArray(v.output)) return v.output.reduce((a, b) => a * b, 1);
  return undefined;
}

/**
 * A step result (texture, buffer handle or array) as a Float32Array of `n` values; `texels`: an
 * `Array(4)` result, one 4-float array per thread (gpu.js's form of them), flattened.
 */
export async function readBack(v: unknown, n: number, name: string, texels = false): Promise<Float32Array> {
  const a = isTextureLike(v) ? await v.toArray() : v;
  if (texels && Array.isArray(a) && a.length * 4 === n) {
    const out = new Float32Array(n);
    (a as ArrayLike<number>[]).forEach((t, i) => {
      for (let l = 0; l < 4; l++) out[4 * i + l] = t[l]!;
    });
    return out;
  }
  if (a instanceof Float32Array && a.length === n) return a;
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const arr = a as ArrayLike<number>;
    if (arr.length === n) return Float32Array.from(arr);
  }
  throw new Error(`internal: output "${name}": gpu.js returned ${describe(a)}, expected ${n} values`);
}

function describe(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  const len = (v as { length?: unknown }).length;
  return `${(v as object).constructor?.name ?? 'object'}${typeof len === 'number' ? ` of length ${len}` : ''}`;
}

/** Packed values of examples start.. (texels per example, four floats each) into `dst`, `size` floats per example. */
export function unpack(flat: Float32Array, size: number, texels: number, dst: Float32Array, start: number): void {
  const n = flat.length / (4 * texels);
  for (let b = 0; b < n; b++) dst.set(flat.subarray(b * 4 * texels, b * 4 * texels + size), (start + b) * size);
}
