/**
 * Binds every layer's parameters: inline `params:` first, then the weights file, then the seeded
 * init. Missing, duplicated, unexpected and mis-shaped tensors are errors naming the place.
 */
import { LayergenError } from '../errors.js';
import { fmtShape, size, tensor, typeOf, withNodes, type Graph, type Tensor } from '../ir/graph.js';
import { getOp } from '../ops/registry.js';
import { seededParam } from './init.js';
import type { NetSpec } from './spec.js';
import type { WeightSet } from './weights.js';

export function bindParams(g: Graph, spec: NetSpec, weights?: { set: WeightSet; file: string }): Graph {
  const layers = new Map(spec.layers.map((l) => [l.name, l]));
  const types = new Map(g.nodes.map((n) => [n.id, typeOf(n)]));
  const used = new Set<string>();
  const nodes = g.nodes.map((n) => {
    const l = layers.get(n.name);
    if (!l) return n;
    const expected = getOp(n.op).params?.(n.attrs, n.inputs.map((i) => types.get(i)!)) ?? {};
    for (const [p, v] of Object.entries(l.params)) {
      if (!expected[p]) {
        const known = Object.keys(expected);
        throw new LayergenError(`params: unexpected parameter "${p}" (${n.op} has ${known.length ? known.join(', ') : 'no parameters'})`, v.place, n.name);
      }
    }
    const params: Record<string, Tensor> = {};
    for (const [p, want] of Object.entries(expected)) {
      const key = `${n.name}.${p}`;
      const inline = l.params[p];
      const fromFile = weights?.set.get(key);
      if (inline && fromFile) {
        throw new LayergenError(`parameter "${p}" is given both inline and in ${weights!.file} ("${key}")`, inline.place, n.name);
      }
      if (inline) {
        if (fmtShape(inline.shape) !== fmtShape(want.shape)) {
          throw new LayergenError(`params.${p}: expected shape ${fmtShape(want.shape)}, got ${fmtShape(inline.shape)}`, inline.place, n.name);
        }
        params[p] = tensor(want.shape, inline.data);
      } else if (fromFile) {
        used.add(key);
        if (fmtShape(fromFile.shape) !== fmtShape(want.shape)) {
          throw new LayergenError(`${weights!.file}: tensor "${key}": expected shape ${fmtShape(want.shape)}, got ${fmtShape(fromFile.shape)}`, n.place ?? {}, n.name);
        }
        params[p] = { shape: [...want.shape], data: fromFile.data };
      } else if (spec.seed) {
        const n = size(want.shape);
        const fill = want.init === 'ones' ? 1 : want.init === 'zeros' ? 0 : typeof want.init === 'object' ? want.init.fill : undefined;
        const data = fill !== undefined ? new Float64Array(n).fill(fill) : seededParam(spec.seed.value, key, n, want.fanIn);
        params[p] = { shape: [...want.shape], data };
      } else {
        throw new LayergenError(
          `missing parameter "${p}" (shape ${fmtShape(want.shape)}): give it under params:, as "${key}" in a weights file, or set seed:`,
          n.place ?? {},
          n.name,
        );
      }
    }
    return { ...n, params };
  });
  if (weights) {
    const extra = [...weights.set.keys()].filter((k) => !used.has(k));
    if (extra.length) {
      throw new LayergenError(`${weights.file}: tensors that match no layer parameter: ${extra.map((k) => `"${k}"`).join(', ')}`, spec.weights!.place);
    }
  }
  return withNodes(g, nodes);
}
