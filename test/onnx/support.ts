/** ONNX import test helpers: the fixtures of test/fixtures/onnx, importing them into a temp dir. */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importOnnxFile, type ImportOptions, type ImportResult } from '../../compiler/frontend/onnx/index.js';
import onnxProto from 'onnx-proto';
import { repo, tempDir, writeImportedNet } from '../helpers.js';

export interface OnnxCase {
  batch: number;
  inputs: Record<string, number[]>;
  float64: Record<string, number[]>;
}

export interface OnnxFixture {
  name: string;
  /** opset -> file name in test/fixtures/onnx */
  models: Record<string, string>;
  /** Per-example shapes; `batch_axis` where the ONNX input's batch axis is not 0 (h0-like states). */
  inputs?: Record<string, { shape: number[]; dtype: 'float' | 'int'; batch_axis?: number }>;
  outputs?: Record<string, number[]>;
  cases?: OnnxCase[];
  /** Texts the import error must contain. */
  expect_error?: string[];
  /** Import options (--shape / --const); with a fixed batch, shapes include the batch of 1. */
  import?: ImportOptions;
}

export const FIXTURES = 'test/fixtures/onnx';

/**
 * A case's input, stored batch-first, in ONNX's layout: its batch dimension at `axis` of the
 * per-example shape (an h0 [layers, batch, hidden] has axis 1), as onnxruntime takes it and as
 * the imported net's predictBatch does (net.yaml `batch_axis`).
 */
export function toOnnxLayout(flat: readonly number[], batch: number, shape: readonly number[], axis: number): { data: number[]; dims: number[] } {
  const per = shape.reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = per / outer;
  const data: number[] = [];
  for (let o = 0; o < outer; o++) for (let b = 0; b < batch; b++) data.push(...flat.slice(b * per + o * inner, b * per + (o + 1) * inner));
  return { data, dims: [...shape.slice(0, axis), batch, ...shape.slice(axis)] };
}

/** Every input of a case in ONNX's layout (see toOnnxLayout). */
export function onnxLayoutInputs(fx: OnnxFixture, c: OnnxCase): Record<string, number[]> {
  return Object.fromEntries(Object.keys(fx.inputs!).map((k) => [k, onnxInput(fx, c, k).data]));
}

/** One input of a case as onnxruntime takes it: ONNX's layout, or the whole tensor when the fixture fixes the batch. */
export function onnxInput(fx: OnnxFixture, c: OnnxCase, k: string): { data: number[]; dims: number[] } {
  const spec = fx.inputs![k]!;
  if (fx.import) return { data: c.inputs[k]!, dims: spec.shape };
  return toOnnxLayout(c.inputs[k]!, c.batch, spec.shape, spec.batch_axis ?? 0);
}

export function onnxFixtures(): OnnxFixture[] {
  return readdirSync(repo(FIXTURES))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(repo(FIXTURES, f), 'utf8')) as OnnxFixture);
}

export const modelPath = (file: string): string => repo(FIXTURES, file);

const imported = new Map<string, { result: ImportResult; yaml: string; dir: string }>();
/**
 * Imports a model and writes the net into a temp dir; returns the YAML path relative to the repo.
 * Each model is imported once per run (the test files share it) and its net never rewritten, so
 * its compiled modules are shared too (freezeNet). Failed imports are not remembered.
 */
export function importToTemp(file: string, name?: string, opts: ImportOptions = {}): { result: ImportResult; yaml: string; dir: string } {
  const key = `${file}\u0000${name ?? ''}\u0000${JSON.stringify(opts)}`;
  const known = imported.get(key);
  if (known) return known;
  const result = importOnnxFile(file, { ...opts, ...(name ? { name } : {}) });
  const r = { result, ...writeImportedNet('onnx', result) };
  imported.set(key, r);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Small ONNX models built here (with onnx-proto's encoder), for errors and edge cases.

const { onnx } = onnxProto;

export const FLOAT = 1;
export const INT64 = 7;

export interface TinyNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, number | number[] | string | TinyGraph>;
}

/** A subgraph attribute (an If's branch): its nodes, outputs and initializers. */
export interface TinyGraph {
  nodes: TinyNode[];
  outputs: [string, (number | string)[]][];
  initializers?: onnxProto.onnx.ITensorProto[];
}

/** A tensor initializer in float_data (float) or int64_data (int). */
export function tensorProto(name: string, dims: number[], values: number[], type = FLOAT): onnxProto.onnx.ITensorProto {
  return type === FLOAT ? { name, dims, dataType: FLOAT, floatData: values } : { name, dims, dataType: type, int64Data: values };
}

function attrProto(name: string, v: number | number[] | string | TinyGraph): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: Buffer.from(v) };
  if (!Array.isArray(v) && typeof v === 'object') return { name, type: T.GRAPH, g: graphProto(name, v.nodes, [], v.outputs, v.initializers ?? []) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
}

const valueInfo = (name: string, dims: (number | string)[], type = FLOAT): onnxProto.onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: type, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
});

export function encodeModel(m: {
  nodes: TinyNode[];
  inputs: [string, (number | string)[], number?][];
  outputs: [string, (number | string)[]][];
  initializers?: onnxProto.onnx.ITensorProto[];
  opset?: number;
}): Uint8Array {
  const graph = graphProto('tiny', m.nodes, m.inputs, m.outputs, m.initializers ?? []);
  return onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: m.opset ?? 17 }], producerName: 'test', graph }).finish();
}

function graphProto(
  name: string,
  nodes: TinyNode[],
  inputs: [string, (number | string)[], number?][],
  outputs: [string, (number | string)[]][],
  initializers: onnxProto.onnx.ITensorProto[],
): onnxProto.onnx.IGraphProto {
  return {
    name,
    node: nodes.map((n, i) => ({
      name: n.name ?? `${name === 'tiny' ? '' : `${name}_`}${n.op}_${i}`,
      opType: n.op,
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attrProto(k, v)),
    })),
    input: inputs.map(([n, d, t]) => valueInfo(n, d, t ?? FLOAT)),
    output: outputs.map(([n, d]) => valueInfo(n, d)),
    initializer: initializers,
  };
}

/** Writes bytes to a temp file and returns its path. */
export function tempModel(bytes: Uint8Array, name = 'model.onnx'): string {
  const dir = tempDir('onnx-model');
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}
