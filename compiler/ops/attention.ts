/**
 * Attention, as composites of layers defined elsewhere (matmul, permute, reshape, slice, softmax
 * with a mask, linear, layernorm), so every backend — the symbolic one included — gets them from
 * those definitions:
 * - `attention`: scaled dot-product attention, softmax(q kᵀ · scale + mask) v, optionally causal;
 * - `multihead_attention`: nn.MultiheadAttention(batch_first=True) — packed in-projection, heads,
 *   attention, output projection;
 * - `transformerencoderlayer`: nn.TransformerEncoderLayer(batch_first=True) at inference, with
 *   norm_first both ways and relu or gelu.
 * Per-example shapes: a sequence is [L, E] (tokens, features).
 */
import { ShapeError } from '../errors.js';
import { fmtShape, paramLabel, tensor, type Attrs, type Node, type Tensor, type TensorType } from '../ir/graph.js';
import { needFloat } from './shapeRules.js';
import type { OpDef, ParamSpec } from './types.js';

/** Builds the nodes of an expansion; `last` takes the place (id, name) of the composite. */
class Expansion {
  readonly nodes: Node[] = [];
  constructor(
    private readonly n: Node,
    private readonly fresh: () => number,
  ) {}

  add(op: string, part: string, inputs: readonly number[], attrs: Attrs = {}, params: Record<string, string> = {}): number {
    const id = this.fresh();
    // Parameters keep the composite's names (`attn.in_proj_weight`) for messages and symbolic parameters.
    const own = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, this.param(p)]));
    const origin = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, paramLabel(this.n, p)]));
    this.nodes.push({
      id,
      op,
      name: `${this.n.name}/${part}`,
      inputs: [...inputs],
      attrs,
      params: own,
      ...(Object.keys(params).length ? { origin } : {}),
      ...(this.n.place ? { place: this.n.place } : {}),
    });
    return id;
  }

  constant(part: string, value: Tensor): number {
    const id = this.fresh();
    this.nodes.push({ id, op: 'const', name: `${this.n.name}/${part}`, inputs: [], attrs: {}, params: { value }, type: { shape: [...value.shape], dtype: 'float' }, ...(this.n.place ? { place: this.n.place } : {}) });
    return id;
  }

  /** The composite's own node, with its id and name, as the result. */
  last(op: string, inputs: readonly number[], attrs: Attrs = {}, params: Record<string, string> = {}): Node[] {
    this.add(op, 'out', inputs, attrs, params);
    const node = this.nodes.pop()!;
    this.nodes.push({ ...node, id: this.n.id, name: this.n.name });
    return this.nodes;
  }

  private param(p: string): Tensor {
    const t = this.n.params[p];
    if (!t) throw new Error(`internal: ${this.n.op} "${this.n.name}" has no parameter ${p}`);
    return t;
  }
}

/** Swaps the last two axes of a rank-r tensor. */
const swapLast = (r: number): number[] => [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];

/** A [L, S] 0/1 mask keeping key s for query l when s <= l (torch's is_causal, top-left aligned). */
function causalMask(l: number, s: number): Tensor {
  return tensor([l, s], Array.from({ length: l * s }, (_, i) => (i % s <= Math.floor(i / s) ? 1 : 0)));
}

const LINEAR = (units: number, bias: boolean): Attrs => ({ units, bias });
const SOFTMAX: Attrs = { axis: -1 };

/** q, k, v (and an additive mask) -> softmax(q kᵀ scale + mask) v, as nodes of `x`. */
function attend(x: Expansion, q: number, k: number, v: number, mask: number | undefined, t: { q: TensorType; k: TensorType }, a: { causal: boolean; scale: number }): [number, number] {
  const r = t.q.shape.length;
  const kt = x.add('permute', 'k_t', [k], { dims: swapLast(r) });
  const scores = x.add('matmul', 'scores', [q, kt]);
  let logits = x.add('mul', 'scaled', [scores, x.constant('scale', tensor([1], [a.scale]))]);
  if (mask !== undefined) logits = x.add('add', 'masked', [logits, mask]);
  const inputs = a.causal ? [logits, x.constant('causal', causalMask(t.q.shape[r - 2]!, t.k.shape[r - 2]!))] : [logits];
  return [x.add('softmax', 'weights', inputs, SOFTMAX), v];
}

export const attention: OpDef = {
  type: 'attention',
  torch: 'F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal, scale=scale)',
  doc: 'softmax(q kᵀ · scale + mask) v over the last two axes (q [.., L, E], k [.., S, E], v [.., S, Ev]); an optional 4th input is an additive mask; causal keeps key s <= query l',
  attrs: {
    causal: { type: 'bool', default: false, doc: 'mask the keys after each query (torch is_causal)' },
    scale: { type: 'float', default: 0, doc: 'the factor of q kᵀ; 0 (the default) means 1 / sqrt(E)' },
  },
  arity: { min: 3, max: 4 },
  shape(_a, [q, k, v, mask]) {
    for (const [t, w] of [[q, 'query'], [k, 'key'], [v, 'value']] as const) {
      needFloat(t!, w);
      if (t!.shape.length < 2) throw new ShapeError(`the ${w} must be [tokens, features] (or with leading axes), got ${fmtShape(t!.shape)}`);
    }
    const [Q, K, V] = [q!.shape, k!.shape, v!.shape];
    if (Q.at(-1) !== K.at(-1)) throw new ShapeError(`query ${fmtShape(Q)} and key ${fmtShape(K)} must have the same feature size`);
    if (K.at(-2) !== V.at(-2)) throw new ShapeError(`key ${fmtShape(K)} and value ${fmtShape(V)} must have the same number of tokens`);
    if (Q.length !== K.length || Q.length !== V.length) throw new ShapeError(`query, key and value must have the same rank, got ${fmtShape(Q)}, ${fmtShape(K)}, ${fmtShape(V)}`);
    if (mask) needFloat(mask, 'mask');
    return { shape: [...Q.slice(0, -1), V.at(-1)!], dtype: 'float' };
  },
  expand(n, ins, fresh) {
    const x = new Expansion(n, fresh);
    const [q, k, v, mask] = n.inputs;
    const scale = (n.attrs.scale as number) || 1 / Math.sqrt(ins[0]!.shape.at(-1)!);
    const [weights, values] = attend(x, q!, k!, v!, mask, { q: ins[0]!, k: ins[1]! }, { causal: n.attrs.causal === true, scale });
    return x.last('matmul', [weights, values]);
  },
};

/** nn.MultiheadAttention's parameters (state_dict names). Seeded init: xavier-like in-projection, zero biases. */
function mhaParams(e: number, bias: boolean, prefix = ''): Record<string, ParamSpec> {
  return {
    [`${prefix}in_proj_weight`]: { shape: [3 * e, e], fanIn: (2 * e) / 3 },
    ...(bias ? { [`${prefix}in_proj_bias`]: { shape: [3 * e], fanIn: 1, init: 'zeros' } } : {}),
    [`${prefix}out_proj.weight`]: { shape: [e, e], fanIn: e },
    ...(bias ? { [`${prefix}out_proj.bias`]: { shape: [e], fanIn: 1, init: 'zeros' } } : {}),
  };
}

function needSequence(t: TensorType, what: string): void {
  needFloat(t, what);
  if (t.shape.length !== 2) throw new ShapeError(`the ${what} must be [tokens, features], got ${fmtShape(t.shape)}`);
}

/**
 * Multi-head attention on x (nodes of `x`): in-projection (one packed product for self-attention;
 * for separate query, key and value, the packed weight applied to each, its rows sliced),
 * heads [H, L, D], scaled dot-product attention, heads merged, output projection.
 */
function multihead(x: Expansion, ins: readonly number[], types: readonly TensorType[], a: { heads: number; bias: boolean; causal: boolean }, p = ''): { inputs: number[]; attrs: Attrs; params: Record<string, string> } {
  const e = types[0]!.shape[1]!;
  const h = a.heads;
  const d = e / h;
  const w = { weight: `${p}in_proj_weight`, ...(a.bias ? { bias: `${p}in_proj_bias` } : {}) };
  const packed = ins.length === 1 ? x.add('linear', 'in_proj', [ins[0]!], LINEAR(3 * e, a.bias), w) : undefined;
  const part = (i: number, name: string): number => {
    const src = packed ?? x.add('linear', `in_proj_${name}`, [ins[i]!], LINEAR(3 * e, a.bias), w);
    const cut = x.add('slice', name, [src], { axis: -1, start: i * e, end: (i + 1) * e, step: 1 });
    const tokens = types[ins.length === 1 ? 0 : i]!.shape[0]!;
    const split = x.add('reshape', `${name}_heads`, [cut], { shape: [tokens, h, d] });
    return x.add('permute', `${name}_h`, [split], { dims: [1, 0, 2] });
  };
  const [q, k, v] = [part(0, 'q'), part(1, 'k'), part(2, 'v')];
  const l = types[0]!.shape[0]!;
  const s = types[ins.length === 1 ? 0 : 1]!.shape[0]!;
  const [weights, values] = attend(x, q, k, v, undefined, { q: { shape: [h, l, d], dtype: 'float' }, k: { shape: [h, s, d], dtype: 'float' } }, { causal: a.causal, scale: 1 / Math.sqrt(d) });
  const heads = x.add('matmul', 'attended', [weights, values]);
  const merged = x.add('reshape', 'merged', [x.add('permute', 'tokens', [heads], { dims: [1, 0, 2] })], { shape: [l, e] });
  return { inputs: [merged], attrs: LINEAR(e, a.bias), params: { weight: `${p}out_proj.weight`, ...(a.bias ? { bias: `${p}out_proj.bias` } : {}) } };
}

const headAttrs = (heads: number, e: number): void => {
  if (e % heads !== 0) throw new ShapeError(`num_heads ${heads} must divide the feature size ${e}`);
};

export const multiheadAttention: OpDef = {
  type: 'multihead_attention',
  torch: 'nn.MultiheadAttention(E, num_heads, bias=bias, batch_first=True)(q, k, v, need_weights=False, is_causal=causal)[0]',
  doc: 'self-attention on one input [L, E], or attention of a query [L, E] on key and value [S, E]: packed in-projection, num_heads heads, output projection',
  attrs: {
    num_heads: { type: 'int', min: 1, doc: 'number of heads; divides E' },
    bias: { type: 'bool', default: true, doc: 'in- and out-projection biases' },
    causal: { type: 'bool', default: false, doc: 'each query attends to keys up to its own position' },
  },
  arity: { min: 1, max: 3 },
  params: (a, [q]) => mhaParams(q!.shape[1]!, a.bias as boolean),
  shape(a, ins) {
    if (ins.length === 2) throw new ShapeError('give one input (self-attention) or three (query, key, value)');
    ins.forEach((t, i) => needSequence(t, ['query', 'key', 'value'][i]!));
    const e = ins[0]!.shape[1]!;
    headAttrs(a.num_heads as number, e);
    if (ins.some((t) => t.shape[1] !== e)) throw new ShapeError(`query, key and value must all have ${e} features`);
    if (ins.length === 3 && ins[1]!.shape[0] !== ins[2]!.shape[0]) throw new ShapeError('key and value must have the same number of tokens');
    return ins[0]!;
  },
  expand(n, ins, fresh) {
    const x = new Expansion(n, fresh);
    const out = multihead(x, n.inputs, ins, { heads: n.attrs.num_heads as number, bias: n.attrs.bias as boolean, causal: n.attrs.causal === true });
    return x.last('linear', out.inputs, out.attrs, out.params);
  },
};

export const transformerEncoderLayer: OpDef = {
  type: 'transformerencoderlayer',
  torch: 'nn.TransformerEncoderLayer(E, nhead, dim_feedforward, activation, layer_norm_eps, batch_first=True, norm_first) in eval mode',
  doc: 'self-attention and a feed-forward block, each with a residual and a layernorm (after, or before with norm_first) on [L, E]',
  attrs: {
    nhead: { type: 'int', min: 1, doc: 'attention heads; divides E' },
    dim_feedforward: { type: 'int', min: 1, default: 2048, doc: 'hidden size of the feed-forward block' },
    activation: { type: 'enum', values: ['relu', 'gelu'], default: 'relu', doc: 'activation of the feed-forward block' },
    layer_norm_eps: { type: 'float', min: 0, default: 1e-5, doc: 'eps of both layernorms' },
    norm_first: { type: 'bool', default: false, doc: 'layernorm before each block (pre-norm) instead of after' },
    causal: { type: 'bool', default: false, doc: 'causal self-attention (src_mask = the causal mask)' },
  },
  arity: { min: 1, max: 1 },
  params(a, [x]) {
    const e = x!.shape[1]!;
    const f = a.dim_feedforward as number;
    const norm = (p: string): Record<string, ParamSpec> => ({
      [`${p}.weight`]: { shape: [e], fanIn: 1, init: 'ones' },
      [`${p}.bias`]: { shape: [e], fanIn: 1, init: 'zeros' },
    });
    return {
      ...mhaParams(e, true, 'self_attn.'),
      'linear1.weight': { shape: [f, e], fanIn: e },
      'linear1.bias': { shape: [f], fanIn: e },
      'linear2.weight': { shape: [e, f], fanIn: f },
      'linear2.bias': { shape: [e], fanIn: f },
      ...norm('norm1'),
      ...norm('norm2'),
    };
  },
  shape(a, [x]) {
    needSequence(x!, 'input');
    headAttrs(a.nhead as number, x!.shape[1]!);
    return x!;
  },
  expand(n, [t], fresh) {
    const x = new Expansion(n, fresh);
    const a = n.attrs;
    const e = t!.shape[1]!;
    const lnAttrs: Attrs = { eps: a.layer_norm_eps as number, affine: true, normalized_shape: [] };
    const lnParams = (p: string): Record<string, string> => ({ weight: `${p}.weight`, bias: `${p}.bias` });
    const ln = (p: string, src: number): number => x.add('layernorm', p, [src], lnAttrs, lnParams(p));
    const selfAttention = (src: number): number => {
      const out = multihead(x, [src], [t!], { heads: a.nhead as number, bias: true, causal: a.causal === true }, 'self_attn.');
      return x.add('linear', 'self_attn', out.inputs, out.attrs, out.params);
    };
    const feedForward = (src: number): number => {
      const hidden = x.add('linear', 'linear1', [src], LINEAR(a.dim_feedforward as number, true), lnParams('linear1'));
      const act = a.activation === 'gelu' ? x.add('gelu', 'activation', [hidden], { approximate: 'none' }) : x.add('relu', 'activation', [hidden]);
      return x.add('linear', 'linear2', [act], LINEAR(e, true), lnParams('linear2'));
    };
    const src = n.inputs[0]!;
    if (a.norm_first) {
      const h = x.add('add', 'residual1', [src, selfAttention(ln('norm1', src))]);
      return x.last('add', [h, feedForward(ln('norm2', h))]);
    }
    const h = ln('norm1', x.add('add', 'residual1', [src, selfAttention(src)]));
    return x.last('layernorm', [x.add('add', 'residual2', [h, feedForward(h)])], lnAttrs, lnParams('norm2'));
  },
};
