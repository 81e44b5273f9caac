/** Row-major transposes of tensor data, shared by the importers and the numeric backend. */

/** A 2-D matrix [r, c] as [c, r], each value times `scale`. */
export function transpose2(data: ArrayLike<number>, r: number, c: number, scale = 1): Float64Array {
  if (data.length !== r * c) throw new Error(`internal: ${data.length} values are not ${r} x ${c}`);
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = data[i * c + j]! * scale;
  return out;
}

/** The axes of `data` (shape `shape`) in the order `perm`. */
export function transpose(data: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): Float64Array {
  const out = new Float64Array(data.length);
  const outShape = perm.map((p) => shape[p]!);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const idx = new Array<number>(outShape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < perm.length; k++) src += idx[k]! * strides[perm[k]!]!;
    out[o] = data[src]!;
    for (let k = outShape.length - 1; k >= 0; k--) {
      if (++idx[k]! < outShape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}
