/**
 * The Keras import driver: layer graph (config.ts) + weights (load.ts) -> the layergen net draft
 * the ONNX importer also builds (onnx/net.ts), written by the same writer. Layers run in the
 * config's order; a layer that cannot be imported is recorded as a problem and its outputs
 * poisoned, so one run lists every unsupported layer by name and class.
 */
import { ATTENTION_LAYERS } from './attention.js';
import { NodeError } from '../onnx/model.js';
import { NetBuilder } from '../onnx/net.js';
import type { Converted, Problem } from '../onnx/convert.js';
import type { Source } from '../onnx/values.js';
import { ACTIVATION_LAYERS } from './activations.js';
import { checkWeights, keras, type Cx, type KValue, type Mapper } from './common.js';
import { isObject, type KLayer } from './config.js';
import { CORE_LAYERS } from './layers.js';
import type { KerasModel } from './load.js';
import { RECURRENT_LAYERS } from './recurrent.js';
import { SPATIAL_LAYERS } from './spatial.js';

export const MAPPERS: Readonly<Record<string, Mapper>> = { ...CORE_LAYERS, ...ATTENTION_LAYERS, ...ACTIVATION_LAYERS, ...RECURRENT_LAYERS, ...SPATIAL_LAYERS };

type Slot = KValue | { readonly poison: true };
const isPoison = (s: Slot): s is { poison: true } => 'poison' in s;

const INT_DTYPE = /^u?int(8|16|32|64)$/;

export function convertKeras(model: KerasModel): Converted {
  const net = new NetBuilder();
  const problems: Problem[] = [];
  const outs = new Map<string, readonly Slot[]>();
  const g = model.graph;
  const report = (l: KLayer, message: string) => problems.push({ where: `layer ${JSON.stringify(l.name)}`, op: l.className, message });
  const permutes = new Map<string, Source>();
  const embeddingOnly = (name: string) => {
    const users = g.layers.filter((l) => l.inputs.some((r) => r.layer === name));
    return users.length > 0 && users.every((l) => l.className === 'Embedding');
  };

  for (const layer of g.layers) {
    if (layer.className === 'InputLayer') {
      try {
        const { shape, dtype } = inputOf(layer);
        outs.set(layer.name, [keras(net.addInput(layer.name, shape, INT_DTYPE.test(dtype) || embeddingOnly(layer.name) ? 'int' : 'float'))]);
      } catch (e) {
        if (!(e instanceof NodeError)) throw e;
        report(layer, e.message);
        outs.set(layer.name, [{ poison: true }]);
      }
      continue;
    }
    const mapper = MAPPERS[layer.className];
    const ins: Slot[] = [];
    let missing: string | undefined;
    for (const r of layer.inputs) {
      const slot = outs.get(r.layer)?.[r.tensor];
      if (!slot) missing ??= `its input, output ${r.tensor} of layer "${r.layer}", is not computed before it`;
      else ins.push(slot);
    }
    const fail = (message: string) => {
      report(layer, message);
      outs.set(layer.name, [{ poison: true }]);
    };
    if (!mapper) {
      const nested = isObject(layer.config.layers ?? null) || Array.isArray(layer.config.layers) ? ` (a nested model: import it as a model of its own, or flatten it)` : '';
      fail(`unsupported layer ${layer.className}${nested}`);
      continue;
    }
    if (missing) {
      fail(missing);
      continue;
    }
    if (ins.some(isPoison)) {
      outs.set(layer.name, [{ poison: true }]);
      continue;
    }
    if (ins.length === 0) {
      fail('has no inputs');
      continue;
    }
    try {
      outs.set(layer.name, mapper(context(layer, ins as KValue[], net, model, permutes)));
    } catch (e) {
      if (!(e instanceof NodeError)) throw e;
      fail(e.message);
    }
  }

  const outputs: { onnxName: string; src: Source }[] = [];
  const taken = new Set<number>(net.inputs.map((i) => i.id));
  for (const r of g.outputs) {
    const slot = outs.get(r.layer)?.[r.tensor];
    if (!slot) {
      problems.push({ where: `output "${r.layer}"`, op: 'output', message: `output ${r.tensor} of layer "${r.layer}" is not computed` });
      continue;
    }
    if ('poison' in slot) continue;
    const layer = g.layers.find((l) => l.name === r.layer)!;
    let src = toKeras(slot, net, permutes, layer.name);
    if (taken.has(src.id)) src = net.add('identity', [src], {}, {}, 'identity', r.layer);
    taken.add(src.id);
    outputs.push({ onnxName: r.layer, src });
  }
  return { net, outputs, problems };
}

function inputOf(layer: KLayer): { shape: number[]; dtype: string } {
  const c = layer.config;
  const batch = c.batch_shape ?? c.batch_input_shape ?? null;
  if (!Array.isArray(batch)) throw new NodeError('has no batch_shape');
  const shape = batch.slice(1);
  if (shape.length === 0) throw new NodeError(`shape ${JSON.stringify(batch)} has nothing but the batch dimension`);
  if (!shape.every((d): d is number => typeof d === 'number' && Number.isInteger(d) && d > 0)) {
    throw new NodeError(`shape ${JSON.stringify(batch)} has a variable dimension besides the batch; layergen nets have fixed shapes (build the model with keras.Input(shape=(...)) of known sizes, e.g. the sequence length)`);
  }
  return { shape, dtype: typeof c.dtype === 'string' ? c.dtype : 'float32' };
}

/** A value in Keras' layout: a permute layer [C, ...spatial] -> [...spatial, C] where it is channels-first. */
function toKeras(v: KValue, net: NetBuilder, permutes: Map<string, Source>, consumer: string): Source {
  if (!v.cf || v.src.shape.length < 2) return v.src;
  const r = v.src.shape.length;
  return permute(v.src, [...Array.from({ length: r - 1 }, (_, i) => i + 1), 0], net, permutes, `${consumer}_channels_last`, consumer);
}

function permute(src: Source, dims: number[], net: NetBuilder, cache: Map<string, Source>, hint: string, node: string): Source {
  const key = `${src.id}:${dims.join()}`;
  let p = cache.get(key);
  if (!p) {
    p = net.add('permute', [src], { dims }, {}, hint, node);
    cache.set(key, p);
  }
  return p;
}

function context(layer: KLayer, ins: readonly KValue[], net: NetBuilder, model: KerasModel, permutes: Map<string, Source>): Cx {
  const at = (i: number): KValue => {
    const v = ins[i];
    if (!v) throw new NodeError(`expected an input #${i}, the layer has ${ins.length}`);
    return v;
  };
  return {
    layer,
    config: layer.config,
    net,
    model,
    ins,
    x: (i = 0) => toKeras(at(i), net, permutes, layer.name),
    cf: (i = 0) => {
      const v = at(i);
      const r = v.src.shape.length;
      if (v.cf || r < 2) return v.src;
      return permute(v.src, [r - 1, ...Array.from({ length: r - 1 }, (_, k) => k)], net, permutes, `${layer.name}_channels_first`, layer.name);
    },
    add: (type, inputs, attrs = {}, params = {}, sub) => net.add(type, inputs, attrs, params, sub ? `${layer.name}_${sub}` : layer.name, layer.name),
    weights: (want, subs = ['']) => checkWeights(model.weights(layer, subs), want),
  };
}
