/**
 * matmul of two run-time tensors, NumPy / torch.matmul semantics per example: the product over
 * the last two axes, a 1-D operand taken as a row (left) or a column (right) and its axis
 * dropped from the result, leading axes broadcast (the batch axis itself is never broadcast).
 * out[..., i, j] = sum_p a[..., i, p] * b[..., p, j].
 */
import { ShapeError } from '../errors.js';
import { outIndex, type Ix } from '../ir/formula.js';
import { fmtShape } from '../ir/graph.js';
import { broadcastIndex, broadcastShapes, needFloat } from './shapeRules.js';
import type { OpDef } from './types.js';

/** The operands as matrices: a 1-D left operand is a row [1, k], a 1-D right one a column [k, 1]. */
const asMatrices = (a: readonly number[], b: readonly number[]): [readonly number[], readonly number[]] => [
  a.length === 1 ? [1, ...a] : a,
  b.length === 1 ? [...b, 1] : b,
];

export const matmul: OpDef = {
  type: 'matmul',
  torch: 'torch.matmul(a, b)',
  doc: 'matrix product over the last two axes (a 1-D operand is a row or a column), leading axes broadcast; e.g. attention scores q @ k^T',
  attrs: {},
  arity: { min: 2, max: 2 },
  shape(_a, [x, y]) {
    needFloat(x!, 'input 0');
    needFloat(y!, 'input 1');
    const [A, B] = asMatrices(x!.shape, y!.shape);
    if (A.at(-1) !== B.at(-2)) {
      throw new ShapeError(`cannot multiply ${fmtShape(x!.shape)} by ${fmtShape(y!.shape)}: the inner sizes ${A.at(-1)} and ${B.at(-2)} differ`);
    }
    let lead: number[];
    try {
      lead = broadcastShapes([A.slice(0, -2), B.slice(0, -2)]);
    } catch {
      throw new ShapeError(`the leading axes of ${fmtShape(x!.shape)} and ${fmtShape(y!.shape)} do not broadcast`);
    }
    const shape = [...lead, ...(x!.shape.length === 1 ? [] : [A.at(-2)!]), ...(y!.shape.length === 1 ? [] : [B.at(-1)!])];
    return { shape: shape.length ? shape : [1], dtype: 'float' };
  },
  formula(_a, [x, y], out, b) {
    const [A, B] = asMatrices(x!.shape, y!.shape);
    const rowA = x!.shape.length > 1;
    const colB = y!.shape.length > 1;
    const lead = Math.max(A.length, B.length) - 2;
    const at = outIndex(out.shape.length);
    const leadVars = at.slice(0, lead);
    const i: Ix | number = rowA ? at[lead]! : 0;
    const j: Ix | number = colB ? at[lead + (rowA ? 1 : 0)]! : 0;
    return b.sum(A.at(-1)!, (p) => {
      const ai = [...broadcastIndex(A.slice(0, -2), leadVars), ...(rowA ? [i, p] : [p])];
      const bi = [...broadcastIndex(B.slice(0, -2), leadVars), ...(colB ? [p, j] : [p])];
      return b.prim('mul', b.input(0, ai), b.input(1, bi));
    });
  },
};
