/** net.yaml text -> NetSpec: structure, key and value checks, against the op registry's schemas. */
import type { Node as YNode } from 'yaml';
import { isMap, isSeq } from 'yaml';
import type { AttrValue } from '../ir/graph.js';
import { OPS, lookupOp } from '../ops/registry.js';
import type { AttrSpec } from '../ops/types.js';
import { FORBIDDEN_NAME, LAYER_NAME, NET_NAME, type InputSpec, type LayerSpec, type NetSpec, type OutputSpec, type ParamValue } from './spec.js';
import { YamlReader, describe } from './yamlReader.js';
import { throwProblems } from '../errors.js';
import { closest } from '../suggest.js';

const TOP_KEYS = ['name', 'inputs', 'layers', 'outputs', 'weights', 'seed'];
const LAYER_KEYS = ['name', 'type', 'input', 'inputs', 'params'];

export function parseNet(text: string, file: string): NetSpec {
  const r: YamlReader = new YamlReader(file, text);
  const top = r.map(r.root, 'net', TOP_KEYS);
  const need = (k: string): YNode => {
    const p = top.get(k);
    if (!p) r.fail(r.root, `net: missing required key "${k}"`);
    return p.value as YNode;
  };
  const nameNode = need('name');
  const name = r.string(nameNode, 'name');
  if (!NET_NAME.test(name)) r.fail(nameNode, `name: "${name}" is not a valid module name ([A-Za-z_][A-Za-z0-9_]*)`);
  const inputs = r.collect(() => parseInputs(r, need('inputs'))) ?? [];
  const layersNode = need('layers');
  const items = r.seq(layersNode, 'layers');
  if (items.length === 0) r.fail(layersNode, 'layers: expected at least one layer');
  const counts = new Map<string, number>();
  // Each layer's problems are recorded and parsing goes on: the whole file's are reported at once.
  const layers = items.flatMap((item) => r.collect(() => parseLayer(r, item, counts)) ?? []);
  const outputsNode = top.get('outputs')?.value as YNode | undefined;
  const outputs = outputsNode === undefined ? undefined : r.collect(() => outputList(r, outputsNode));
  const w = top.get('weights')?.value as YNode | undefined;
  const s = top.get('seed')?.value as YNode | undefined;
  const seed = s === undefined ? undefined : r.collect(() => seedValue(r, s));
  const weights = w === undefined ? undefined : r.collect(() => r.string(w, 'weights'));
  throwProblems(r.problems);
  return {
    file,
    name,
    inputs,
    layers,
    ...(outputs ? { outputs } : {}),
    ...(w !== undefined ? { weights: { path: weights!, place: r.place(w) } } : {}),
    ...(s !== undefined ? { seed: { value: seed!, place: r.place(s) } } : {}),
  };
}

function seedValue(r: YamlReader, n: YNode): number {
  const v = r.int(n, 'seed', undefined, 0);
  if (v > 0xffffffff) r.fail(n, `seed: expected an integer in 0..4294967295, got ${v}`);
  return v;
}

function parseInputs(r: YamlReader, node: YNode): InputSpec[] {
  const m = r.map(node, 'inputs', null);
  if (m.size === 0) r.fail(node, 'inputs: expected at least one input');
  return [...m].map(([name, pair]) => {
    const what = `input "${name}"`;
    if (!LAYER_NAME.test(name) || name.includes('.')) r.fail(pair.key, `${what}: invalid name (use [A-Za-z_][A-Za-z0-9_-]*)`);
    if (name === FORBIDDEN_NAME) r.fail(pair.key, `${what}: the name __proto__ cannot be used (as an object key it sets the prototype, and the input would be lost)`);
    let shapeNode = pair.value as YNode;
    let dtype: 'float' | 'int' = 'float';
    let axisNode: YNode | undefined;
    if (isMap(shapeNode)) {
      const d = r.map(shapeNode, what, ['shape', 'dtype', 'batch_axis']);
      axisNode = d.get('batch_axis')?.value as YNode | undefined;
      const dt = d.get('dtype')?.value as YNode | undefined;
      if (dt !== undefined) {
        const s = r.string(dt, `${what}: dtype`);
        if (s !== 'float' && s !== 'int') r.fail(dt, `${what}: dtype must be float or int, got "${s}"`);
        dtype = s;
      }
      const sh = d.get('shape');
      if (!sh) r.fail(shapeNode, `${what}: missing "shape"`);
      shapeNode = sh.value as YNode;
    }
    const dims = r.seq(shapeNode, `${what}: shape`).map((d) => r.int(d, `${what}: shape`, undefined, 1));
    if (dims.length === 0) r.fail(shapeNode, `${what}: shape must have at least one dimension`);
    const batchAxis = axisNode === undefined ? 0 : batchAxisValue(r, axisNode, what, dims.length);
    return { name, shape: dims, dtype, ...(batchAxis ? { batchAxis } : {}), place: r.place(pair.key) };
  });
}

/** `batch_axis`: 0 (first, the default) up to `rank` (last) in predictBatch's layout. */
function batchAxisValue(r: YamlReader, n: YNode, what: string, rank?: number): number {
  const v = r.int(n, `${what}: batch_axis`, undefined, 0);
  if (rank !== undefined && v > rank) r.fail(n, `${what}: batch_axis must be in 0..${rank} (the shape has ${rank} axes), got ${v}`);
  return v;
}

/** `outputs:` a name, or a list of names and `{name, batch_axis}` maps. */
function outputList(r: YamlReader, node: YNode): OutputSpec[] {
  const items = isSeq(node) ? r.seq(node, 'outputs') : [node];
  if (items.length === 0) r.fail(node, 'outputs: expected at least one name');
  return items.map((n) => {
    if (!isMap(n)) return { name: r.string(n, 'outputs'), place: r.place(n) };
    const m = r.map(n, 'outputs', ['name', 'batch_axis']);
    const nameNode = m.get('name')?.value as YNode | undefined;
    if (nameNode === undefined) r.fail(n, 'outputs: missing "name"');
    const name = r.string(nameNode, 'outputs: name');
    const a = m.get('batch_axis')?.value as YNode | undefined;
    // The rank is the layer's, known after shape inference (checked there).
    const batchAxis = a === undefined ? 0 : batchAxisValue(r, a, `output "${name}"`);
    return { name, ...(batchAxis ? { batchAxis } : {}), place: r.place(nameNode) };
  });
}

function refList(r: YamlReader, node: YNode, what: string, layer?: string): { name: string; place: ReturnType<YamlReader['place']> }[] {
  const items = isSeq(node) ? r.seq(node, what, layer) : [node];
  if (items.length === 0) r.fail(node, `${what}: expected at least one name`, layer);
  return items.map((n) => ({ name: r.string(n, what, layer), place: r.place(n) }));
}

function parseLayer(r: YamlReader, node: YNode, counts: Map<string, number>): LayerSpec {
  if (!isMap(node)) r.fail(node, `layers: each layer must be a mapping, got ${describe(node)}`);
  const raw = r.map(node, 'layer', null);
  const typeNode = raw.get('type')?.value as YNode | undefined;
  if (typeNode === undefined) r.fail(node, 'layer: missing required key "type"');
  const type = r.string(typeNode, 'type');
  const op = lookupOp(type);
  const nameNode = raw.get('name')?.value as YNode | undefined;
  let name: string;
  if (nameNode !== undefined) {
    name = r.string(nameNode, 'name');
    if (!LAYER_NAME.test(name)) r.fail(nameNode, `name: "${name}" is not a valid layer name ([A-Za-z_][A-Za-z0-9_.-]*)`);
    if (name === FORBIDDEN_NAME) r.fail(nameNode, 'name: the name __proto__ cannot be used (as an object key it sets the prototype, and the output would be lost)');
  } else {
    const n = (counts.get(type) ?? 0) + 1;
    counts.set(type, n);
    name = `${type}${n}`;
  }
  if (!op || op.internal) {
    const known = OPS.filter((o) => !o.internal).map((o) => o.type);
    const guess = closest(type, known);
    r.fail(typeNode, `unknown layer type "${type}"${guess ? `; did you mean "${guess}"? (\`layergen layers\` lists them all)` : ` (known: ${known.join(', ')})`}`, name);
  }
  const allowed = [...LAYER_KEYS, ...Object.keys(op.attrs)];
  r.map(node, `layer`, allowed, name);
  // A misspelt key (`unitz`) is reported once, as unknown with its suggestion, not also as missing.
  const misspelt = new Set([...raw.keys()].filter((k) => !allowed.includes(k)).map((k) => closest(k, allowed)));
  const attrs: Record<string, AttrValue> = {};
  for (const [key, spec] of Object.entries(op.attrs)) {
    const v = raw.get(key)?.value as YNode | undefined;
    if (v === undefined) {
      if (spec.default === undefined) {
        if (!misspelt.has(key)) r.collect(() => r.fail(node, `missing required key "${key}" (${spec.doc})`, name));
      }
      else attrs[key] = spec.default;
    } else {
      const value = r.collect(() => attrValue(r, v, key, spec, name));
      if (value !== undefined) attrs[key] = value;
    }
  }
  const one = raw.get('input')?.value as YNode | undefined;
  const many = raw.get('inputs')?.value as YNode | undefined;
  if (one !== undefined && many !== undefined) r.fail(many, 'give either "input" or "inputs", not both', name);
  let inputs: LayerSpec['inputs'];
  if (one !== undefined) inputs = [{ name: r.string(one, 'input', name), place: r.place(one) }];
  if (many !== undefined) inputs = refList(r, many, 'inputs', name);
  const paramsNode = raw.get('params')?.value as YNode | undefined;
  const params: Record<string, ParamValue> = {};
  if (paramsNode !== undefined) {
    for (const [p, pair] of r.map(paramsNode, 'params', null, name)) {
      const t = r.tensor(pair.value as YNode, `params.${p}`, name);
      params[p] = { ...t, place: r.place(pair.key) };
    }
  }
  return { name, type, ...(inputs ? { inputs } : {}), attrs, params, place: r.place(node) };
}

function attrValue(r: YamlReader, n: YNode, key: string, spec: AttrSpec, layer: string): AttrValue {
  switch (spec.type) {
    case 'int':
      return r.int(n, key, layer, spec.min);
    case 'float': {
      const v = r.number(n, key, layer);
      if (spec.min !== undefined && v < spec.min) r.fail(n, `${key}: expected a number >= ${spec.min}, got ${v}`, layer);
      return v;
    }
    case 'bool':
      return r.bool(n, key, layer);
    case 'enum': {
      const v = r.string(n, key, layer);
      if (!spec.values.includes(v)) r.fail(n, `${key}: expected one of ${spec.values.join(', ')}, got "${v}"`, layer);
      return v;
    }
    case 'ints': {
      if (spec.words && !isSeq(n) && typeof r.scalar(n) === 'string') {
        const w = r.string(n, key, layer);
        if (!spec.words.includes(w)) r.fail(n, `${key}: expected an int, a list of ints, or one of ${spec.words.join(', ')}, got "${w}"`, layer);
        return w;
      }
      return isSeq(n) ? r.seq(n, key, layer).map((d) => r.int(d, key, layer)) : [r.int(n, key, layer)];
    }
    case 'refs': {
      const out: Record<string, string> = {};
      for (const [k, pair] of r.map(n, key, spec.keys, layer)) out[k] = r.string(pair.value as YNode, `${key}.${k}`, layer);
      return out;
    }
  }
}
