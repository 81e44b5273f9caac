/** Pointwise activations: out[i] = f(x[i]). */
import type { F, FormulaBuilder } from '../ir/formula.js';
import { outIndex } from '../ir/formula.js';
import type { OpDef } from './types.js';

function pointwise(type: string, torch: string, doc: string, f: (x: F, b: FormulaBuilder) => F): OpDef {
  return {
    type,
    torch,
    doc,
    attrs: {},
    arity: { min: 1, max: 1 },
    elementwise: true,
    shape: (_a, [x]) => x!,
    formula: (_a, _ins, out, b) => f(b.input(0, outIndex(out.shape.length)), b),
  };
}

export const identity = pointwise('identity', 'nn.Identity', 'x', (x) => x);
export const relu = pointwise('relu', 'nn.ReLU', 'max(0, x)', (x, b) => b.prim('max', b.num(0), x));
export const sigmoid = pointwise('sigmoid', 'nn.Sigmoid', '1 / (1 + exp(-x))', (x, b) => b.prim('sigmoid', x));
export const tanh = pointwise('tanh', 'nn.Tanh', 'tanh(x)', (x, b) => b.prim('tanh', x));
