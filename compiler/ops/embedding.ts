/**
 * embedding: y[..., j] = weight[t[...], j] for an int tensor of token indices t (nn.Embedding).
 * An index outside 0..vocab-1 gives NaN in every unit of its row (PyTorch raises instead;
 * a generated module does not check its inputs element by element).
 */
import { ShapeError } from '../errors.js';
import { outIndex } from '../ir/formula.js';
import { fmtShape } from '../ir/graph.js';
import type { OpDef } from './types.js';

export const embedding: OpDef = {
  type: 'embedding',
  torch: 'nn.Embedding(vocab, units)',
  doc: 'looks up row t of weight [vocab, units] for each int index t: [...] -> [..., units]; an out-of-range index gives NaN',
  attrs: {
    vocab: { type: 'int', min: 1, doc: 'number of rows (valid indices are 0..vocab-1)' },
    units: { type: 'int', min: 1, doc: 'size of each embedding vector' },
  },
  arity: { min: 1, max: 1 },
  params(a) {
    // PyTorch draws N(0, 1); the seeded init draws uniform(-1, 1) (fanIn 1), the same scale.
    return { weight: { shape: [a.vocab as number, a.units as number], fanIn: 1 } };
  },
  shape(a, [x]) {
    if (x!.dtype !== 'int') {
      throw new ShapeError(`expected an int input of token indices (an input with dtype: int), got a float tensor of shape ${fmtShape(x!.shape)}`);
    }
    return { shape: [...x!.shape, a.units as number], dtype: 'float' };
  },
  formula(a, _ins, out, b) {
    const at = outIndex(out.shape.length);
    const t = b.index(0, at.slice(0, -1));
    return b.guard([{ ix: t, lt: a.vocab as number }], b.param('weight', [t, at[at.length - 1]!]), b.num(NaN));
  },
};
