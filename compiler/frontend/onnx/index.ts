/**
 * The ONNX importer: .onnx bytes -> net.yaml text + .safetensors weights, validated by loading
 * them with layergen's own frontend. Steps, one file each: load.ts (protobuf), patterns.ts
 * (subgraphs -> one layer), fold.ts (shape helpers folded), mappers/ (op -> layers), net.ts
 * (the layer list), write.ts (YAML + weights).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { LayergenError } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import { NET_NAME } from '../spec.js';
import { loadNetText } from '../index.js';
import { convert, OPSETS, problemsError } from './convert.js';
import { loadOnnx } from './load.js';
import type { OnnxModel } from './model.js';
import { specialise, type Specialisation } from './specialise.js';
import { identifier, writeNet, type ImportedNet } from './write.js';

export { loadOnnx } from './load.js';
export type { OnnxModel } from './model.js';
export type { ImportedNet } from './write.js';
export { parseConstArg, parseShapeArg, type Specialisation } from './specialise.js';

export interface ImportOptions extends Specialisation {
  /** The net's name; default: the file's base name made a valid identifier. */
  readonly name?: string;
}

export interface ImportResult extends ImportedNet {
  readonly model: OnnxModel;
  /** The net as layergen loads it (shapes inferred, parameters bound). */
  readonly graph: Graph;
}

/** The default net name for a model file: `models/my-net.v2.onnx` -> `my_net_v2`. */
export function defaultName(file: string): string {
  return identifier(basename(file, extname(file)));
}

/** Imports a model from its bytes; `file` names it in messages. Throws a LayergenError listing every problem. */
export function importOnnx(bytes: Uint8Array, file: string, opts: ImportOptions = {}): ImportResult {
  const name = opts.name ?? defaultName(file);
  if (!NET_NAME.test(name)) throw new LayergenError(`--name: "${name}" is not a valid net name ([A-Za-z_][A-Za-z0-9_]*)`);
  const loaded = loadOnnx(bytes, file);
  const { model, fixedBatch, batchHint } = specialise(loaded, opts, file);
  if (model.opset < OPSETS.min || model.opset > OPSETS.max) {
    throw new LayergenError(`opset ${model.opset} is not supported (layergen imports opsets ${OPSETS.min} to ${OPSETS.max}; torch.onnx.export(..., opset_version=17) works)`, { file });
  }
  const converted = convert(model, { fixedBatch, ...(batchHint ? { batchHint } : {}) });
  if (converted.problems.length) throw problemsError(file, converted.problems);
  if (converted.outputs.length === 0) throw new LayergenError('the model has no outputs (its graph lists none)', { file });
  const header = ` Imported from ${basename(file)} (ONNX opset ${model.opset}${model.producer ? `, ${model.producer}` : ''}) by layergen import.`;
  const net = writeNet(converted, name, header, file);
  return { ...net, model, graph: validate(net, file) };
}

/** Reads and imports a model file. */
export function importOnnxFile(path: string, opts: ImportOptions = {}): ImportResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new LayergenError(`cannot read model: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path });
  }
  return importOnnx(bytes, path, opts);
}

/** Loads the written net with layergen's frontend (from a temporary directory) to prove it is valid (the Keras importer uses it too). */
export function validate(net: ImportedNet, file: string): Graph {
  const dir = mkdtempSync(join(tmpdir(), 'layergen-import-'));
  try {
    writeFileSync(join(dir, net.weightsFile), net.weights);
    return loadNetText(net.yaml, join(dir, `${net.name}.yaml`)).graph;
  } catch (e) {
    // The model's attributes or weights out of layergen's range (a negative epsilon, a size that does not fit):
    // the reason, with the place in the net it became.
    if (e instanceof LayergenError) throw new LayergenError(`the imported net is not valid: ${e.message.replace(/^.*?layergen-import-[^/]*\//, '')}`, { file });
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
