/** Merges of several inputs: concat along an axis; elementwise add / sub / mul / div with NumPy broadcasting. */
import { ShapeError } from '../errors.js';
import type { F } from '../ir/formula.js';
import { I, ix, outIndex, outVar } from '../ir/formula.js';
import { fmtShape, type TensorType } from '../ir/graph.js';
import type { PrimName } from '../ir/prims.js';
import { broadcastIndex, broadcastShapes, needFloat, normAxis } from './shapeRules.js';
import type { OpDef } from './types.js';

const MANY = { min: 2, max: Infinity };

export const concat: OpDef = {
  type: 'concat',
  torch: 'torch.cat(inputs, dim=axis)',
  doc: 'joins inputs along an axis; other axes must match',
  attrs: { axis: { type: 'int', default: -1, doc: 'axis to join along (negative counts from the end)' } },
  arity: MANY,
  shape(a, ins) {
    const first = ins[0]!;
    const axis = normAxis(a.axis as number, first.shape.length);
    let total = 0;
    ins.forEach((t, k) => {
      if (t.dtype !== first.dtype) throw new ShapeError(`inputs must have one dtype; input ${k} is ${t.dtype}, input 0 is ${first.dtype}`);
      const same = t.shape.length === first.shape.length && t.shape.every((d, i) => i === axis || d === first.shape[i]);
      if (!same) throw new ShapeError(`input ${k} has shape ${fmtShape(t.shape)}, which does not match ${fmtShape(first.shape)} outside axis ${axis}`);
      total += t.shape[axis]!;
    });
    return { shape: first.shape.map((d, i) => (i === axis ? total : d)), dtype: first.dtype };
  },
  formula(a, ins, out, b) {
    const axis = normAxis(a.axis as number, out.shape.length);
    const at = outIndex(out.shape.length);
    const offsets: number[] = [];
    ins.reduce((o, t) => (offsets.push(o), o + t.shape[axis]!), 0);
    const from = (k: number): F => b.input(k, at.map((v, d) => (d === axis ? I.add(v, -offsets[k]!) : v)));
    let f = from(ins.length - 1);
    for (let k = ins.length - 2; k >= 0; k--) f = b.guard([{ ix: ix(outVar(axis)), lt: offsets[k + 1]! }], from(k), f);
    return f;
  },
};

/** The inputs' broadcast type (NumPy rules on the per-example shapes; see broadcastShapes). */
function broadcast(ins: readonly TensorType[]): TensorType {
  ins.forEach((t, k) => needFloat(t, `input ${k}`));
  return { shape: broadcastShapes(ins.map((t) => t.shape)), dtype: 'float' };
}

function fold(type: string, torch: string, op: PrimName, doc: string, arity: OpDef['arity'] = MANY): OpDef {
  return {
    type,
    torch,
    doc: `${doc}; shapes broadcast by NumPy rules (per example: the batch axis is never broadcast)`,
    attrs: {},
    arity,
    shape: (_a, ins) => broadcast(ins),
    formula(_a, ins, out, b) {
      const at = outIndex(out.shape.length);
      const input = (k: number): F => b.input(k, broadcastIndex(ins[k]!.shape, at));
      return ins.slice(1).reduce((acc, _t, k) => b.prim(op, acc, input(k + 1)), input(0));
    },
  };
}

export const add = fold('add', 'a + b + ...', 'add', 'elementwise sum of the inputs');
export const sub = fold('sub', 'a - b - ...', 'sub', 'the first input minus each of the others');
export const mul = fold('mul', 'a * b * ...', 'mul', 'elementwise product of the inputs');
export const div = fold('div', 'torch.div(a, b)', 'div', 'elementwise quotient a / b of two inputs', { min: 2, max: 2 });

/** Internal: one index along an axis, dropping the axis (recurrent layers' `last`, initial states). */
export const take: OpDef = {
  type: 'take',
  torch: 'x.select(axis, index)',
  doc: 'x[..., index, ...] along axis',
  internal: true,
  attrs: {
    axis: { type: 'int', doc: 'axis' },
    index: { type: 'int', doc: 'index along the axis' },
  },
  arity: { min: 1, max: 1 },
  shape(a, [x]) {
    const axis = normAxis(a.axis as number, x!.shape.length);
    const i = a.index as number;
    if (i < 0 || i >= x!.shape[axis]!) throw new ShapeError(`index ${i} is out of range for axis ${axis} of ${fmtShape(x!.shape)}`);
    return { shape: x!.shape.filter((_, d) => d !== axis), dtype: x!.dtype };
  },
  formula(a, [x], out, b) {
    const axis = normAxis(a.axis as number, x!.shape.length);
    const at = outIndex(out.shape.length);
    return b.input(0, [...at.slice(0, axis), a.index as number, ...at.slice(axis)]);
  },
};
void outVar;
