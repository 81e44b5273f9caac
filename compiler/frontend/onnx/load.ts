/**
 * ONNX protobuf -> OnnxModel, decoded by onnx-proto (the onnx.proto schema compiled for
 * protobufjs). Tensors are read from raw_data or the typed fields (float_data, double_data,
 * int32_data, int64_data, uint64_data) in float32, float64, float16, bfloat16 and the integer
 * types; a corrupt or truncated file, external data and unsupported element types are clear errors.
 */
import type Long from 'long';
import onnxProto from 'onnx-proto';
import { LayergenError } from '../../errors.js';
import { decodeFloats, halfToNumber, bf16ToNumber } from '../weights/floats.js';
import type { Attr, ElemType, OnnxGraph, OnnxModel, OnnxNode, OnnxValueInfo } from './model.js';
import { constant, fmt, size, type Const, type ConstDType } from './values.js';

const { onnx } = onnxProto;
type TensorProto = onnxProto.onnx.ITensorProto;

/** ONNX TensorProto.DataType: name, layergen kind, byte size in raw_data. */
const DTYPES: Readonly<Record<number, { name: string; kind: ElemType; bytes: number }>> = {
  1: { name: 'float32', kind: 'float', bytes: 4 },
  2: { name: 'uint8', kind: 'int', bytes: 1 },
  3: { name: 'int8', kind: 'int', bytes: 1 },
  4: { name: 'uint16', kind: 'int', bytes: 2 },
  5: { name: 'int16', kind: 'int', bytes: 2 },
  6: { name: 'int32', kind: 'int', bytes: 4 },
  7: { name: 'int64', kind: 'int', bytes: 8 },
  8: { name: 'string', kind: 'other', bytes: 0 },
  9: { name: 'bool', kind: 'bool', bytes: 1 },
  10: { name: 'float16', kind: 'float', bytes: 2 },
  11: { name: 'float64', kind: 'float', bytes: 8 },
  12: { name: 'uint32', kind: 'int', bytes: 4 },
  13: { name: 'uint64', kind: 'int', bytes: 8 },
  14: { name: 'complex64', kind: 'other', bytes: 8 },
  15: { name: 'complex128', kind: 'other', bytes: 16 },
  16: { name: 'bfloat16', kind: 'float', bytes: 2 },
};

/** An int64 as decoded by protobufjs (a Long, or a number) -> number (exact up to 2^53). */
export function int64(v: number | Long | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : Number(v.toString());
}

export function dtypeName(t: number): string {
  return DTYPES[t]?.name ?? `type ${t}`;
}

/** Decodes a model file's bytes; `file` names it in messages. */
export function loadOnnx(bytes: Uint8Array, file: string): OnnxModel {
  const fail = (detail: string): LayergenError => new LayergenError(detail, { file });
  if (bytes.length === 0) throw fail('empty file: not an ONNX model');
  let m: onnxProto.onnx.ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw fail(`not a valid ONNX model (corrupt or truncated protobuf: ${e instanceof Error ? e.message : String(e)})`);
  }
  const g = m.graph;
  if (!g || ((g.node ?? []).length === 0 && (g.output ?? []).length === 0)) throw fail('not a valid ONNX model: it has no graph (is this an .onnx file?)');
  const opset = m.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!opset) throw fail('the model imports no opset of the default ONNX domain');
  try {
    const body = decodeGraph(g, '', 0);
    return {
      opset: int64(opset.version),
      producer: [m.producerName, m.producerVersion].filter(Boolean).join(' '),
      graphName: g.name ?? '',
      nodes: body.nodes,
      initializers: body.initializers,
      inputs: (g.input ?? []).filter((v) => !body.initializers.has(v.name ?? '')).map(valueInfo),
      outputs: (g.output ?? []).map(valueInfo),
    };
  } catch (e) {
    if (e instanceof LoadError) throw fail(e.message);
    throw e;
  }
}

class LoadError extends Error {}

/** How deep If branches may nest (exporters write a few levels; a deeper file is hostile or corrupt). */
const MAX_GRAPH_DEPTH = 64;

/**
 * A graph's nodes and initializers; subgraphs (If branches) are decoded with it. Unnamed nodes are
 * `<OpType>#<index>`, prefixed inside a branch by the If's name and branch (`If_0/then/Relu#3`).
 */
function decodeGraph(g: onnxProto.onnx.IGraphProto, prefix: string, depth: number): OnnxGraph {
  if (depth > MAX_GRAPH_DEPTH) throw new LoadError(`subgraphs nest more than ${MAX_GRAPH_DEPTH} deep`);
  const initializers = new Map<string, Const>();
  for (const t of g.initializer ?? []) initializers.set(t.name ?? '', tensorConst(t, `initializer "${t.name}"`));
  const nodes = (g.node ?? []).map((n, i): OnnxNode => {
    const name = n.name || `${prefix}${n.opType}#${i}`;
    return {
      name,
      opType: n.opType ?? '',
      domain: n.domain ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attrs: new Map((n.attribute ?? []).map((a) => [a.name ?? '', attr(a, `node "${name}": attribute ${a.name}`, `${name}/${a.name}/`, depth)])),
    };
  });
  return { nodes, initializers, outputs: (g.output ?? []).map((o) => o.name ?? '') };
}

function valueInfo(v: onnxProto.onnx.IValueInfoProto): OnnxValueInfo {
  const tt = v.type?.tensorType;
  const info = tt ? DTYPES[tt.elemType ?? 0] : undefined;
  const dims = tt?.shape ? (tt.shape.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined && int64(d.dimValue) > 0 ? int64(d.dimValue) : null)) : null;
  return { name: v.name ?? '', elemType: info?.kind ?? 'other', typeName: tt ? (info?.name ?? `type ${tt.elemType}`) : 'a non-tensor type', dims };
}

function attr(a: onnxProto.onnx.IAttributeProto, what: string, prefix: string, depth: number): Attr {
  const T = onnx.AttributeProto.AttributeType;
  const text = (b: Uint8Array | null | undefined): string => Buffer.from(b ?? []).toString('utf8');
  switch (a.type) {
    case T.FLOAT:
      return { type: 'float', value: a.f ?? 0 };
    case T.INT:
      return { type: 'int', value: int64(a.i) };
    case T.STRING:
      return { type: 'string', value: text(a.s) };
    case T.TENSOR:
      return { type: 'tensor', value: tensorConst(a.t ?? {}, what) };
    case T.FLOATS:
      return { type: 'floats', value: [...(a.floats ?? [])] };
    case T.INTS:
      return { type: 'ints', value: (a.ints ?? []).map(int64) };
    case T.STRINGS:
      return { type: 'strings', value: (a.strings ?? []).map(text) };
    case T.GRAPH:
      return { type: 'graph', value: decodeGraph(a.g ?? {}, prefix, depth + 1) };
    default:
      return { type: 'other', value: String(a.type) };
  }
}

/** A TensorProto -> Const (float64 numbers; ints exact up to 2^53). */
export function tensorConst(t: TensorProto, what: string): Const {
  const fail = (d: string) => new LoadError(`${what}: ${d}`);
  const info = DTYPES[t.dataType ?? 0];
  if (!info || info.kind === 'other') throw fail(`unsupported element type ${dtypeName(t.dataType ?? 0)}`);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw fail('its data is stored in an external file, which layergen does not read (save the model with all tensors inside: onnx.save(model, path, save_as_external_data=False))');
  }
  const shape = (t.dims ?? []).map(int64);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw fail(`bad dimensions ${fmt(shape)}`);
  const n = size(shape);
  const type = t.dataType!;
  let data: number[];
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  if (raw) {
    if (raw.length !== n * info.bytes) throw fail(`raw_data holds ${raw.length} bytes, but ${info.name} ${fmt(shape)} needs ${n * info.bytes} (file truncated?)`);
    data = rawValues(raw, type);
  } else {
    data = typedValues(t, type);
    if (data.length !== n) throw fail(`holds ${data.length} values, but ${info.name} ${fmt(shape)} needs ${n}`);
  }
  const dtype: ConstDType = info.kind === 'bool' ? 'bool' : (info.kind as 'float' | 'int');
  return constant(dtype, shape, data);
}

function rawValues(raw: Uint8Array, type: number): number[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const ints = (bytes: number, read: (o: number) => number): number[] => Array.from({ length: raw.length / bytes }, (_, i) => read(i * bytes));
  switch (type) {
    case 1:
      return Array.from(decodeFloats(raw, 'f32', true));
    case 10:
      return Array.from(decodeFloats(raw, 'f16', true));
    case 11:
      return Array.from(decodeFloats(raw, 'f64', true));
    case 16:
      return Array.from(decodeFloats(raw, 'bf16', true));
    case 2:
    case 9:
      return Array.from(raw);
    case 3:
      return ints(1, (o) => view.getInt8(o));
    case 4:
      return ints(2, (o) => view.getUint16(o, true));
    case 5:
      return ints(2, (o) => view.getInt16(o, true));
    case 6:
      return ints(4, (o) => view.getInt32(o, true));
    case 12:
      return ints(4, (o) => view.getUint32(o, true));
    case 7:
      return ints(8, (o) => Number(view.getBigInt64(o, true)));
    case 13:
      return ints(8, (o) => Number(view.getBigUint64(o, true)));
  }
  return [];
}

/** The typed fields, per the rules in onnx.proto (16-bit floats and small ints live in int32_data). */
function typedValues(t: TensorProto, type: number): number[] {
  switch (type) {
    case 1:
      return (t.floatData ?? []).map((x) => Math.fround(x));
    case 11:
      return [...(t.doubleData ?? [])];
    case 10:
      return (t.int32Data ?? []).map((b) => halfToNumber(b & 0xffff));
    case 16:
      return (t.int32Data ?? []).map((b) => bf16ToNumber(b & 0xffff));
    case 7:
      return (t.int64Data ?? []).map(int64);
    case 12:
    case 13:
      return (t.uint64Data ?? []).map(int64);
    default:
      return [...(t.int32Data ?? [])];
  }
}
