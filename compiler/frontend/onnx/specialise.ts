/**
 * Specialisation at import (`--shape NAME=D1,D2,...`, `--const NAME=VALUE`), as onnx-simplifier's
 * --overwrite-input-shape: input shapes are fixed, with `N` marking the batch axis (any axis:
 * `--shape h=2,N,64`), and small inputs (a sample rate) become constants, removed from the module's
 * inputs. The conversion then folds what became static (shape subgraphs, If on known conditions).
 * A `--shape` without N fixes the batch (to the leading 1 of such shapes): every input must
 * then be fully known, dimensions named alike (`batch`, `sequence`) taking the values given.
 */
import { LayergenError } from '../../errors.js';
import type { OnnxModel, OnnxValueInfo } from './model.js';
import { constant, fmt, size, type Const, type Dim } from './values.js';

export type ShapeSpec = readonly (number | 'N')[];

export interface Specialisation {
  /** Input name -> its dimensions, 'N' for the batch axis. */
  readonly shapes?: Readonly<Record<string, ShapeSpec>>;
  /** Input name -> its value (one number, or a row-major list for a small tensor). */
  readonly consts?: Readonly<Record<string, readonly number[]>>;
}

export interface Specialised {
  readonly model: OnnxModel;
  /** True when a --shape fixed the batch (no N): the conversion then works on whole shapes. */
  readonly fixedBatch: boolean;
  /** How to fix the batch of the first batched input (for messages): `--shape input=1,512`. */
  readonly batchHint?: string;
}

/** Parses `NAME=D1,D2,...` (D a size or N) as given to --shape. */
export function parseShapeArg(arg: string): [string, ShapeSpec] {
  const m = /^([^=]+)=(.*)$/.exec(arg);
  if (!m) throw new LayergenError(`--shape ${arg}: expected NAME=D1,D2,... (a size or N for the batch axis, e.g. --shape input=N,512)`);
  const dims = m[2]!.split(',').map((d) => d.trim());
  const out = dims.map((d): number | 'N' => {
    if (d === 'N' || d === 'n') return 'N';
    const v = Number(d);
    if (d === '' || !Number.isSafeInteger(v) || v < 1) throw new LayergenError(`--shape ${arg}: "${d}" is not a dimension (a positive integer, or N for the batch axis)`);
    return v;
  });
  if (out.filter((d) => d === 'N').length > 1) throw new LayergenError(`--shape ${arg}: N (the batch axis) may appear once`);
  return [m[1]!, out];
}

/** Parses `NAME=V` or `NAME=V1,V2,...` as given to --const. */
export function parseConstArg(arg: string): [string, number[]] {
  const m = /^([^=]+)=(.+)$/.exec(arg);
  if (!m) throw new LayergenError(`--const ${arg}: expected NAME=VALUE (e.g. --const sr=16000) or NAME=V1,V2,...`);
  const vals = m[2]!.split(',').map((v) => {
    const x = Number(v.trim());
    if (v.trim() === '' || !Number.isFinite(x)) throw new LayergenError(`--const ${arg}: "${v}" is not a finite number`);
    return x;
  });
  return [m[1]!, vals];
}

const inputsList = (m: OnnxModel): string => m.inputs.map((i) => `"${i.name}" ${i.dims ? fmt(i.dims) : '(no shape)'}`).join(', ');

export function specialise(model: OnnxModel, spec: Specialisation, file: string): Specialised {
  const fail = (msg: string): LayergenError => new LayergenError(msg, { file });
  const shapes = spec.shapes ?? {};
  const consts = spec.consts ?? {};
  const byName = new Map(model.inputs.map((i) => [i.name, i]));
  for (const name of [...Object.keys(shapes), ...Object.keys(consts)]) {
    if (!byName.has(name)) {
      const opt = name in shapes ? '--shape' : '--const';
      throw fail(`${opt} ${name}: the model has no input "${name}" (its inputs: ${inputsList(model)})`);
    }
    if (name in shapes && name in consts) throw fail(`input "${name}" is given both --shape and --const`);
  }
  const bound = new Map<string, number>(); // dim_param -> size, from the shapes given
  const given = new Map<string, (number | string | null)[]>();
  for (const [name, dims] of Object.entries(shapes)) {
    const info = byName.get(name)!;
    if (info.dims && info.dims.length !== dims.length) throw fail(`--shape ${name}=${dims.join(',')}: the model's input "${name}" has rank ${info.dims.length} ${fmt(info.dims)}`);
    dims.forEach((d, i) => {
      const declared = info.dims?.[i];
      if (typeof declared === 'number' && declared !== d) {
        throw fail(`--shape ${name}=${dims.join(',')}: dimension ${i} of input "${name}" is ${declared} in the model ${fmt(info.dims!)}`);
      }
      if (typeof declared === 'string' && typeof d === 'number') {
        const prev = bound.get(declared);
        if (prev !== undefined && prev !== d) throw fail(`--shape ${name}: dimension "${declared}" is ${prev} for another input`);
        bound.set(declared, d);
      }
    });
    given.set(name, dims.map((d) => (d === 'N' ? 'N' : d)));
  }
  const fixedBatch = Object.values(shapes).some((d) => !d.includes('N'));
  if (fixedBatch && Object.values(shapes).some((d) => d.includes('N'))) {
    throw fail('--shape: some shapes mark a batch axis (N) and others fix every dimension; either mark N in each batched input, or fix the batch (give every size) everywhere');
  }

  const initializers = new Map<string, Const>(model.initializers);
  for (const [name, vals] of Object.entries(consts)) {
    const info = byName.get(name)!;
    if (info.elemType !== 'float' && info.elemType !== 'int' && info.elemType !== 'bool') throw fail(`--const ${name}: input "${name}" has type ${info.typeName}`);
    if (info.elemType !== 'float' && vals.some((v) => !Number.isInteger(v))) throw fail(`--const ${name}: input "${name}" is ${info.typeName}; give integers`);
    const dims = info.dims;
    let shape: number[];
    if (dims && dims.every((d): d is number => typeof d === 'number')) {
      shape = [...dims];
      if (size(shape) !== vals.length) throw fail(`--const ${name}: input "${name}" has shape ${fmt(dims)} (${size(shape)} values); got ${vals.length}`);
    } else shape = vals.length === 1 && (!dims || dims.length === 0) ? [] : [vals.length];
    initializers.set(name, constant(info.elemType, shape, vals as Dim[]));
  }

  const inputs: OnnxValueInfo[] = [];
  for (const info of model.inputs) {
    if (info.name in consts) continue;
    let dims = given.get(info.name) ?? info.dims;
    // Dimensions named like one fixed by --shape take its value (`batch` of h0 once `batch` of x is 1).
    if (dims) dims = dims.map((d) => (typeof d === 'string' && d !== 'N' && bound.has(d) ? bound.get(d)! : d));
    inputs.push({ ...info, dims });
  }
  const first = model.inputs.find((i) => !(i.name in consts) && i.dims && i.dims.length > 0);
  const batchHint = first?.dims ? `--shape ${first.name}=${first.dims.map((d, i) => (i === 0 ? 1 : typeof d === 'number' ? d : bound.get(d ?? '') ?? 'SIZE')).join(',')}` : undefined;
  return { model: { ...model, inputs, initializers }, fixedBatch, ...(batchHint ? { batchHint } : {}) };
}
