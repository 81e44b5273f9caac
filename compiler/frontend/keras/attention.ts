/**
 * Keras MultiHeadAttention -> layergen layers, for 3-d inputs (batch, tokens, features) and the
 * default attention axis: the query, key and value projections are linear layers (Keras' kernels
 * [features, heads, key_dim] flattened and transposed), the heads are split with reshape and
 * permute, `attention` does softmax(q kᵀ / sqrt(key_dim)) v per head (causal when called with
 * use_causal_mask=True), and the heads are merged into the output projection (kernel
 * [heads, value_dim, out]). Called as mha(query, value[, key]), positionally or by keyword.
 *
 * Weights: in a .keras archive, the sub-layers `query_dense`, `key_dense`, `value_dense` and
 * `output_dense` (`_query_dense`, ... in Keras 3.0.0–3.0.2), each kernel then bias; in a legacy
 * .h5, `query/kernel`, `query/bias`, ..., `attention_output/bias`, in that order.
 */
import { transpose2 } from '../../ir/transpose.js';
import { NodeError } from '../onnx/model.js';
import type { Source } from '../onnx/values.js';
import { bool, keras, num, type Cx, type Mapper, type WeightSpec } from './common.js';

const SUBS = ['query_dense', 'key_dense', 'value_dense', 'output_dense'];

function projectionWeights(cx: Cx, want: readonly WeightSpec[]): Float64Array[] {
  try {
    return cx.weights(want, SUBS);
  } catch (e) {
    if (cx.model.format !== 'keras' || !(e instanceof NodeError) || !/missing weights/.test(e.message)) throw e;
    return cx.weights(want, SUBS.map((s) => `_${s}`));
  }
}

function outputDim(v: unknown, query: number): number {
  if (v === undefined || v === null) return query;
  const d = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) throw new NodeError(`output_shape ${JSON.stringify(v)}: layergen takes one output size`);
  return d;
}

const multiHeadAttention: Mapper = (cx) => {
  const c = cx.config;
  const heads = num(c, 'num_heads');
  const keyDim = num(c, 'key_dim');
  const valueDim = num(c, 'value_dim', keyDim);
  const bias = bool(c, 'use_bias', true);
  if (bool(c, 'use_gate', false)) throw new NodeError('use_gate=True (gated attention) is not supported');
  if (c.sliding_window !== undefined && c.sliding_window !== null) throw new NodeError('sliding_window attention is not supported');
  const axes = c.attention_axes;
  if (!(axes === undefined || axes === null || (Array.isArray(axes) && axes.length === 1 && (axes[0] === 1 || axes[0] === -2)))) {
    throw new NodeError(`attention_axes ${JSON.stringify(axes)}: layergen attends over the tokens axis (1) of [batch, tokens, features] inputs`);
  }
  if (cx.ins.length < 2 || cx.ins.length > 3) throw new NodeError(`expected a query and a value (and a key), got ${cx.ins.length} inputs`);
  const [q, v] = [cx.x(0), cx.x(1)];
  const k = cx.ins.length === 3 ? cx.x(2) : v;
  for (const [t, what] of [[q, 'query'], [v, 'value'], [k, 'key']] as const) {
    if (t.shape.length !== 2) throw new NodeError(`the ${what} has shape [batch, ${t.shape.join(', ')}]; layergen takes [batch, tokens, features]`);
  }
  if (k.shape[0] !== v.shape[0]) throw new NodeError(`key [batch, ${k.shape.join(', ')}] and value [batch, ${v.shape.join(', ')}] must have the same number of tokens`);
  const causal = cx.layer.kwargs?.use_causal_mask === true;
  const [T, Dq] = q.shape as [number, number];
  const [S, Dv] = v.shape as [number, number];
  const Dk = k.shape[1]!;
  const out = outputDim(c.output_shape, Dq);
  const [hk, hv] = [heads * keyDim, heads * valueDim];
  const spec = (name: string, kernel: number[], b: number[]): WeightSpec[] => [{ name: `${name}/kernel`, shape: kernel }, ...(bias ? [{ name: `${name}/bias`, shape: b }] : [])];
  const w = projectionWeights(cx, [
    ...spec('query', [Dq, heads, keyDim], [heads, keyDim]),
    ...spec('key', [Dk, heads, keyDim], [heads, keyDim]),
    ...spec('value', [Dv, heads, valueDim], [heads, valueDim]),
    ...spec('attention_output', [heads, valueDim, out], [out]),
  ]);
  const per = bias ? 2 : 1;
  const linear = (x: Source, i: number, inF: number, units: number, sub?: string): Source => {
    const kernel = w[i * per]!;
    const params = { weight: { shape: [units, inF], data: transpose2(kernel, inF, units) }, ...(bias ? { bias: { shape: [units], data: w[i * per + 1]! } } : {}) };
    return cx.add('linear', [x], { units, ...(bias ? {} : { bias: false }) }, params, sub);
  };
  // [tokens, heads * d] -> [heads, tokens, d]
  const split = (x: Source, tokens: number, d: number, name: string): Source =>
    cx.add('permute', [cx.add('reshape', [x], { shape: [tokens, heads, d] }, {}, `${name}_heads`)], { dims: [1, 0, 2] }, {}, `${name}_h`);
  const qh = split(linear(q, 0, Dq, hk, 'query'), T, keyDim, 'query');
  const kh = split(linear(k, 1, Dk, hk, 'key'), S, keyDim, 'key');
  const vh = split(linear(v, 2, Dv, hv, 'value'), S, valueDim, 'value');
  const att = cx.add('attention', [qh, kh, vh], { ...(causal ? { causal: true } : {}), scale: 1 / Math.sqrt(keyDim) }, {}, 'attention');
  const merged = cx.add('reshape', [cx.add('permute', [att], { dims: [1, 0, 2] }, {}, 'tokens')], { shape: [T, hv] }, {}, 'merged');
  return [keras(linear(merged, 3, hv, out))];
};

export const ATTENTION_LAYERS: Readonly<Record<string, Mapper>> = {
  MultiHeadAttention: multiHeadAttention,
};
