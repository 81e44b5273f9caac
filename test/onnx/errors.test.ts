/** Import errors: clear LayergenErrors naming the file (and node), never a crash or a stack trace. */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LayergenError } from '../../compiler/errors.js';
import { importOnnx, importOnnxFile } from '../../compiler/frontend/onnx/index.js';
import { repo } from '../helpers.js';
import { FLOAT, INT64, encodeModel, modelPath, tensorProto, tempModel } from './support.js';

function importError(bytes: Uint8Array, file = 'model.onnx'): string {
  try {
    importOnnx(bytes, file);
  } catch (e) {
    if (e instanceof LayergenError) return e.message;
    throw e;
  }
  throw new Error('import should have failed');
}

const MLP = readFileSync(modelPath('mlp.opset17.onnx'));
const W = tensorProto('w', [4, 3], Array.from({ length: 12 }, (_, i) => i / 8));
const gemm = { op: 'Gemm', inputs: ['x', 'w'], outputs: ['h'], name: 'fc' };

test('an empty file, a truncated model and random bytes are clear errors', () => {
  assert.match(importError(new Uint8Array(0)), /^model\.onnx: empty file: not an ONNX model/);
  for (const frac of [0.1, 0.3, 0.5, 0.7, 0.9, 0.99]) {
    const msg = importError(MLP.subarray(0, Math.floor(MLP.length * frac)));
    assert.match(msg, /^model\.onnx: /, `cut at ${frac}: ${msg}`);
  }
  assert.match(importError(MLP.subarray(0, MLP.length - 1)), /not a valid ONNX model \(corrupt or truncated/);
  assert.match(importError(readFileSync(repo('samples/mlp.yaml'))), /^model\.onnx: (not a valid ONNX model|.*)/);
  const noise = Uint8Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) % 251);
  assert.match(importError(noise), /^model\.onnx: /);
});

test('a missing file is a clear error', () => {
  assert.throws(() => importOnnxFile(repo('test/fixtures/onnx/no-such.onnx')), (e: Error) => e instanceof LayergenError && /cannot read model: ENOENT/.test(e.message));
});

test('every unsupported op is listed with its node name, not only the first', () => {
  const bytes = encodeModel({
    nodes: [
      { op: 'Sin', inputs: ['x'], outputs: ['a'], name: 'first' },
      { op: 'Relu', inputs: ['a'], outputs: ['b'], name: 'fine' },
      { op: 'Cos', inputs: ['b'], outputs: ['c'], name: 'second' },
      { op: 'Exp', inputs: ['x'], outputs: ['d'], name: 'third' },
      { op: 'Add', inputs: ['c', 'd'], outputs: ['y'], name: 'sum' },
    ],
    inputs: [['x', ['N', 4]]],
    outputs: [['y', ['N', 4]]],
  });
  const msg = importError(bytes);
  assert.match(msg, /cannot import: 3 problems \(unsupported ops: Sin, Cos, Exp\)/);
  for (const n of ['node "first" (Sin): unsupported op Sin', 'node "second" (Cos): unsupported op Cos', 'node "third" (Exp): unsupported op Exp']) {
    assert.ok(msg.includes(n), `${n} in:\n${msg}`);
  }
  assert.not.match(msg, /"fine"|"sum"/, 'nodes that are fine are not blamed');
});

test('inputs without a batch dimension, opsets out of range', () => {
  const fixed = encodeModel({ nodes: [gemm], inputs: [['x', [2, 4]]], outputs: [['h', [2, 3]]], initializers: [W] });
  assert.match(importError(fixed), /input "x" \(input\): shape \[2, 4\] has no batch dimension/);
  const two = encodeModel({ nodes: [gemm], inputs: [['x', ['a', 'b']]], outputs: [['h', ['a', 3]]], initializers: [W] });
  assert.match(importError(two), /2 dynamic dimensions; only the batch dimension may be dynamic/);
  const old = encodeModel({ nodes: [gemm], inputs: [['x', ['N', 4]]], outputs: [['h', ['N', 3]]], initializers: [W], opset: 5 });
  assert.match(importError(old), /opset 5 is not supported/);
});

test('using part of a tensor, a constant output, external data: clear errors', () => {
  const slice = encodeModel({
    nodes: [gemm, { op: 'Slice', inputs: ['h', 's', 'e', 'a'], outputs: ['y'], name: 'pick' }],
    inputs: [['x', ['N', 4]]],
    outputs: [['y', ['N', 2]]],
    initializers: [W, tensorProto('s', [1], [0], INT64), tensorProto('e', [1], [2], INT64), tensorProto('a', [1], [1], INT64)],
  });
  assert.match(importError(slice), /output "y" \(output\): uses part of a layer's output \(elements 0\.\.1 of 3 per example\); layergen has no layer that selects part of a tensor/);
  const constant = encodeModel({ nodes: [gemm], inputs: [['x', ['N', 4]]], outputs: [['h', ['N', 3]], ['w', [4, 3]]], initializers: [W] });
  assert.match(importError(constant), /output "w" \(output\): is a constant/);
  const external = encodeModel({
    nodes: [gemm],
    inputs: [['x', ['N', 4]]],
    outputs: [['h', ['N', 3]]],
    initializers: [{ name: 'w', dims: [4, 3], dataType: FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] }],
  });
  assert.match(importError(external), /initializer "w": its data is stored in an external file/);
});

test('ops that need a layergen op that does not exist are named as such', () => {
  const scale = encodeModel({
    nodes: [{ op: 'Mul', inputs: ['x', 'two'], outputs: ['y'], name: 'scale' }],
    inputs: [['x', ['N', 4]]],
    outputs: [['y', ['N', 4]]],
    initializers: [tensorProto('two', [], [2])],
  });
  assert.match(importError(scale), /node "scale" \(Mul\): Mul with a constant operand: layergen has no layer that multiplies by a constant tensor/);
  const div = encodeModel({ nodes: [{ op: 'Div', inputs: ['x', 'x'], outputs: ['y'], name: 'ratio' }], inputs: [['x', ['N', 4]]], outputs: [['y', ['N', 4]]] });
  assert.match(importError(div), /no elementwise division layer/);
  // The neutral cases pass the tensor through.
  const neutral = encodeModel({
    nodes: [
      { op: 'Mul', inputs: ['x', 'one'], outputs: ['a'], name: 'times1' },
      { op: 'Relu', inputs: ['a'], outputs: ['y'], name: 'act' },
    ],
    inputs: [['x', ['N', 4]]],
    outputs: [['y', ['N', 4]]],
    initializers: [tensorProto('one', [], [1])],
  });
  assert.is(importOnnx(neutral, 'neutral.onnx').layers.map((l) => l.type).join(), 'relu');
});

test('a file path in messages is the one given', () => {
  const path = tempModel(new Uint8Array([1, 2, 3]), 'broken.onnx');
  assert.throws(() => importOnnxFile(path), (e: Error) => e instanceof LayergenError && e.message.startsWith(`${path}: `));
});

test.run();
