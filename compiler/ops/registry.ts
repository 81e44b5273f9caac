/** The explicit op registry: every layer type layergen knows, defined once in its own file. */
import {
  celu, dropout, elu, gelu, hardshrink, hardsigmoid, hardswish, hardtanh, identity, leakyRelu, logsigmoid, mish, prelu, relu, relu6,
  selu, sigmoid, silu, softplus, softshrink, softsign, tanh, tanhshrink, threshold,
} from './activations.js';
import { flatten, permute, reshape, squeeze, unsqueeze } from './shape.js';
import { matmul } from './matmul.js';
import { upsample } from './upsample.js';
import { attention, multiheadAttention, transformerEncoderLayer } from './attention.js';
import { slice } from './slice.js';
import { linear } from './linear.js';
import { concat, add, sub, mul, div, take } from './merge.js';
import { constant } from './constant.js';
import { rnn, lstm, gru } from './recurrent.js';
import { logSoftmax, softmax } from './softmax.js';
import type { OpDef } from './types.js';
import { conv1d, conv2d, convtranspose1d, convtranspose2d } from './conv.js';
import {
  adaptiveavgpool1d, adaptiveavgpool2d, adaptivemaxpool1d, adaptivemaxpool2d, avgpool1d, avgpool2d, globalavgpool, globalmaxpool, maxpool1d, maxpool2d,
} from './pool.js';
import { batchnorm, groupnorm, instancenorm, layernorm, rmsnorm } from './norm.js';
import { embedding } from './embedding.js';
import { abs, amax, amin, clamp, cos, exp, log, mean, neg, pad, pow, prod, reciprocal, sin, sqrt, sum } from './math.js';
import { FormulaBuilder, type F } from '../ir/formula.js';
import type { Node, TensorType } from '../ir/graph.js';

export const OPS: readonly OpDef[] = [
  linear,
  relu, leakyRelu, elu, selu, gelu, silu, softplus, softsign, hardtanh, hardsigmoid, sigmoid, tanh,
  relu6, hardswish, mish, logsigmoid, celu, tanhshrink, threshold, hardshrink, softshrink, prelu,
  softmax, logSoftmax, identity, dropout,
  flatten, reshape, permute, squeeze, unsqueeze, slice, concat, add, sub, mul, div, matmul, constant,
  rnn, lstm, gru,
  take,
  conv1d, conv2d, convtranspose1d, convtranspose2d, maxpool1d, maxpool2d, avgpool1d, avgpool2d, adaptiveavgpool1d, adaptiveavgpool2d, adaptivemaxpool1d, adaptivemaxpool2d,
  globalavgpool, globalmaxpool, batchnorm, layernorm, rmsnorm, groupnorm, instancenorm, embedding,
  sqrt, log, exp, abs, neg, sin, cos, reciprocal, clamp, pow, mean, sum, amax, amin, prod, pad,
  attention, multiheadAttention, transformerEncoderLayer, upsample,
];

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
