/**
 * The imported net as files: `NAME.yaml` (layers in the net.yaml format, attributes equal to the
 * op's default left out) and `NAME.safetensors` (`<layer>.<param>`, PyTorch layouts). Layers no
 * output depends on are dropped; names are valid identifiers, unique, inputs and outputs keeping
 * their ONNX names where those are valid (else made valid), the other layers named after the
 * PyTorch module that made them.
 */
import { Document, isPair, isScalar, isSeq, visit } from 'yaml';
import { LayergenError } from '../../errors.js';
import { getOp } from '../../ops/registry.js';
import type { Converted } from './convert.js';
import { writeSafetensors, type NamedTensor } from './safetensorsWriter.js';
import type { Source } from './values.js';

/** A valid identifier ([A-Za-z_][A-Za-z0-9_]*) from any string. */
export function identifier(s: string): string {
  let id = s.replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+/g, '_');
  if (id.length > 1) id = id.replace(/^_(?=[A-Za-z])/, '').replace(/_$/, '');
  if (!/^[A-Za-z_]/.test(id)) id = `_${id}`;
  return id;
}

/** Hands out unique names (sucrase's claimFreeName): `relu`, `relu_1`, `relu_2`, ... */
export class NameManager {
  private readonly used = new Set<string>();
  /** Per base, the next suffix to try: claiming n names of one base stays linear (a 20,000-node chain of Relus). */
  private readonly next = new Map<string, number>();
  claim(base: string): string {
    const b = identifier(base);
    let name = b;
    let k = this.next.get(b) ?? 1;
    while (this.used.has(name)) name = `${b}_${k++}`;
    this.next.set(b, k);
    this.used.add(name);
    return name;
  }
}

export interface ImportedNet {
  readonly name: string;
  readonly yaml: string;
  readonly weights: Uint8Array;
  readonly weightsFile: string;
  /** Layers written, for reports. */
  readonly layers: readonly { readonly name: string; readonly type: string; readonly node: string }[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const SPATIAL_KEYS = new Set(['kernel', 'stride', 'padding', 'dilation']);

export function writeNet(c: Converted, netName: string, header: string, file?: string): ImportedNet {
  const names = new NameManager();
  const nameOf = new Map<number, string>();
  for (const i of c.net.inputs) nameOf.set(i.id, names.claim(i.onnxName));
  for (const o of c.outputs) nameOf.set(o.src.id, names.claim(o.onnxName));
  const layers = c.net.live(c.outputs.map((o) => o.src));
  const hints = new Set(layers.map((l) => l.hint));
  for (const l of layers) if (!nameOf.has(l.id)) nameOf.set(l.id, names.claim(l.shortHint && !hints.has(l.shortHint) ? l.shortHint : l.hint));
  const name = (s: Source): string => nameOf.get(s.id)!;

  const tensors: NamedTensor[] = [];
  const yamlLayers = layers.map((l) => {
    const op = getOp(l.type);
    const entry: Record<string, unknown> = { name: name(l), type: l.type };
    if (l.inputs.length === 1) entry.input = name(l.inputs[0]!);
    else if (l.inputs.length > 1) entry.inputs = l.inputs.map(name); // none: a constant layer
    for (const [k, v] of Object.entries(l.attrs)) {
      const spec = op.attrs[k]!;
      if (spec.type === 'refs') {
        const refs = Object.entries(v as Record<string, Source>);
        if (refs.length) entry[k] = Object.fromEntries(refs.map(([s, src]) => [s, name(src)]));
      } else if (!same(v, spec.default) && !(k === 'stride' && same(spec.default, []) && same(v, l.attrs.kernel))) {
        // (A pooling stride equal to the kernel is its default, and left out; a conv's default stride is 1.)
        // Per-axis window sizes equal on every axis read best as one number (kernel: 3).
        entry[k] = SPATIAL_KEYS.has(k) && Array.isArray(v) && v.length === 1 ? v[0] : v;
      }
    }
    for (const [p, t] of Object.entries(l.params)) {
      // A model's own weights may hold NaN or Inf (a corrupt file): an error naming the node, not a net that cannot load.
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new LayergenError(`node ${JSON.stringify(l.node)} (${l.type}): its ${p} holds the non-finite value ${t.data[bad]} (at flat index ${bad}); layergen weights must be finite`, file ? { file } : undefined);
      }
      tensors.push({ name: `${name(l)}.${p}`, shape: t.shape, data: t.data });
    }
    return entry;
  });

  const weightsFile = `${netName}.safetensors`;
  const doc = new Document({
    name: netName,
    inputs: Object.fromEntries(
      c.net.inputs.map((i) => [
        name(i),
        i.dtype === 'int' || i.batchAxis ? { shape: [...i.shape], ...(i.dtype === 'int' ? { dtype: 'int' } : {}), ...(i.batchAxis ? { batch_axis: i.batchAxis } : {}) } : [...i.shape],
      ]),
    ),
    layers: yamlLayers,
    // An output whose batch axis is not the first (an LSTM's Y_h [layers, batch, hidden]) keeps ONNX's layout in predictBatch.
    outputs: c.outputs.map((o) => (o.batchAxis ? { name: name(o.src), batch_axis: o.batchAxis } : name(o.src))),
    weights: weightsFile,
  });
  doc.commentBefore = header;
  // Shapes, lists of ints and small maps inline; the layer list in block style.
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
    Map(_, node, path) {
      const parent = path[path.length - 1];
      const key = isPair(parent) && isScalar(parent.key) ? parent.key.value : undefined;
      const grand = path[path.length - 2];
      const inOutputs = isSeq(parent) && isPair(grand) && isScalar(grand.key) && grand.key.value === 'outputs';
      if ((key !== 'inputs' && key !== 'layers' && path.length > 1 && !isSeq(parent)) || inOutputs) node.flow = true;
    },
  });
  const yaml = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  return {
    name: netName,
    yaml,
    weights: writeSafetensors(tensors, { format: 'pt', generator: 'layergen import' }),
    weightsFile,
    layers: layers.map((l) => ({ name: name(l), type: l.type, node: l.node })),
  };
}
