/**
 * foldBatchNorm: a batchnorm (inference mode) right after a layer whose op is `channelAffine`
 * (linear, conv: weight rows and bias per output channel) that nothing else reads is folded into
 * that layer's weights and bias:
 *   s[c] = weight[c] / sqrt(running_var[c] + eps)   (1 / sqrt(...) without affine)
 *   W'[c, ...] = W[c, ...] * s[c];   b'[c] = (b[c] - running_mean[c]) * s[c] + bias[c]
 * The channel of batchnorm is axis 0 of the per-example shape, so a linear layer folds only when
 * its output is a vector. Values change by float64 rounding only (the fold is computed in float64).
 */
import { paramLabel, size, tensor, typeOf, withNodes, type Graph, type Node } from '../ir/graph.js';
import { lookupOp } from '../ops/registry.js';

export function foldBatchNorm(g: Graph): Graph {
  const uses = new Map<number, number>();
  for (const n of g.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  const outputs = new Set(g.outputs.map((o) => o.node));
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const folded = new Set<number>();
  const nodes = g.nodes.map((n) => {
    if (n.op !== 'batchnorm') return n;
    const p = byId.get(n.inputs[0]!)!;
    const ok = lookupOp(p.op)?.channelAffine?.folds(typeOf(p)) === true && uses.get(p.id) === 1 && !outputs.has(p.id);
    if (!ok) return n;
    folded.add(p.id);
    return fold(p, n);
  });
  return withNodes(g, nodes.filter((n) => !folded.has(n.id)));
}

function fold(p: Node, bn: Node): Node {
  const w = p.params.weight!;
  const channels = w.shape[0]!;
  const row = size(w.shape) / channels;
  const eps = bn.attrs.eps as number;
  const gamma = bn.params.weight?.data;
  const beta = bn.params.bias?.data;
  const mean = bn.params.running_mean!.data;
  const variance = bn.params.running_var!.data;
  const bias = p.params.bias?.data;
  const wData = new Float64Array(w.data.length);
  const bData = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + eps);
    for (let k = c * row; k < (c + 1) * row; k++) wData[k] = w.data[k]! * s;
    bData[c] = ((bias ? bias[c]! : 0) - mean[c]!) * s + (beta ? beta[c]! : 0);
  }
  const note = ` (${bn.name} folded)`;
  return {
    id: bn.id,
    op: p.op,
    name: `${p.name}+${bn.name}`,
    inputs: p.inputs,
    attrs: { ...p.attrs, bias: true },
    params: { weight: tensor(w.shape, wData), bias: tensor([channels], bData) },
    origin: { weight: paramLabel(p, 'weight') + note, bias: (bias ? paramLabel(p, 'bias') : `${p.name}.bias`) + note },
    type: typeOf(bn),
    ...(p.place ? { place: p.place } : {}),
  };
}
