/** The explicit op registry: every layer type layergen knows, defined once in its own file. */
import { identity, relu, sigmoid, tanh } from './activations.js';
import { linear } from './linear.js';
import { softmax } from './softmax.js';
import type { OpDef } from './types.js';
import { FormulaBuilder, type F } from '../ir/formula.js';
import type { Node, TensorType } from '../ir/graph.js';

export const OPS: readonly OpDef[] = [linear, relu, sigmoid, tanh, softmax, identity];

const byType = new Map(OPS.map((op) => [op.type, op]));

export function lookupOp(type: string): OpDef | undefined {
  return byType.get(type);
}

export function getOp(type: string): OpDef {
  const op = byType.get(type);
  if (!op) throw new Error(`internal: op "${type}" is not registered`);
  return op;
}

/** The per-element formula of a formula op (composite ops are expanded before backends run). */
export function formulaOf(n: Node, ins: readonly TensorType[], out: TensorType): F {
  const op = getOp(n.op);
  if (!op.formula) throw new Error(`internal: op "${n.op}" (layer "${n.name}") has no formula; expandComposites must run first`);
  return op.formula(n.attrs, ins, out, new FormulaBuilder());
}
