/** linear: y[..., o] = bias[o] + sum_k weight[o, k] * x[..., k]  (nn.Linear, on the last axis). */
import { I, outIndex } from '../ir/formula.js';
import type { OpDef } from './types.js';
import { needFloat, needRank } from './shapeRules.js';

const inFeatures = (shape: readonly number[]): number => shape[shape.length - 1]!;

export const linear: OpDef = {
  type: 'linear',
  torch: 'nn.Linear(in, units, bias)',
  doc: 'y = x W^T + b over the last axis',
  attrs: {
    units: { type: 'int', min: 1, doc: 'output features' },
    bias: { type: 'bool', default: true, doc: 'learn an additive bias' },
  },
  arity: { min: 1, max: 1 },
  // on a vector, output feature o is channel o: weight row o and bias o
  channelAffine: { folds: (out) => out.shape.length === 1 },
  params(a, [x]) {
    const fanIn = inFeatures(x!.shape);
    const units = a.units as number;
    return {
      weight: { shape: [units, fanIn], fanIn },
      ...(a.bias ? { bias: { shape: [units], fanIn } } : {}),
    };
  },
  shape(a, [x]) {
    needFloat(x!);
    needRank(x!, 1);
    return { shape: [...x!.shape.slice(0, -1), a.units as number], dtype: 'float' };
  },
  formula(a, [x], out, b) {
    const at = outIndex(out.shape.length);
    const lead = at.slice(0, -1);
    const o = at[at.length - 1]!;
    const dot = b.sum(inFeatures(x!.shape), (k) =>
      b.prim('mul', b.param('weight', [o, k]), b.input(0, [...lead, k])),
    );
    return a.bias ? b.prim('add', dot, b.param('bias', [o])) : dot;
  },
};
void I;
