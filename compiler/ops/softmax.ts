/**
 * softmax: y_i = exp(x_i) / sum_j exp(x_j) along `axis`; computed with the max subtracted. With
 * a second input, a mask (1: take part, 0: left out, broadcast to x), softmax over the entries the
 * mask keeps, 0 elsewhere (attention's causal or padding masks).
 */
import { ShapeError } from '../errors.js';
import type { F, FormulaBuilder, Ix } from '../ir/formula.js';
import { ix, outIndex } from '../ir/formula.js';
import { fmtShape, type Attrs, type TensorType } from '../ir/graph.js';
import type { OpDef } from './types.js';
import { broadcastIndex, broadcastShapes, needFloat, normAxis } from './shapeRules.js';

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

/** Softmax over the entries a mask keeps: the shift is the largest kept entry, left-out ones give 0. */
function maskedSoftmax(a: Attrs, mask: TensorType, out: TensorType, b: FormulaBuilder): F {
  const axis = normAxis(a.axis as number, out.shape.length);
  const at = outIndex(out.shape.length);
  const along = (j: string): Ix[] => at.map((v, d) => (d === axis ? ix(j) : v));
  const keep = (idx: readonly Ix[]): F => b.input(1, broadcastIndex(mask.shape, idx));
  const n = out.shape[axis]!;
  const m = b.shift(b.max(n, (j) => b.prim('where', b.prim('sub', keep(along(j)), b.num(0.5)), b.input(0, along(j)), b.num(-Infinity))));
  const term = (idx: readonly Ix[]): F => b.prim('mul', keep(idx), b.prim('exp', b.prim('sub', b.input(0, idx), m)));
  return b.prim('div', term(at), b.sum(n, (j) => term(along(j))));
}

export const softmax: OpDef = {
  type: 'softmax',
  torch: 'nn.Softmax(dim=axis); with a mask input: softmax over the kept entries (masked_fill(~mask, -inf) first)',
  doc: 'exp(x_i) / sum_j exp(x_j); a second input, a 0/1 mask broadcast to x, keeps only its 1 entries (0 elsewhere)',
  attrs: axisAttrs,
  arity: { min: 1, max: 2 },
  shape(a, ins) {
    const x = shapeAlongAxis(a, ins);
    const mask = ins[1];
    if (mask) {
      needFloat(mask, 'mask');
      const full = broadcastShapes([x.shape, mask.shape], 'input');
      if (fmtShape(full) !== fmtShape(x.shape)) throw new ShapeError(`the mask ${fmtShape(mask.shape)} must broadcast to the input ${fmtShape(x.shape)}`);
    }
    return x;
  },
  formula(a, ins, out, b) {
    if (ins[1]) return maskedSoftmax(a, ins[1], out, b);
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
