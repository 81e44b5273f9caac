/** .json: `{"<layer>.<param>": nested arrays of finite numbers}`. */
import { LayergenError } from '../../errors.js';
import { isStepCounter, weightError, type LoadedTensor, type WeightSet } from './tensor.js';

export function readJsonWeights(bytes: Buffer, file: string): WeightSet {
  let obj: unknown;
  try {
    obj = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw weightError(file, `invalid JSON: ${(e as Error).message}`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw weightError(file, 'expected a JSON object of "<layer>.<param>": nested arrays');
  }
  const out = new Map<string, LoadedTensor>();
  for (const [key, v] of Object.entries(obj)) {
    if (isStepCounter(key) && Number.isInteger(v)) continue;
    out.set(key, nestedTensor(v, `${file}: tensor "${key}"`));
  }
  return out;
}

/** A rectangular nested array of finite numbers as shape + flat data. */
export function nestedTensor(v: unknown, what: string): LoadedTensor {
  const shape: number[] = [];
  for (let x: unknown = v; Array.isArray(x); x = x[0]) shape.push(x.length);
  const data: number[] = [];
  const at: number[] = [];
  const walk = (x: unknown, d: number): void => {
    if (d === shape.length) {
      if (typeof x !== 'number') throw new LayergenError(`${what}: expected a finite number, got ${JSON.stringify(x)}`);
      // JSON has no NaN, but 1e999 parses as Infinity.
      if (!Number.isFinite(x)) throw new LayergenError(`${what}: non-finite value ${x} at index [${at.join(', ')}] (weights must be finite)`);
      data.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[d]) throw new LayergenError(`${what}: ragged nested array at depth ${d}`);
    x.forEach((c, i) => {
      at[d] = i;
      walk(c, d + 1);
    });
    at.length = d;
  };
  walk(v, 0);
  return { shape, data: Float64Array.from(data) };
}
