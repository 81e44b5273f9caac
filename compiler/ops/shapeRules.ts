/** Small helpers shared by shape rules. */
import { ShapeError } from '../errors.js';
import { fmtShape, type TensorType } from '../ir/graph.js';

/** Resolves a possibly negative axis against a rank, PyTorch-style. */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new ShapeError(`${what} ${axis} is out of range for an input of rank ${rank} (valid: ${-rank}..${rank - 1})`);
  }
  return a;
}

export function needFloat(t: TensorType, what = 'input'): void {
  if (t.dtype !== 'float') throw new ShapeError(`expected a float ${what}, got an int tensor of shape ${fmtShape(t.shape)}`);
}

export function needRank(t: TensorType, min: number, what = 'input'): void {
  if (t.shape.length < min) {
    throw new ShapeError(`expected ${what} of rank >= ${min}, got shape ${fmtShape(t.shape)}`);
  }
}
