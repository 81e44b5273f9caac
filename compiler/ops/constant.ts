/**
 * constant: a layer without inputs whose output is its one parameter, `value`, of the declared
 * per-example shape (every example gets the same tensor). It is a parameter like any other:
 * given inline, in a weights file or by the seeded init, and a symbol under `--symbolic-params`.
 * Imported ONNX arithmetic with a constant operand (`x / 2`, `x * w`) reads one. Passes:
 * foldConstants leaves it, and what it feeds, alone (folding would freeze a parameter that may be
 * symbolic); cse shares equal ones for the numeric targets only; it fuses into a pointwise consumer
 * like any formula layer. A net output must depend on an input (frontend/lower.ts).
 */
import { ShapeError } from '../errors.js';
import { outIndex } from '../ir/formula.js';
import { fmtShape } from '../ir/graph.js';
import type { OpDef } from './types.js';

function dims(shape: readonly number[]): readonly number[] {
  if (shape.length === 0) throw new ShapeError('shape: expected at least one dimension, got []');
  if (!shape.every((d) => Number.isInteger(d) && d >= 1)) throw new ShapeError(`shape: dimensions must be integers >= 1, got ${fmtShape(shape)}`);
  return shape;
}

export const constant: OpDef = {
  type: 'constant',
  torch: 'a constant tensor (e.g. a registered buffer)',
  doc: 'no inputs: its parameter value, of the given per-example shape, for every example',
  attrs: { shape: { type: 'ints', doc: 'per-example shape of the value' } },
  arity: { min: 0, max: 0 },
  // Seeded init: uniform(-1, 1) (fanIn 1), as for embedding tables.
  params: (a) => ({ value: { shape: [...dims(a.shape as readonly number[])], fanIn: 1 } }),
  shape: (a) => ({ shape: [...dims(a.shape as readonly number[])], dtype: 'float' }),
  formula: (_a, _ins, out, b) => b.param('value', outIndex(out.shape.length)),
};
