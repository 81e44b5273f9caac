/**
 * A Keras model file opened for import. Two formats (see Keras' own saving code):
 *
 * - legacy `.h5` (`model.save("m.h5")`, Keras 2 and 3; keras/src/legacy/saving/legacy_h5_format.py):
 *   root attributes `model_config` (JSON), `keras_version`, `backend`; group `model_weights/<layer>`
 *   whose `weight_names` attribute (split into `weight_names0`, `weight_names1`, ... when long)
 *   lists the layer's datasets in order (`dense/kernel:0`, `dense/bias:0`; Keras 3 without `:0`).
 * - `.keras` (Keras 3, and 2.13-2.15; keras/src/saving/saving_lib.py): a zip of `config.json`,
 *   `metadata.json` (`keras_version`) and `model.weights.h5`, where a layer's variables are
 *   datasets `0`, `1`, ... of `layers/<snake_case(class)>[_n]/vars` (`_layer_checkpoint_dependencies/`
 *   instead of `layers/` in 2.13 files), sub-layers below it (`lstm/cell/vars`,
 *   `bidirectional/forward_layer/cell/vars`).
 *
 * The zip is read by the reader layergen uses for .npz files.
 */
import { LayergenError } from '../../errors.js';
import { readZip } from '../weights/zip.js';
import { NodeError } from '../onnx/model.js';
import { isObject, parseGraph, type Json, type KGraph, type KLayer } from './config.js';
import { withHdf5, type H5Tensor, type Hdf5File } from './hdf5.js';

export type KerasFormat = 'h5' | 'keras';

export interface KerasModel {
  readonly format: KerasFormat;
  /** `2.15.0`, `3.6.0`, ...; undefined when the file does not say. */
  readonly kerasVersion: string | undefined;
  readonly backend: string | undefined;
  readonly graph: KGraph;
  /**
   * A layer's weights in the order Keras keeps them. In a .keras archive, `subs` are the
   * sub-objects to read, in order (`['cell']` for an LSTM); a legacy .h5 lists them all itself.
   */
  weights(layer: KLayer, subs: readonly string[]): H5Tensor[];
}

const fail = (file: string, detail: string): LayergenError => new LayergenError(detail, { file });

function parseJson(text: string, file: string, what: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw fail(file, `${what} is not valid JSON (${(e as Error).message})`);
  }
}

function graphOf(config: Json, file: string): KGraph {
  try {
    return parseGraph(config);
  } catch (e) {
    if (e instanceof NodeError) throw fail(file, `model config: ${e.message}`);
    throw e;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Opens a Keras model (`format` from the file extension), runs `fn` on it while its weights file is open. */
export async function withKerasModel<T>(bytes: Uint8Array, file: string, format: KerasFormat, fn: (m: KerasModel) => T): Promise<T> {
  return format === 'h5' ? withLegacyH5(bytes, file, fn) : withKerasArchive(bytes, file, fn);
}

async function withLegacyH5<T>(bytes: Uint8Array, file: string, fn: (m: KerasModel) => T): Promise<T> {
  return withHdf5(bytes, file, 'the file', (h5) => {
    const text = h5.attr('/', 'model_config');
    if (typeof text !== 'string') {
      const hint = h5.keys('/').some((k) => k !== 'model_weights') || h5.attr('/', 'layer_names') !== undefined
        ? ': it holds weights only (model.save_weights); save the whole model with model.save("model.h5") or model.save("model.keras")'
        : '';
      throw fail(file, `not a Keras model: the HDF5 file has no "model_config" attribute${hint}`);
    }
    const graph = graphOf(parseJson(text, file, 'the model_config attribute'), file);
    if (!h5.isGroup('model_weights')) throw fail(file, 'the HDF5 file has no "model_weights" group (saved without weights?)');
    return fn({
      format: 'h5',
      kerasVersion: str(h5.attr('/', 'keras_version')) ?? str(h5.attr('model_weights', 'keras_version')),
      backend: str(h5.attr('/', 'backend')) ?? str(h5.attr('model_weights', 'backend')),
      graph,
      weights: (layer) => legacyWeights(h5, layer),
    });
  }, true);
}

/** An attribute holding a list of names, possibly split into `name0`, `name1`, ... (save_attributes_to_hdf5_group). */
function nameList(h5: Hdf5File, path: string, name: string): string[] {
  const whole = h5.attr(path, name);
  const parts = whole !== undefined ? [whole] : [];
  for (let k = 0; whole === undefined; k++) {
    const part = h5.attr(path, `${name}${k}`);
    if (part === undefined) break;
    parts.push(part);
  }
  return parts.flatMap((p) => (Array.isArray(p) ? p : [p])).map(String);
}

function legacyWeights(h5: Hdf5File, layer: KLayer): H5Tensor[] {
  const group = `model_weights/${layer.name}`;
  if (!h5.isGroup(group)) return [];
  return nameList(h5, group, 'weight_names').map((w) => {
    const t = h5.tensor(`${group}/${w}`);
    if (!t) throw new NodeError(`weight "${w}" listed in weight_names is missing from the file`);
    return t;
  });
}

async function withKerasArchive<T>(bytes: Uint8Array, file: string, fn: (m: KerasModel) => T): Promise<T> {
  const members = new Map(readZip(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), file).map((m) => [m.name, m.data]));
  const text = (name: string): string | undefined => {
    const m = members.get(name);
    return m ? Buffer.from(m).toString('utf8') : undefined;
  };
  const configText = text('config.json');
  if (configText === undefined) throw fail(file, `not a .keras archive: no config.json (members: ${[...members.keys()].join(', ') || 'none'})`);
  const graph = graphOf(parseJson(configText, file, 'config.json'), file);
  const metaText = text('metadata.json');
  const meta = metaText !== undefined ? parseJson(metaText, file, 'metadata.json') : null;
  const weightsFile = members.get('model.weights.h5');
  if (!weightsFile) {
    const npz = members.has('model.weights.npz') ? ' (weights saved as model.weights.npz: save with the default weights format, h5)' : '';
    throw fail(file, `the .keras archive has no model.weights.h5${npz}`);
  }
  return withHdf5(weightsFile, file, 'model.weights.h5 in the archive', (h5) =>
    fn({
      format: 'keras',
      kerasVersion: isObject(meta) ? str(meta.keras_version) : undefined,
      backend: undefined,
      graph,
      weights: (layer, subs) => archiveWeights(h5, layer, subs),
    }),
  );
}

function archiveWeights(h5: Hdf5File, layer: KLayer, subs: readonly string[]): H5Tensor[] {
  let base = layer.path;
  if (!h5.isGroup(base) && h5.isGroup('_layer_checkpoint_dependencies')) base = base.replace(/^layers\//, '_layer_checkpoint_dependencies/');
  return subs.flatMap((sub) => {
    const vars = [base, sub, 'vars'].filter(Boolean).join('/');
    return h5
      .keys(vars)
      .filter((k) => /^\d+$/.test(k))
      .sort((a, b) => Number(a) - Number(b))
      .flatMap((k) => {
        const t = h5.tensor(`${vars}/${k}`);
        return t ? [t] : [];
      });
  });
}
