/**
 * A Keras model config (the JSON of `model_config` in a legacy .h5, or `config.json` in a .keras
 * archive) as a layer graph: Sequential (a chain) or Functional (`inbound_nodes` in Keras 3's
 * form, `{"args": [...keras tensors...], "kwargs": {...}}`, or Keras 2's `[[name, node, tensor,
 * kwargs], ...]`). Each layer also gets the path Keras 3 stores its variables under in a .keras
 * archive: `layers/<snake_case(class)>[_<n>]`, counted per class in the model's layer order.
 */
import { NodeError } from '../onnx/model.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** The output `tensor` of layer `layer`. */
export interface KRef {
  readonly layer: string;
  readonly tensor: number;
}

export interface KLayer {
  readonly name: string;
  readonly className: string;
  readonly config: JsonObject;
  readonly inputs: readonly KRef[];
  /** Where a .keras archive keeps its variables (without `/vars`). */
  readonly path: string;
  /** The call's arguments other than tensors (`use_causal_mask: true`). */
  readonly kwargs?: JsonObject;
}

/**
 * Call arguments, by position, that layers take as tensors besides their first: a tensor passed by
 * keyword (`mha(query=a, value=b)`) is placed at its position. Other tensors passed by keyword
 * (initial states, masks, constants) are refused.
 */
const TENSOR_ARGS: Readonly<Record<string, readonly string[]>> = {
  MultiHeadAttention: ['query', 'value', 'key'],
};

export interface KGraph {
  /** `Sequential` or `Functional` (Keras 2 also says `Model`). */
  readonly className: string;
  readonly name: string;
  /** Every layer, InputLayers included, in the config's (topological) order. */
  readonly layers: readonly KLayer[];
  readonly inputs: readonly KRef[];
  readonly outputs: readonly KRef[];
}

export const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keras' naming.to_snake_case, used for the variable paths of a .keras archive. */
export function snakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

export function parseGraph(model: Json): KGraph {
  if (!isObject(model) || typeof model.class_name !== 'string' || !isObject(model.config)) {
    throw new NodeError('the model config is not a Keras model ({"class_name": ..., "config": {...}})');
  }
  const cls = model.class_name;
  if (!MODEL_CLASSES.has(cls)) throw new NodeError(`model class ${cls}: layergen imports Sequential and Functional models (a subclassed model has no layer graph in its config)`);
  const config = model.config;
  const list = config.layers;
  if (!Array.isArray(list)) throw new NodeError(`the ${cls} config has no "layers" list`);
  const raw = list.map((l, i) => {
    if (!isObject(l) || typeof l.class_name !== 'string' || !isObject(l.config)) throw new NodeError(`layer #${i} of the config is not {"class_name": ..., "config": {...}}`);
    const name = typeof l.name === 'string' ? l.name : typeof l.config.name === 'string' ? l.config.name : `${snakeCase(l.class_name)}_${i}`;
    return { name, className: l.class_name, config: l.config, entry: l };
  });
  const counters = new Map<string, number>();
  const pathOf = (className: string): string => {
    const base = snakeCase(className);
    const n = counters.get(base);
    counters.set(base, n === undefined ? 0 : n + 1);
    return `layers/${n === undefined ? base : `${base}_${n + 1}`}`;
  };
  const seen = new Set<string>();
  for (const l of raw) {
    if (seen.has(l.name)) throw new NodeError(`two layers are named "${l.name}"`);
    seen.add(l.name);
  }
  const name = typeof config.name === 'string' ? config.name : snakeCase(cls);
  return cls === 'Sequential' ? sequential(raw, config, name, pathOf) : functional(raw, config, cls, name, pathOf);
}

type Raw = { name: string; className: string; config: JsonObject; entry: JsonObject };

function sequential(raw: Raw[], config: JsonObject, name: string, pathOf: (c: string) => string): KGraph {
  const layers: KLayer[] = [];
  let prev: KRef;
  const first = raw[0];
  if (first?.className === 'InputLayer') {
    layers.push({ name: first.name, className: 'InputLayer', config: first.config, inputs: [], path: pathOf('InputLayer') });
    prev = { layer: first.name, tensor: 0 };
  } else {
    // No InputLayer: Keras 2 keeps batch_input_shape on the first layer, Keras 3 build_input_shape on the model.
    const shape = first?.config.batch_input_shape ?? first?.config.batch_shape ?? config.build_input_shape;
    if (!Array.isArray(shape)) throw new NodeError('the Sequential model has no input shape (no InputLayer, batch_input_shape or build_input_shape): build it with keras.Input(shape=...) before saving');
    const dtype = first?.config.dtype;
    const inputName = seenName(raw, 'input');
    layers.push({ name: inputName, className: 'InputLayer', config: { batch_shape: shape, dtype: typeof dtype === 'string' ? dtype : 'float32' }, inputs: [], path: pathOf('InputLayer') });
    prev = { layer: inputName, tensor: 0 };
  }
  const input = prev;
  for (const l of raw.slice(layers[0]!.name === first?.name ? 1 : 0)) {
    if (l.className === 'InputLayer') throw new NodeError(`InputLayer "${l.name}" in the middle of a Sequential model`);
    layers.push({ name: l.name, className: l.className, config: l.config, inputs: [prev], path: pathOf(l.className) });
    prev = { layer: l.name, tensor: 0 };
  }
  return { className: 'Sequential', name, layers, inputs: [input], outputs: [prev] };
}

function seenName(raw: Raw[], base: string): string {
  const names = new Set(raw.map((l) => l.name));
  let n = base;
  for (let k = 1; names.has(n); k++) n = `${base}_${k}`;
  return n;
}

function functional(raw: Raw[], config: JsonObject, cls: string, name: string, pathOf: (c: string) => string): KGraph {
  const layers = raw.map((l): KLayer => {
    const nodes = l.entry.inbound_nodes ?? [];
    if (!Array.isArray(nodes)) throw new NodeError(`layer "${l.name}": inbound_nodes is not a list`);
    if (nodes.length > 1) throw new NodeError(`layer "${l.name}" (${l.className}) is called ${nodes.length} times (a shared layer); layergen imports layers called once`);
    const call = nodes.length ? inboundRefs(nodes[0]!, l.name, TENSOR_ARGS[l.className] ?? []) : { inputs: [], kwargs: {} };
    return { name: l.name, className: l.className, config: l.config, inputs: call.inputs, kwargs: call.kwargs, path: pathOf(l.className) };
  });
  return { className: cls === 'Model' ? 'Functional' : cls, name, layers, inputs: refList(config.input_layers, 'input_layers'), outputs: refList(config.output_layers, 'output_layers') };
}

/** `[name, node, tensor]`, or a list (possibly nested in a dict) of them. */
function refList(v: Json | undefined, what: string): KRef[] {
  if (Array.isArray(v) && typeof v[0] === 'string') return [ref(v, what)];
  if (isObject(v)) return Object.values(v).flatMap((x) => refList(x, what));
  if (!Array.isArray(v) || v.length === 0) throw new NodeError(`the model config has no ${what}`);
  return v.flatMap((x) => refList(x, what));
}

function ref(v: Json, what: string): KRef {
  if (!Array.isArray(v) || typeof v[0] !== 'string' || typeof v[2] !== 'number') throw new NodeError(`${what}: expected [layer, node, tensor], got ${JSON.stringify(v)}`);
  if (v[1] !== 0) throw new NodeError(`${what}: ${JSON.stringify(v)} uses call #${v[1]} of layer "${v[0]}" (a shared layer); layergen imports layers called once`);
  return { layer: v[0], tensor: v[2] };
}

function inboundRefs(node: Json, layer: string, named: readonly string[]): { inputs: KRef[]; kwargs: JsonObject } {
  const where = `layer "${layer}"`;
  const kwargs: Record<string, Json> = {};
  if (isObject(node)) {
    // Keras 3: {"args": [...], "kwargs": {...}} with {"class_name": "__keras_tensor__", "config": {"keras_history": [...]}}.
    const out: KRef[] = [];
    collectTensors(node.args ?? [], out, where);
    const slots: (KRef | undefined)[] = [...out];
    for (const [k, v] of Object.entries(isObject(node.kwargs) ? node.kwargs : {})) {
      const kw: KRef[] = [];
      collectTensors(v, kw, where);
      if (!kw.length) kwargs[k] = v;
      else if (named.includes(k) && kw.length === 1) place(slots, named.indexOf(k), kw[0]!, k, where);
      else throw new NodeError(`${where} is called with a tensor for ${k}= (initial states, masks and constants are not supported)`);
    }
    return { inputs: packed(slots, named, where), kwargs };
  }
  if (!Array.isArray(node)) throw new NodeError(`${where}: unreadable inbound node ${JSON.stringify(node)}`);
  // Keras 2: [[name, node_index, tensor_index, kwargs], ...]; a tensor passed by keyword is
  // [name, node_index, tensor_index] in the first entry's kwargs.
  const slots: (KRef | undefined)[] = [];
  node.forEach((e, i) => {
    if (!Array.isArray(e) || typeof e[0] !== 'string') throw new NodeError(`${where}: unreadable inbound node ${JSON.stringify(e)}`);
    slots.push(ref([e[0], e[1] ?? 0, e[2] ?? 0], where));
    const kw = e[3];
    if (!isObject(kw)) return;
    for (const [k, v] of Object.entries(kw)) {
      const isRef = Array.isArray(v) && typeof v[0] === 'string' && typeof v[2] === 'number';
      if (k === 'initial_state' || k === 'mask' || k === 'constants' || (isRef && !named.includes(k))) {
        throw new NodeError(`${where} is called with ${k}= (initial states, masks and constants are not supported)`);
      }
      if (isRef) place(slots, named.indexOf(k), ref(v, where), k, where);
      else if (i === 0) kwargs[k] = v;
    }
  });
  return { inputs: packed(slots, named, where), kwargs };
}

function place(slots: (KRef | undefined)[], at: number, r: KRef, k: string, where: string): void {
  if (slots[at]) throw new NodeError(`${where}: ${k}= is given twice`);
  slots[at] = r;
}

/** The call's tensors in order; a gap (value= without query=) is an error. */
function packed(slots: readonly (KRef | undefined)[], named: readonly string[], where: string): KRef[] {
  const gap = Array.from(slots, (r, i) => (r ? -1 : i)).find((i) => i >= 0);
  if (gap !== undefined) throw new NodeError(`${where}: called without ${named[gap] ?? `argument ${gap + 1}`}= but with a later tensor argument`);
  return slots as KRef[];
}

function collectTensors(v: Json, out: KRef[], where: string): void {
  if (Array.isArray(v)) for (const x of v) collectTensors(x, out, where);
  else if (isObject(v)) {
    if (v.class_name === '__keras_tensor__' && isObject(v.config)) out.push(ref(v.config.keras_history ?? null, `${where}: keras_history`));
    else for (const x of Object.values(v)) collectTensors(x, out, where);
  }
}
