/** inferShapes: every node's output type from its op's shape rule; also checks given parameters. */
import { LayergenError, ShapeError } from '../errors.js';
import { fmtShape, isLayerOp, isScan, typeOf, withNodes, type Graph, type Node } from '../ir/graph.js';
import { getOp } from '../ops/registry.js';
import { scanShape, type ScanAttrs } from '../ir/scan.js';

export function inferShapes(g: Graph): Graph {
  const done = new Map<number, Node>();
  const nodes = g.nodes.map((n) => {
    let out: Node = n;
    if (isScan(n)) {
      const ins = n.inputs.map((i) => typeOf(done.get(i)!));
      out = { ...n, type: { shape: scanShape(n.body, n.attrs as unknown as ScanAttrs, ins), dtype: 'float' } };
    } else if (n.formula !== undefined) {
      // a fused node (or a layer given its formula): its type was inferred before
    } else if (isLayerOp(n)) {
      const op = getOp(n.op);
      const ins = n.inputs.map((i) => typeOf(done.get(i)!));
      try {
        out = { ...n, type: op.shape(n.attrs, ins) };
        checkParams(out, op.params?.(n.attrs, ins) ?? {});
      } catch (e) {
        if (e instanceof ShapeError) throw new LayergenError(e.message, n.place, n.name);
        throw e;
      }
    }
    done.set(n.id, out);
    return out;
  });
  for (const o of g.outputs) {
    const rank = typeOf(done.get(o.node)!).shape.length;
    if ((o.batchAxis ?? 0) > rank) {
      throw new LayergenError(`output "${o.name}": batch_axis must be in 0..${rank} (the layer's output has ${rank} axes), got ${o.batchAxis}`, o.place);
    }
  }
  return withNodes(g, nodes);
}

/** Given parameters must be expected ones of the expected shape (missing ones are bound later). */
function checkParams(n: Node, expected: Readonly<Record<string, { shape: readonly number[] }>>): void {
  for (const [name, t] of Object.entries(n.params)) {
    const want = expected[name];
    if (!want) {
      const known = Object.keys(expected);
      throw new ShapeError(`unexpected parameter "${name}" (${n.op} has ${known.length ? known.join(', ') : 'no parameters'})`);
    }
    if (fmtShape(want.shape) !== fmtShape(t.shape)) {
      throw new ShapeError(`parameter "${name}": expected shape ${fmtShape(want.shape)}, got ${fmtShape(t.shape)}`);
    }
  }
}
