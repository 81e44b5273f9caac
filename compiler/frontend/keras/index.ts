/**
 * The Keras importer: a legacy `.h5` or a `.keras` model -> net.yaml text + .safetensors weights,
 * the same files the ONNX importer writes (onnx/write.ts), validated the same way. Steps, one file
 * each: load.ts (the file: HDF5 via h5wasm in hdf5.ts, zip), config.ts (the layer graph),
 * convert.ts with activations.ts, layers.ts, recurrent.ts, spatial.ts (Keras layers -> layers).
 * Async only because h5wasm's WebAssembly module loads asynchronously.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { LayergenError } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import { NET_NAME } from '../spec.js';
import { problemsError } from '../onnx/convert.js';
import { defaultName, validate, type ImportOptions } from '../onnx/index.js';
import { writeNet, type ImportedNet } from '../onnx/write.js';
import { convertKeras } from './convert.js';
import { withKerasModel, type KerasFormat } from './load.js';

/** What the file was, for reports. */
export interface KerasSummary {
  readonly format: KerasFormat;
  readonly kerasVersion: string | undefined;
  readonly backend: string | undefined;
  /** `Sequential` or `Functional`. */
  readonly className: string;
  /** Layers in the config, InputLayers included. */
  readonly layers: number;
}

export interface KerasImportResult extends ImportedNet {
  readonly keras: KerasSummary;
  readonly graph: Graph;
}

/** The Keras format a file name says, if any. */
export function kerasFormat(file: string): KerasFormat | undefined {
  const ext = extname(file).toLowerCase();
  return ext === '.keras' ? 'keras' : ext === '.h5' || ext === '.hdf5' ? 'h5' : undefined;
}

/** Imports a Keras model from its bytes; `file` names it in messages and gives the format (.keras, else legacy .h5). */
export async function importKeras(bytes: Uint8Array, file: string, opts: ImportOptions = {}): Promise<KerasImportResult> {
  const name = opts.name ?? defaultName(file);
  if (!NET_NAME.test(name)) throw new LayergenError(`--name: "${name}" is not a valid net name ([A-Za-z_][A-Za-z0-9_]*)`);
  const format = kerasFormat(file) ?? 'h5';
  return withKerasModel(bytes, file, format, (model) => {
    const converted = convertKeras(model);
    if (converted.problems.length) throw problemsError(file, converted.problems, 'layers');
    const version = model.kerasVersion ? `Keras ${model.kerasVersion}` : 'Keras';
    const header = ` Imported from ${basename(file)} (${version}, ${model.graph.className}${format === 'h5' ? ', legacy .h5' : ''}) by layergen import.`;
    const net = writeNet(converted, name, header, file);
    const keras: KerasSummary = { format, kerasVersion: model.kerasVersion, backend: model.backend, className: model.graph.className, layers: model.graph.layers.length };
    return { ...net, keras, graph: validate(net, file) };
  });
}

/** Reads and imports a Keras model file. */
export async function importKerasFile(path: string, opts: ImportOptions = {}): Promise<KerasImportResult> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new LayergenError(`cannot read model: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path });
  }
  return importKeras(bytes, path, opts);
}
