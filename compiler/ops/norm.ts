/**
 * Normalisation layers at inference, y = (x - mean) / sqrt(var + eps) * weight + bias:
 * batchnorm per channel (axis 0 of the per-example shape) with the running statistics; the others
 * with statistics of the example itself (the biased variance, as PyTorch): layernorm over the
 * trailing `normalized_shape`, rmsnorm (no mean) likewise, groupnorm over groups of channels with
 * their spatial axes, instancenorm per channel over its spatial axes (or with running statistics).
 */
import { ShapeError } from '../errors.js';
import type { F, FormulaBuilder, Ix } from '../ir/formula.js';
import { I, ix, outIndex } from '../ir/formula.js';
import { fmtShape, size, type Attrs, type TensorType } from '../ir/graph.js';
import { needFloat, needRank } from './shapeRules.js';
import type { AttrSpec, OpDef, ParamSpec } from './types.js';

const normAttrs: Readonly<Record<string, AttrSpec>> = {
  eps: { type: 'float', min: 0, default: 1e-5, doc: 'added to the variance before the square root' },
  affine: { type: 'bool', default: true, doc: 'learn a per-element scale (weight) and shift (bias)' },
};

/** PyTorch's init for norm layers: weight = 1, bias = 0 (fanIn is unused by constant inits). */
const affineParams = (a: Attrs, n: number): Record<string, ParamSpec> =>
  a.affine ? { weight: { shape: [n], fanIn: 1, init: 'ones' }, bias: { shape: [n], fanIn: 1, init: 'zeros' } } : {};

/** (x - mean) / sqrt(var + eps), then * weight[k] + bias[k] when affine. */
function normalise(b: FormulaBuilder, a: Attrs, x: F, mean: F, variance: F, k: Ix): F {
  const y = b.prim('div', b.prim('sub', x, mean), b.prim('sqrt', b.prim('add', variance, b.num(a.eps as number))));
  return a.affine ? b.prim('add', b.prim('mul', y, b.param('weight', [k])), b.param('bias', [k])) : y;
}

const BN_LAYOUTS = ['[C]', '[C, L]', '[C, H, W]', '[C, D, H, W]'];

export const batchnorm: OpDef = {
  type: 'batchnorm',
  torch: 'nn.BatchNorm1d / nn.BatchNorm2d / nn.BatchNorm3d(C, eps, affine) in eval mode',
  doc: 'per-channel (axis 0) normalisation with the running statistics: (x - running_mean) / sqrt(running_var + eps) * weight + bias',
  attrs: normAttrs,
  arity: { min: 1, max: 1 },
  params(a, [x]) {
    const c = x!.shape[0]!;
    return {
      ...affineParams(a, c),
      running_mean: { shape: [c], fanIn: 1, init: 'zeros' },
      running_var: { shape: [c], fanIn: 1, init: 'ones' },
    };
  },
  shape(_a, [x]) {
    needFloat(x!);
    needRank(x!, 1);
    if (x!.shape.length > BN_LAYOUTS.length) {
      throw new ShapeError(`expected input of shape ${BN_LAYOUTS.slice(0, -1).join(', ')} or ${BN_LAYOUTS.at(-1)} (rank 1 to 4), got ${fmtShape(x!.shape)}`);
    }
    return x!;
  },
  formula(a, _ins, out, b) {
    const at = outIndex(out.shape.length);
    const c = at[0]!;
    return normalise(b, a, b.input(0, at), b.param('running_mean', [c]), b.param('running_var', [c]), c);
  },
};

/**
 * The input index of element `flat` (a reduction variable, row-major) of a block of `dims`
 * whose axes are `axes` of the input, other axes taken from `fixed`.
 */
function blockIndex(fixed: readonly Ix[], axes: readonly number[], dims: readonly number[], flat: Ix | string): Ix[] {
  const at = [...fixed];
  axes.forEach((axis, k) => {
    const inner = size(dims.slice(k + 1));
    const q = I.div(flat, inner);
    at[axis] = k === 0 ? q : I.mod(q, dims[k]!);
  });
  return at;
}

/** Mean and biased variance of the `n` values `value(v)` (v: a reduction variable). */
function moments(b: FormulaBuilder, n: number, value: (v: string) => F): { mean: F; variance: F } {
  const mean = b.prim('div', b.sum(n, value), b.num(n));
  const variance = b.prim(
    'div',
    b.sum(n, (v) => {
      const d = b.prim('sub', value(v), mean);
      return b.prim('mul', d, d);
    }),
    b.num(n),
  );
  return { mean, variance };
}

/** `normalized_shape`: the trailing axes it names (empty: the last axis), checked against x. */
function trailing(a: Attrs, x: TensorType): number[] {
  const want = (a.normalized_shape as readonly number[] | undefined) ?? [];
  const shape = want.length ? [...want] : [x.shape[x.shape.length - 1]!];
  const tail = x.shape.slice(x.shape.length - shape.length);
  if (shape.length > x.shape.length || fmtShape(tail) !== fmtShape(shape)) {
    throw new ShapeError(`normalized_shape ${fmtShape(shape)} must be the trailing axes of the input ${fmtShape(x.shape)}`);
  }
  return shape;
}

const normalizedShape: AttrSpec = {
  type: 'ints',
  default: [],
  doc: "the trailing axes normalised together, PyTorch's normalized_shape (default: the last axis)",
};

/** Weight (and bias) of the trailing-axes norms: the normalized_shape, indexed by the trailing output indices. */
function trailingAffine(b: FormulaBuilder, a: Attrs, y: F, k: readonly Ix[], bias: boolean): F {
  if (!a.affine) return y;
  const scaled = b.prim('mul', y, b.param('weight', k));
  return bias ? b.prim('add', scaled, b.param('bias', k)) : scaled;
}

/** The shape rule of the trailing-axes norms: a float input whose trailing axes are normalized_shape. */
function trailingShape(a: Attrs, [x]: readonly TensorType[]): TensorType {
  needFloat(x!);
  needRank(x!, 1);
  trailing(a, x!);
  return x!;
}

/**
 * The block a trailing-axes norm reduces over, for output index `at`: its element count, the
 * input index of its element v (a reduction variable), and `at`'s trailing indices (for weight
 * and bias). The statistics depend only on the leading axes, so backends compute them once per row.
 */
function trailingBlock(a: Attrs, x: TensorType, out: TensorType): { at: Ix[]; n: number; element: (v: string) => Ix[]; tail: Ix[] } {
  const at = outIndex(out.shape.length);
  const dims = trailing(a, x);
  const r = out.shape.length;
  const axes = dims.map((_, k) => r - dims.length + k);
  return { at, n: size(dims), element: (v) => blockIndex(at, axes, dims, v), tail: at.slice(r - dims.length) };
}

export const layernorm: OpDef = {
  type: 'layernorm',
  torch: 'nn.LayerNorm(normalized_shape, eps, elementwise_affine=affine)',
  doc: 'normalisation over the trailing normalized_shape with its mean and biased variance: (x - mean) / sqrt(var + eps) * weight + bias',
  attrs: { ...normAttrs, normalized_shape: normalizedShape },
  arity: { min: 1, max: 1 },
  params(a, [x]): Record<string, ParamSpec> {
    const shape = trailing(a, x!);
    return a.affine ? { weight: { shape, fanIn: 1, init: 'ones' }, bias: { shape, fanIn: 1, init: 'zeros' } } : {};
  },
  shape: trailingShape,
  formula(a, [x], out, b) {
    const { at, n, element, tail } = trailingBlock(a, x!, out);
    const { mean, variance } = moments(b, n, (v) => b.input(0, element(v)));
    const y = b.prim('div', b.prim('sub', b.input(0, at), mean), b.prim('sqrt', b.prim('add', variance, b.num(a.eps as number))));
    return trailingAffine(b, a, y, tail, true);
  },
};

/** float32's machine epsilon: nn.RMSNorm's eps when none is given (eps=None), for float32 inputs. */
const F32_EPS = 2 ** -23;

export const rmsnorm: OpDef = {
  type: 'rmsnorm',
  torch: 'nn.RMSNorm(normalized_shape, eps, elementwise_affine=affine)',
  doc: 'x / sqrt(mean(x^2) + eps) * weight over the trailing normalized_shape (no mean subtracted, no bias)',
  attrs: {
    eps: { type: 'float', min: 0, default: F32_EPS, doc: "added to the mean square (default float32's epsilon, nn.RMSNorm's eps=None)" },
    affine: { type: 'bool', default: true, doc: 'learn a per-element scale (weight)' },
    normalized_shape: normalizedShape,
  },
  arity: { min: 1, max: 1 },
  params(a, [x]): Record<string, ParamSpec> {
    return a.affine ? { weight: { shape: trailing(a, x!), fanIn: 1, init: 'ones' } } : {};
  },
  shape: trailingShape,
  formula(a, [x], out, b) {
    const { at, n, element, tail } = trailingBlock(a, x!, out);
    const meanSquare = b.prim(
      'div',
      b.sum(n, (v) => {
        const e = b.input(0, element(v));
        return b.prim('mul', e, e);
      }),
      b.num(n),
    );
    const y = b.prim('div', b.input(0, at), b.prim('sqrt', b.prim('add', meanSquare, b.num(a.eps as number))));
    return trailingAffine(b, a, y, tail, false);
  },
};

export const groupnorm: OpDef = {
  type: 'groupnorm',
  torch: 'nn.GroupNorm(num_groups, C, eps, affine)',
  doc: 'channels (axis 0) in num_groups groups, each normalised over its channels and spatial axes; weight and bias per channel',
  attrs: { num_groups: { type: 'int', min: 1, doc: 'number of groups; must divide the channels' }, ...normAttrs },
  arity: { min: 1, max: 1 },
  params: (a, [x]) => affineParams(a, x!.shape[0]!),
  shape(a, [x]) {
    needFloat(x!);
    needRank(x!, 1);
    const g = a.num_groups as number;
    if (x!.shape[0]! % g !== 0) throw new ShapeError(`num_groups ${g} must divide the channels (axis 0 of ${fmtShape(x!.shape)}: ${x!.shape[0]})`);
    return x!;
  },
  formula(a, [x], out, b) {
    const at = outIndex(out.shape.length);
    const per = x!.shape[0]! / (a.num_groups as number);
    const spatial = x!.shape.slice(1);
    // Element v of the group of channel c: channel (c div per) * per + v div S, spatial v mod S.
    const first = I.scale(I.div(at[0]!, per), per);
    const dims = [per, ...spatial];
    const value = (v: string): F => {
      const idx = blockIndex(at, dims.map((_, k) => k), dims, v);
      idx[0] = I.add(first, idx[0]!);
      return b.input(0, idx);
    };
    const { mean, variance } = moments(b, size(dims), value);
    return normalise(b, a, b.input(0, at), mean, variance, at[0]!);
  },
};

export const instancenorm: OpDef = {
  type: 'instancenorm',
  torch: 'nn.InstanceNorm1d / nn.InstanceNorm2d(C, eps, affine, track_running_stats) in eval mode',
  doc: "per channel (axis 0) over its spatial axes with the example's own statistics, or the running ones with track_running_stats",
  attrs: {
    eps: normAttrs.eps!,
    affine: { type: 'bool', default: false, doc: 'learn a per-channel scale (weight) and shift (bias); PyTorch: off by default' },
    track_running_stats: { type: 'bool', default: false, doc: 'use running_mean / running_var (eval mode), like batchnorm' },
  },
  arity: { min: 1, max: 1 },
  params(a, [x]) {
    const c = x!.shape[0]!;
    return {
      ...affineParams(a, c),
      ...(a.track_running_stats ? { running_mean: { shape: [c], fanIn: 1, init: 'zeros' }, running_var: { shape: [c], fanIn: 1, init: 'ones' } } : {}),
    };
  },
  shape(_a, [x]) {
    needFloat(x!);
    needRank(x!, 2);
    return x!;
  },
  formula(a, [x], out, b) {
    const at = outIndex(out.shape.length);
    const c = at[0]!;
    if (a.track_running_stats) return normalise(b, a, b.input(0, at), b.param('running_mean', [c]), b.param('running_var', [c]), c);
    const dims = x!.shape.slice(1);
    const { mean, variance } = moments(b, size(dims), (v) => b.input(0, blockIndex(at, dims.map((_, k) => k + 1), dims, v)));
    return normalise(b, a, b.input(0, at), mean, variance, c);
  },
};
