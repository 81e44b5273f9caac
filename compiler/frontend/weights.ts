/** Weight files: `"<layer>.<param>"` -> tensor. JSON now; the loader picks a reader by extension. */
import { readFileSync } from 'node:fs';
import { LayergenError, type Place } from '../errors.js';

export interface LoadedTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export type WeightSet = ReadonlyMap<string, LoadedTensor>;

/** Reads a weight file; `shown` is the path as the user should see it in messages. */
export function loadWeights(path: string, shown: string, from: Place): WeightSet {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new LayergenError(`weights: cannot read "${shown}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`, from);
  }
  if (path.endsWith('.json')) return readJsonWeights(bytes.toString('utf8'), shown);
  throw new LayergenError(`weights: "${shown}": unsupported weight file type (expected .json)`, from);
}

function readJsonWeights(text: string, file: string): WeightSet {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new LayergenError(`invalid JSON: ${(e as Error).message}`, { file });
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new LayergenError('expected a JSON object of "<layer>.<param>": nested arrays', { file });
  }
  const out = new Map<string, LoadedTensor>();
  for (const [key, v] of Object.entries(obj)) {
    out.set(key, nestedTensor(v, `${file}: tensor "${key}"`));
  }
  return out;
}

/** A rectangular nested array of finite numbers as shape + flat data. */
export function nestedTensor(v: unknown, what: string): LoadedTensor {
  const shape: number[] = [];
  for (let x: unknown = v; Array.isArray(x); x = x[0]) shape.push(x.length);
  const data: number[] = [];
  const walk = (x: unknown, d: number): void => {
    if (d === shape.length) {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new LayergenError(`${what}: expected a finite number, got ${JSON.stringify(x)}`);
      data.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[d]) throw new LayergenError(`${what}: ragged nested array at depth ${d}`);
    x.forEach((c) => walk(c, d + 1));
  };
  walk(v, 0);
  return { shape, data: Float64Array.from(data) };
}
