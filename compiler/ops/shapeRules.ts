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

/**
 * NumPy broadcasting of per-example shapes (aligned at the right; an axis of size 1, or a missing
 * leading axis, stretches to the other's size). The batch axis is never broadcast: it is not part
 * of these shapes.
 */
export function broadcastShapes(shapes: readonly (readonly number[])[], what = 'input'): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  shapes.forEach((s, k) => {
    s.forEach((d, i) => {
      const at = rank - s.length + i;
      if (d === out[at] || d === 1) return;
      if (out[at] !== 1) {
        throw new ShapeError(`${what} ${k} has shape ${fmtShape(s)}, which does not broadcast with ${fmtShape(shapes[0]!)}${k > 1 ? ' and the others' : ''} (NumPy rules, shapes aligned at the right: ${d} against ${out[at]})`);
      }
      out[at] = d;
    });
  });
  return out;
}

/** An input's index in a broadcast result: its axes aligned at the right, size-1 axes at 0. */
export function broadcastIndex<T>(shape: readonly number[], out: readonly T[]): (T | number)[] {
  const lead = out.length - shape.length;
  return shape.map((d, i) => (d === 1 && out.length > 0 ? 0 : out[lead + i]!));
}

export function needRank(t: TensorType, min: number, what = 'input'): void {
  if (t.shape.length < min) {
    throw new ShapeError(`expected ${what} of rank >= ${min}, got shape ${fmtShape(t.shape)}`);
  }
}
