/** softmax: y_i = exp(x_i) / sum_j exp(x_j) along `axis`; computed with the max subtracted. */
import type { F, FormulaBuilder, Ix } from '../ir/formula.js';
import { ix, outIndex } from '../ir/formula.js';
import type { Attrs, TensorType } from '../ir/graph.js';
import type { OpDef } from './types.js';
import { needFloat, normAxis } from './shapeRules.js';

const axisAttrs = { axis: { type: 'int', default: -1, doc: 'axis to normalise over (negative counts from the end)' } } as const;

function shapeAlongAxis(a: Attrs, [x]: readonly TensorType[]): TensorType {
  needFloat(x!);
  normAxis(a.axis as number, x!.shape.length);
  return x!;
}

/** Parts shared by softmax and log_softmax: the element, the shift and the normaliser. */
function parts(a: Attrs, out: TensorType, b: FormulaBuilder): { xi: F; shifted: (x: F) => F; sum: F } {
  const axis = normAxis(a.axis as number, out.shape.length);
  const at = outIndex(out.shape.length);
  const along = (j: string): Ix[] => at.map((v, d) => (d === axis ? ix(j) : v));
  const n = out.shape[axis]!;
  const m = b.shift(b.max(n, (j) => b.input(0, along(j))));
  const shifted = (x: F): F => b.prim('sub', x, m);
  const sum = b.sum(n, (j) => b.prim('exp', shifted(b.input(0, along(j)))));
  return { xi: b.input(0, at), shifted, sum };
}

export const softmax: OpDef = {
  type: 'softmax',
  torch: 'nn.Softmax(dim=axis)',
  doc: 'exp(x_i) / sum_j exp(x_j)',
  attrs: axisAttrs,
  arity: { min: 1, max: 1 },
  shape: shapeAlongAxis,
  formula(a, _ins, out, b) {
    const { xi, shifted, sum } = parts(a, out, b);
    return b.prim('div', b.prim('exp', shifted(xi)), sum);
  },
};

export const logSoftmax: OpDef = {
  type: 'log_softmax',
  torch: 'nn.LogSoftmax(dim=axis)',
  doc: 'x_i - log(sum_j exp(x_j))',
  attrs: axisAttrs,
  arity: { min: 1, max: 1 },
  shape: shapeAlongAxis,
  formula(a, _ins, out, b) {
    const { xi, shifted, sum } = parts(a, out, b);
    return b.prim('sub', shifted(xi), b.prim('log', sum));
  },
};
