/** Input checking and conversion shared by every generated module. */

/** A value for one input: flat row-major numbers, or nested arrays of the input's shape. */
export type NumericInput = ArrayLike<number> | readonly NumericInput[] | number;

export type FloatArray = Float64Array | Float32Array;
export type FloatArrayCtor = Float64ArrayConstructor | Float32ArrayConstructor;

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Throws when `inputs` lacks a declared input or has one that is not declared. */
export function checkInputNames(inputs: object, names: readonly string[], module: string): void {
  if (inputs === null || typeof inputs !== 'object') {
    throw new TypeError(`${module}: inputs must be an object keyed by input name (${names.join(', ')})`);
  }
  for (const k of Object.keys(inputs)) {
    if (!names.includes(k)) throw new TypeError(`${module}: unknown input "${k}" (inputs: ${names.join(', ')})`);
  }
  // Own properties only: an input named like an Object method ("constructor") is not there by inheritance.
  for (const n of names) {
    if (!Object.prototype.hasOwnProperty.call(inputs, n)) throw new TypeError(`${module}: missing input "${n}"`);
  }
}

/** A per-example shape with the batch dimension inserted at `axis` (0: first). */
export function batchShape(shape: readonly number[], batch: number, axis = 0): number[] {
  return [...shape.slice(0, axis), batch, ...shape.slice(axis)];
}

/**
 * Flattens one input to row-major elements, checking its size against `shape` (with the batch
 * dimension at `batchAxis`, first by default, when `batch` is given). Nested arrays must match
 * the shape exactly.
 */
export function flattenInput<T>(
  value: unknown,
  name: string,
  shape: readonly number[],
  batch: number | undefined,
  module: string,
  accept: (v: unknown) => v is T,
  batchAxis = 0,
): T[] {
  const full = batch === undefined ? shape : batchShape(shape, batch, batchAxis);
  const n = full.reduce((a, b) => a * b, 1);
  const where = `${module}: input "${name}"`;
  if (value === null || typeof value !== 'object' || !('length' in (value as object))) {
    if (n === 1 && accept(value)) return [value];
    throw new TypeError(`${where}: expected an array of shape ${fmt(full)}, got ${typeof value}`);
  }
  const arr = value as ArrayLike<unknown>;
  const nested = arr.length > 0 && typeof arr[0] === 'object' && arr[0] !== null && 'length' in (arr[0] as object) && !accept(arr[0]);
  const out: T[] = [];
  if (!nested) {
    if (arr.length !== n) {
      throw new RangeError(`${where}: expected ${n} values (shape ${fmt(full)}), got ${arr.length}`);
    }
    for (let i = 0; i < n; i++) out.push(checkElem(arr[i], accept, where, i));
    return out;
  }
  const walk = (v: unknown, d: number, path: string): void => {
    if (d === full.length) {
      out.push(checkElem(v, accept, where, path));
      return;
    }
    const a = v as ArrayLike<unknown>;
    if (a === null || typeof a !== 'object' || a.length !== full[d]) {
      const got = a !== null && typeof a === 'object' && 'length' in a ? `length ${a.length}` : typeof a;
      throw new RangeError(`${where}: expected shape ${fmt(full)}; at ${path || 'top level'} expected length ${full[d]}, got ${got}`);
    }
    for (let i = 0; i < a.length; i++) walk(a[i], d + 1, `${path}[${i}]`);
  };
  walk(arr, 0, '');
  return out;
}

function checkElem<T>(v: unknown, accept: (v: unknown) => v is T, where: string, at: number | string): T {
  if (!accept(v)) throw new TypeError(`${where}: element ${at} is not a valid value (${JSON.stringify(v)})`);
  return v;
}

const isNumber = (v: unknown): v is number => typeof v === 'number';

/**
 * One numeric input as a typed array of the module's precision, in its own layout (the batch
 * dimension at `batchAxis`; see batchToFront).
 */
export function readInput(
  inputs: Record<string, unknown>,
  name: string,
  shape: readonly number[],
  batch: number | undefined,
  Ctor: FloatArrayCtor,
  module: string,
  dtype: 'float' | 'int' = 'float',
  batchAxis = 0,
): FloatArray {
  const v = inputs[name];
  if (dtype === 'int') return Ctor.from(flattenInput(v, name, shape, batch, module, isInteger, batchAxis));
  if (v instanceof Ctor && v.length === shape.reduce((a, b) => a * b, batch ?? 1)) return v;
  return Ctor.from(flattenInput(v, name, shape, batch, module, isNumber, batchAxis));
}

/** Examples' elements before and after the batch axis: [prod(shape[:axis]), prod(shape[axis:])]. */
export function batchSplit(shape: readonly number[], axis: number): [number, number] {
  const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  return [prod(shape.slice(0, axis)), prod(shape.slice(axis))];
}

/**
 * Flat data with its batch dimension at `axis` of the per-example `shape` (an ONNX state
 * [2, batch, 64] has axis 1), as batch-first data: the layout the generated code computes in.
 * The data itself when the two layouts agree (axis 0, a batch of 1, or only unit axes before it).
 */
export function batchToFront<A extends FloatArray>(data: A, shape: readonly number[], batch: number, axis: number): A {
  const [outer, inner] = batchSplit(shape, axis);
  if (outer === 1 || batch === 1) return data;
  const out = new (data.constructor as new (n: number) => A)(data.length);
  for (let o = 0; o < outer; o++) {
    for (let b = 0; b < batch; b++) out.set(data.subarray((o * batch + b) * inner, (o * batch + b + 1) * inner), (b * outer + o) * inner);
  }
  return out;
}

/** The inverse of batchToFront: batch-first data with its batch dimension moved to `axis`. */
export function batchFromFront<A extends FloatArray>(data: A, shape: readonly number[], batch: number, axis: number): A {
  const [outer, inner] = batchSplit(shape, axis);
  if (outer === 1 || batch === 1) return data;
  const out = new (data.constructor as new (n: number) => A)(data.length);
  for (let o = 0; o < outer; o++) {
    for (let b = 0; b < batch; b++) out.set(data.subarray((b * outer + o) * inner, (b * outer + o + 1) * inner), (o * batch + b) * inner);
  }
  return out;
}

/**
 * predictBatch's `outputs` argument: arrays the caller gives to receive outputs (each of its
 * module's float type and of batch × the output's size elements), checked by name before any work.
 * Unknown names are an error, as with inputs, and so is an array that shares memory with an input
 * or with another output (the module writes outputs block by block while it reads its inputs).
 * An output not given gets a new array.
 */
export function checkOutputArrays(
  outputs: Record<string, unknown> | undefined,
  sizes: Readonly<Record<string, number>>,
  inputs: Record<string, unknown>,
  Ctor: FloatArrayCtor,
  module: string,
): void {
  if (outputs === undefined) return;
  const names = Object.keys(sizes);
  if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) {
    throw new TypeError(`${module}: outputs must be an object keyed by output name (${names.join(', ')})`);
  }
  const taken: [string, ArrayBufferView][] = Object.entries(inputs).flatMap(([k, v]) => (ArrayBuffer.isView(v) ? [[`input "${k}"`, v] as [string, ArrayBufferView]] : []));
  for (const [k, given] of Object.entries(outputs)) {
    if (!names.includes(k)) throw new TypeError(`${module}: unknown output "${k}" (outputs: ${names.join(', ')})`);
    if (given === undefined) continue;
    checkOutputArray(given, k, sizes[k]!, Ctor, module);
    const g = given as ArrayBufferView;
    for (const [what, v] of taken) {
      if (v.buffer === g.buffer && v.byteOffset < g.byteOffset + g.byteLength && g.byteOffset < v.byteOffset + v.byteLength) {
        throw new RangeError(`${module}: output "${k}" shares memory with ${what}: give it an array of its own`);
      }
    }
    taken.push([`output "${k}"`, g]);
  }
}

function checkOutputArray(given: unknown, name: string, n: number, Ctor: FloatArrayCtor, module: string): asserts given is FloatArray {
  if (!(given instanceof Ctor)) {
    throw new TypeError(`${module}: output "${name}" must be given as a ${Ctor.name} (this module's precision)`);
  }
  if (given.length !== n) throw new RangeError(`${module}: output "${name}" must be given an array of ${n} elements, got ${given.length}`);
}

/** The array output `name` is written to: the caller's (already checked by checkOutputArrays), or a new one of `n` elements. */
export function outputArray(outputs: Record<string, unknown> | undefined, name: string, n: number, Ctor: FloatArrayCtor): FloatArray {
  return (outputs?.[name] as FloatArray | undefined) ?? new Ctor(n);
}

/** `data` (an output already computed) in the caller's array for `name` where one was given (see checkOutputArrays), else `data` itself. */
export function intoOutput(outputs: Record<string, unknown> | undefined, name: string, data: FloatArray): FloatArray {
  const given = outputs?.[name] as FloatArray | undefined;
  if (given === undefined) return data;
  given.set(data);
  return given;
}

const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Checks a batch size argument. */
export function checkBatch(batch: unknown, module: string): number {
  if (typeof batch !== 'number' || !Number.isInteger(batch) || batch < 0) {
    throw new RangeError(`${module}: batch must be a non-negative integer, got ${String(batch)}`);
  }
  return batch;
}

/** Decodes little-endian float64 or float32 data embedded as base64. */
export function decodeWeights(b64: string, Ctor: FloatArrayCtor): FloatArray {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const f64 = new Float64Array(bytes.buffer);
  return Ctor === Float64Array ? f64 : Float32Array.from(f64);
}
