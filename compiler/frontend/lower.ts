/** NetSpec -> graph: resolves references (default: the previous layer), rejects cycles, orders nodes. */
import { LayergenError, throwProblems, type Place } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { isInput, type Graph, type Node, type Output } from '../ir/graph.js';
import { getOp } from '../ops/registry.js';
import type { LayerSpec, NetSpec } from './spec.js';

export function lower(spec: NetSpec): Graph {
  const inputNames = new Set(spec.inputs.map((i) => i.name));
  const layers = new Map<string, LayerSpec>();
  for (const l of spec.layers) {
    if (layers.has(l.name)) throw new LayergenError(`duplicate layer name (first defined at line ${layers.get(l.name)!.place.line})`, l.place, l.name);
    if (inputNames.has(l.name)) throw new LayergenError('layer name is also the name of an input', l.place, l.name);
    layers.set(l.name, l);
  }
  const refs = new Map<string, { name: string; place: Place }[]>();
  spec.layers.forEach((l, i) => {
    if (l.inputs) {
      refs.set(l.name, [...l.inputs]);
      return;
    }
    if (getOp(l.type).arity.max === 0) {
      refs.set(l.name, []); // a source layer (constant) has no default input
      return;
    }
    if (i > 0) {
      refs.set(l.name, [{ name: spec.layers[i - 1]!.name, place: l.place }]);
      return;
    }
    if (spec.inputs.length !== 1) {
      throw new LayergenError(`the first layer needs "input:" because the net has ${spec.inputs.length} inputs`, l.place, l.name);
    }
    refs.set(l.name, [{ name: spec.inputs[0]!.name, place: l.place }]);
  });
  // Every layer's arity and reference problems are reported together.
  const problems: LayergenError[] = [];
  for (const l of spec.layers) {
    try {
      checkRefs(l, refs.get(l.name)!, layers, inputNames);
    } catch (e) {
      if (!(e instanceof LayergenError)) throw e;
      problems.push(e);
    }
  }
  throwProblems(problems);
  const order = topoOrder(spec, refs, layers);
  const ids = new Map<string, number>();
  const nodes: Node[] = [];
  for (const i of spec.inputs) {
    ids.set(i.name, nodes.length);
    nodes.push({
      id: nodes.length,
      op: 'input',
      name: i.name,
      inputs: [],
      attrs: i.batchAxis ? { batch_axis: i.batchAxis } : {},
      params: {},
      type: { shape: i.shape, dtype: i.dtype },
      place: i.place,
    });
  }
  for (const l of order) {
    ids.set(l.name, nodes.length);
    nodes.push({ id: nodes.length, op: l.type, name: l.name, inputs: refs.get(l.name)!.map((r) => ids.get(r.name)!), attrs: l.attrs, params: {}, place: l.place });
  }
  const outs = outputs(spec, ids, inputNames);
  needInputs(nodes, outs);
  return { name: spec.name, file: spec.file, nodes, inputs: spec.inputs.map((i) => ids.get(i.name)!), outputs: outs };
}

/** Every output must depend on some net input (constant layers alone give no per-example result). */
function needInputs(nodes: readonly Node[], outs: readonly Output[]): void {
  const fed = new Set<number>();
  for (const n of nodes) if (isInput(n) || n.inputs.some((i) => fed.has(i))) fed.add(n.id);
  for (const o of outs) {
    if (!fed.has(o.node)) {
      throw new LayergenError(`outputs: "${o.name}" depends on no net input (only on constant layers); a net computes its outputs from its inputs`, o.place);
    }
  }
}

function outputs(spec: NetSpec, ids: Map<string, number>, inputNames: Set<string>): Output[] {
  const last = spec.layers[spec.layers.length - 1]!;
  const list = spec.outputs ?? [{ name: last.name, place: last.place }];
  const seen = new Set<string>();
  return list.map((o) => {
    if (inputNames.has(o.name)) throw new LayergenError(`outputs: "${o.name}" is an input, not a layer`, o.place);
    if (!ids.has(o.name)) {
      const names = spec.layers.map((l) => l.name);
      throw new LayergenError(`outputs: unknown layer "${o.name}"${didYouMean(o.name, names)} (layers: ${names.join(', ')})`, o.place);
    }
    if (seen.has(o.name)) throw new LayergenError(`outputs: "${o.name}" is listed twice`, o.place);
    seen.add(o.name);
    return { name: o.name, node: ids.get(o.name)!, ...(o.batchAxis ? { batchAxis: o.batchAxis } : {}), place: o.place };
  });
}

/** Depth-first topological order of the layers; a cycle is an error that names its layers. */
function topoOrder(spec: NetSpec, refs: Map<string, { name: string }[]>, layers: Map<string, LayerSpec>): LayerSpec[] {
  const state = new Map<string, 'active' | 'done'>();
  const order: LayerSpec[] = [];
  const visit = (name: string, path: string[]): void => {
    const l = layers.get(name);
    if (!l || state.get(name) === 'done') return;
    if (state.get(name) === 'active') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new LayergenError(`cycle in the layer graph: ${cycle.join(' -> ')}`, l.place, name);
    }
    state.set(name, 'active');
    for (const r of refs.get(name)!) visit(r.name, [...path, name]);
    state.set(name, 'done');
    order.push(l);
  };
  for (const l of spec.layers) visit(l.name, []);
  return order;
}

/** A layer's input count, and that each of its references names an input or a layer. */
function checkRefs(l: LayerSpec, ins: { name: string; place: Place }[], layers: ReadonlyMap<string, LayerSpec>, inputNames: ReadonlySet<string>): void {
  const op = getOp(l.type);
  const { min, max } = op.arity;
  if (ins.length < min || ins.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new LayergenError(`${l.type} takes ${want} input${want === '1' ? '' : 's'}, got ${ins.length}`, l.place, l.name);
  }
  // Named references (e.g. `initial: {h: h0}`) become extra inputs, in the order the op lists them.
  for (const [key, spec] of Object.entries(op.attrs)) {
    if (spec.type !== 'refs') continue;
    const given = (l.attrs[key] ?? {}) as Readonly<Record<string, string>>;
    for (const k of spec.keys) if (given[k] !== undefined) ins.push({ name: given[k], place: l.place });
  }
  for (const r of ins) {
    if (!layers.has(r.name) && !inputNames.has(r.name)) {
      const known = [...inputNames, ...layers.keys()];
      throw new LayergenError(`unknown input "${r.name}"${didYouMean(r.name, known)} (inputs and layers: ${known.join(', ')})`, r.place, l.name);
    }
    if (r.name === l.name) throw new LayergenError('layer takes itself as input', r.place, l.name);
  }
}
