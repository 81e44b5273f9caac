/**
 * Normalisation layers at inference. batchnorm: per channel (axis 0 of the per-example shape)
 * with the running statistics. layernorm: over the last axis, with the biased variance.
 * Both: y = (x - mean) / sqrt(var + eps) * weight + bias.
 */
import { ShapeError } from '../errors.js';
import type { F, FormulaBuilder, Ix } from '../ir/formula.js';
import { ix, outIndex } from '../ir/formula.js';
import { fmtShape, type Attrs } from '../ir/graph.js';
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

export const layernorm: OpDef = {
  type: 'layernorm',
  torch: 'nn.LayerNorm(last axis size, eps, elementwise_affine=affine)',
  doc: 'normalisation over the last axis with its mean and biased variance: (x - mean) / sqrt(var + eps) * weight + bias',
  attrs: normAttrs,
  arity: { min: 1, max: 1 },
  params(a, [x]) {
    return affineParams(a, x!.shape[x!.shape.length - 1]!);
  },
  shape(_a, [x]) {
    needFloat(x!);
    needRank(x!, 1);
    return x!;
  },
  formula(a, _ins, out, b) {
    const at = outIndex(out.shape.length);
    const lead = at.slice(0, -1);
    const k = at[at.length - 1]!;
    const n = out.shape[out.shape.length - 1]!;
    const along = (j: string): F => b.input(0, [...lead, ix(j)]);
    // Reductions depend only on the leading axes, so backends compute them once per row.
    const mean = b.prim('div', b.sum(n, along), b.num(n));
    const variance = b.prim(
      'div',
      b.sum(n, (j) => {
        const d = b.prim('sub', along(j), mean);
        return b.prim('mul', d, d);
      }),
      b.num(n),
    );
    return normalise(b, a, b.input(0, at), mean, variance, k);
  },
};
