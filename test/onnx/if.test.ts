/**
 * ONNX `If` at import: a condition known once the model is specialised (--shape, --const) runs
 * the branch it takes, nested Ifs and outer-scope names included, and the result equals
 * onnxruntime-node on the same file; a condition on the batch size under a symbolic batch, or on
 * a run-time value, is an error naming the node and saying how to fix it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LayergenError } from '../../compiler/errors.js';
import { importOnnxFile, type ImportOptions } from '../../compiler/frontend/onnx/index.js';
import { compileAndImport, mismatch, writeImportedNet } from '../helpers.js';
import { INT64, encodeModel, tensorProto, tempModel, type TinyGraph } from './support.js';

type Ort = typeof import('onnxruntime-node');
let ort: Ort | null = null;
try {
  ort = await import('onnxruntime-node');
} catch (e) {
  console.log(`  note: onnxruntime-node is not available (${(e as Error).message.split('\n')[0]}); skipping the onnxruntime comparison`);
}

/** An If branch computing one pointwise op of x, as its output `out` ([N, 4]). */
const branch = (op: string, out: string): TinyGraph => ({ nodes: [{ op, inputs: ['x'], outputs: [out] }], outputs: [[out, ['N', 4]]] });

const ZERO = tensorProto('zero', [], [0], INT64);
const ONE = tensorProto('one', [], [1], INT64);
const TWO = tensorProto('two', [], [2], INT64);

/** `If Shape(x)[0] == 1: relu(x) else: sigmoid(x)`, as exports that squeeze a batch of one have. */
const ON_BATCH = tempModel(
  encodeModel({
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['s'] },
      { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
      { op: 'Equal', inputs: ['n', 'one'], outputs: ['c'] },
      {
        op: 'If',
        name: 'batch_is_one',
        inputs: ['c'],
        outputs: ['y'],
        attrs: {
          then_branch: branch('Relu', 'yt'),
          else_branch: branch('Sigmoid', 'ye'),
        },
      },
    ],
    inputs: [['x', ['N', 4]]],
    outputs: [['y', ['N', 4]]],
    initializers: [ZERO, ONE],
  }),
  'on_batch.onnx',
);

/** An If on flag > 0, whose then branch holds an If on flag > 2 (outer-scope names in both). */
const NESTED = tempModel(
  encodeModel({
    nodes: [
      { op: 'Greater', inputs: ['flag', 'zero'], outputs: ['c'] },
      {
        op: 'If',
        name: 'outer',
        inputs: ['c'],
        outputs: ['y'],
        attrs: {
          then_branch: {
            nodes: [
              { op: 'Greater', inputs: ['flag', 'two'], outputs: ['c2'] },
              {
                op: 'If',
                name: 'inner',
                inputs: ['c2'],
                outputs: ['yi'],
                attrs: {
                  then_branch: branch('Tanh', 'a'),
                  else_branch: branch('Relu', 'b'),
                },
              },
            ],
            outputs: [['yi', ['N', 4]]],
          },
          else_branch: branch('Sigmoid', 'ye'),
        },
      },
    ],
    inputs: [
      ['x', ['N', 4]],
      ['flag', [], INT64],
    ],
    outputs: [['y', ['N', 4]]],
    initializers: [ZERO, TWO],
  }),
  'nested.onnx',
);

/** An If on a value computed from x (sigmoid of a row sum): known only at run time. */
const RUNTIME = tempModel(
  encodeModel({
    nodes: [
      { op: 'ReduceSum', inputs: ['x', 'axes'], outputs: ['r'], attrs: { keepdims: 0 } },
      { op: 'Sigmoid', inputs: ['r'], outputs: ['c'] },
      {
        op: 'If',
        name: 'on_values',
        inputs: ['c'],
        outputs: ['y'],
        attrs: {
          then_branch: branch('Relu', 'yt'),
          else_branch: branch('Sigmoid', 'ye'),
        },
      },
    ],
    inputs: [['x', ['N', 4]]],
    outputs: [['y', ['N', 4]]],
    initializers: [tensorProto('axes', [1], [1], INT64)],
  }),
  'runtime.onnx',
);

function importError(file: string, opts: ImportOptions = {}): string {
  try {
    importOnnxFile(file, opts);
  } catch (e) {
    if (e instanceof LayergenError) return e.message;
    throw e;
  }
  throw new Error('the import should have failed');
}

test('an If on the batch size with a symbolic batch: the error names the node where the batch size enters and suggests fixing the batch', () => {
  const msg = importError(ON_BATCH);
  assert.match(msg, /node "Equal_2" \(Equal\): Equal of the batch size cannot be folded; an If on it cannot be decided for a symbolic batch: fix the batch size \(e\.g\. --shape x=1,4\)/);
});

test('an If on a run-time value: the error names the node and says why', () => {
  const msg = importError(RUNTIME);
  assert.match(msg, /node "on_values" \(If\): the condition is computed from the net inputs at run time/);
});

test('the nested If with its condition input left open: the error points at --const', () => {
  const msg = importError(NESTED);
  assert.match(msg, /input "flag".*--const flag=VALUE/);
});

const x = Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.3) * 2);

/** Imports with `opts`, compiles, and compares predict with onnxruntime on `dims`-shaped x (and feeds). */
async function againstOrt(file: string, opts: ImportOptions, dims: number[], layer: RegExp, feeds: Record<string, bigint> = {}): Promise<void> {
  const r = importOnnxFile(file, opts);
  assert.match(r.yaml, layer);
  const { yaml } = writeImportedNet('if', r);
  const m = await compileAndImport<{ predict(i: Record<string, unknown>): Record<string, Float64Array> }>(yaml, 'numeric');
  const n = dims.reduce((a, b) => a * b, 1);
  const xs = x.slice(0, n);
  const got = m.predict({ x: xs }).y!;
  if (!ort) return;
  const session = await ort.InferenceSession.create(file);
  const o = await session.run({
    x: new ort.Tensor('float32', Float32Array.from(xs), dims),
    ...Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('int64', BigInt64Array.from([v]), [])])),
  });
  assert.is(mismatch(got, Array.from(o.y!.data as Float32Array), 1e-6, 1, 'y vs onnxruntime'), null);
}

test('--shape x=1,4 decides the If on the batch size (then: relu), --shape x=3,4 the other way (sigmoid); both equal onnxruntime', async () => {
  await againstOrt(ON_BATCH, { shapes: { x: [1, 4] } }, [1, 4], /type: relu/);
  await againstOrt(ON_BATCH, { shapes: { x: [3, 4] } }, [3, 4], /type: sigmoid/);
});

test('nested Ifs decided by --const flag: each of the three paths equals onnxruntime', async () => {
  await againstOrt(NESTED, { consts: { flag: [3] } }, [1, 4], /type: tanh/, { flag: 3n });
  await againstOrt(NESTED, { consts: { flag: [1] } }, [1, 4], /type: relu/, { flag: 1n });
  await againstOrt(NESTED, { consts: { flag: [0] } }, [1, 4], /type: sigmoid/, { flag: 0n });
});

test.run();
