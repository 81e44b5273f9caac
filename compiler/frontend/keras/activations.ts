/**
 * Keras activations (the `activation` strings of Dense, Conv and Activation layers, and the
 * activation layers ReLU, LeakyReLU, ELU, Softmax) as layergen layers, with Keras' constants:
 * `leaky_relu` slopes 0.2 (the function, Keras 3) or 0.3 (the layer), `gelu` exact unless
 * approximate=True, `hard_sigmoid` relu6(x + 3) / 6 in Keras 3 but 0.2 x + 0.5 in Keras 2.
 */
import { NodeError } from '../onnx/model.js';
import { keras, num, type Cx, type KValue, type Mapper } from './common.js';
import { isObject, type Json, type JsonObject } from './config.js';

type Act = { readonly type: string; readonly attrs?: Readonly<Record<string, number | string>> } | null;

const SIMPLE: Readonly<Record<string, Act>> = {
  linear: null,
  relu: { type: 'relu' },
  sigmoid: { type: 'sigmoid' },
  tanh: { type: 'tanh' },
  softmax: { type: 'softmax' },
  log_softmax: { type: 'log_softmax' },
  elu: { type: 'elu' },
  selu: { type: 'selu' },
  gelu: { type: 'gelu' },
  silu: { type: 'silu' },
  swish: { type: 'silu' },
  softplus: { type: 'softplus' },
  softsign: { type: 'softsign' },
  relu6: { type: 'relu6' },
  hard_tanh: { type: 'hardtanh' },
  leaky_relu: { type: 'leaky_relu', attrs: { slope: 0.2 } },
  mish: { type: 'mish' },
  log_sigmoid: { type: 'logsigmoid' },
  hard_silu: { type: 'hardswish' },
  hard_swish: { type: 'hardswish' },
  celu: { type: 'celu' },
  tanh_shrink: { type: 'tanhshrink' },
  soft_shrink: { type: 'softshrink' },
  hard_shrink: { type: 'hardshrink' },
  exponential: { type: 'exp' },
};

export const kerasMajor = (version: string | undefined): number | undefined => {
  const m = /^(\d+)\./.exec(version ?? '');
  return m ? Number(m[1]) : undefined;
};

/** The layergen layer for a Keras activation identifier (a name, or a serialized function); null for linear. */
export function activationOf(cx: Cx, value: Json | undefined): Act {
  let name = value ?? 'linear';
  // Serialized forms: {"class_name": "function", "config": "relu"} or {"class_name": "relu", ...}.
  if (isObject(name)) name = typeof name.config === 'string' ? name.config : typeof name.class_name === 'string' ? name.class_name : JSON.stringify(name);
  if (typeof name !== 'string') throw new NodeError(`activation ${JSON.stringify(value)} is not a name`);
  if (name === 'hard_sigmoid') {
    const major = kerasMajor(cx.model.kerasVersion);
    if (major === 3) return { type: 'hardsigmoid' };
    throw new NodeError(
      major === undefined
        ? 'activation hard_sigmoid: the file does not say its Keras version, and Keras 2 (0.2 x + 0.5) and Keras 3 (relu6(x + 3) / 6) differ'
        : `activation hard_sigmoid of Keras ${cx.model.kerasVersion} is clip(0.2 x + 0.5, 0, 1); layergen's hardsigmoid is Keras 3's and PyTorch's clip(x / 6 + 0.5, 0, 1)`,
    );
  }
  const act = SIMPLE[name];
  if (act === undefined) throw new NodeError(`unsupported activation "${name}"`);
  return act;
}

/** Applies an activation to a source; the layer is named after the Keras layer (`sub` when more follow). */
export function applyActivation(cx: Cx, src: ReturnType<Cx['x']>, act: Act, sub?: string): ReturnType<Cx['x']> {
  return act ? cx.add(act.type, [src], act.attrs ?? {}, {}, sub) : src;
}

/** A pointwise activation keeps the layout of its input (no permutes around it). */
function pointwise(cx: Cx, act: Act): KValue[] {
  const v = cx.ins[0]!;
  if (!act) return [v];
  return [{ ...v, src: cx.add(act.type, [v.src], act.attrs ?? {}, {}) }];
}

/** Softmax over Keras axis `axis` (counted with the batch axis; negative from the end). */
function softmax(cx: Cx, axis: number): KValue[] {
  const x = cx.x();
  const rank = x.shape.length;
  const a = axis < 0 ? axis + rank + 1 : axis;
  if (a === 0) throw new NodeError('softmax over the batch axis');
  if (a < 1 || a > rank) throw new NodeError(`softmax axis ${axis} is out of range for rank ${rank + 1}`);
  return [keras(cx.add('softmax', [x], { axis: a === rank ? -1 : a - 1 }))];
}

const ofConfig = (c: JsonObject): number => {
  const a = c.axis ?? -1;
  if (typeof a === 'number') return a;
  if (Array.isArray(a) && a.length === 1 && typeof a[0] === 'number') return a[0];
  throw new NodeError(`softmax over axes ${JSON.stringify(a)}: layergen's softmax takes one axis`);
};

export const ACTIVATION_LAYERS: Readonly<Record<string, Mapper>> = {
  Activation: (cx) => {
    const act = activationOf(cx, cx.config.activation);
    return act?.type === 'softmax' || act?.type === 'log_softmax' ? softmaxLike(cx, act.type) : pointwise(cx, act);
  },
  ReLU: (cx) => {
    const max = cx.config.max_value ?? null;
    const slope = num(cx.config, 'negative_slope', 0);
    const threshold = num(cx.config, 'threshold', 0);
    if (threshold !== 0) throw new NodeError(`ReLU with threshold ${threshold}: layergen's relu has threshold 0`);
    if (max === null) return pointwise(cx, slope === 0 ? { type: 'relu' } : { type: 'leaky_relu', attrs: { slope } });
    if (typeof max !== 'number' || slope !== 0) throw new NodeError(`ReLU with max_value ${JSON.stringify(max)} and negative_slope ${slope}: only max_value alone (hardtanh(0, max)) is supported`);
    return pointwise(cx, { type: 'hardtanh', attrs: { min: 0, max } });
  },
  // Keras 3 says negative_slope, Keras 2 alpha; both default to 0.3 for the layer.
  LeakyReLU: (cx) => pointwise(cx, { type: 'leaky_relu', attrs: { slope: num(cx.config, 'negative_slope', num(cx.config, 'alpha', 0.3)) } }),
  ELU: (cx) => pointwise(cx, { type: 'elu', attrs: { alpha: num(cx.config, 'alpha', 1) } }),
  Softmax: (cx) => {
    if (cx.ins.length > 1) throw new NodeError('Softmax with a mask input');
    return softmax(cx, ofConfig(cx.config));
  },
};

function softmaxLike(cx: Cx, type: 'softmax' | 'log_softmax'): KValue[] {
  return type === 'softmax' ? softmax(cx, -1) : [keras(cx.add('log_softmax', [cx.x()], {}))];
}

