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
      { op: 'Asin', inputs: ['x'], outputs: ['a'], name: 'first' },
      { op: 'Relu', inputs: ['a'], outputs: ['b'], name: 'fine' },
      { op: 'Acos', inputs: ['b'], outputs: ['c'], name: 'second' },
      { op: 'Tan', inputs: ['x'], outputs: ['d'], name: 'third' },
      { op: 'Add', inputs: ['c', 'd'], outputs: ['y'], name: 'sum' },
    ],
    inputs: [['x', ['N', 4]]],
    outputs: [['y', ['N', 4]]],
  });
  const msg = importError(bytes);
  assert.match(msg, /cannot import: 3 problems \(unsupported ops: Asin, Acos, Tan\)/);
  for (const n of ['node "first" (Asin): unsupported op Asin', 'node "second" (Acos): unsupported op Acos', 'node "third" (Tan): unsupported op Tan']) {
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
  const gather = encodeModel({
    nodes: [gemm, { op: 'Gather', inputs: ['h', 'i'], outputs: ['y'], name: 'pick', attrs: { axis: 1 } }],
    inputs: [['x', ['N', 4]]],
    outputs: [['y', ['N', 2]]],
    initializers: [W, tensorProto('i', [2], [0, 1], INT64)],
  });
  // Part of a layer's output is a slice of it (elements 0..1 of 3 per example).
  assert.match(importOnnx(gather, 'pick.onnx').yaml, /type: slice\n    input: \S+\n    axis: 0\n    end: 2\n/);
  const slice = (s: number, e: number, a: number) =>
    encodeModel({
      nodes: [gemm, { op: 'Slice', inputs: ['h', 's', 'e', 'a'], outputs: ['y'], name: 'pick' }],
      inputs: [['x', ['N', 4]]],
      outputs: [['y', ['N', 2]]],
      initializers: [W, tensorProto('s', [1], [s], INT64), tensorProto('e', [1], [e], INT64), tensorProto('a', [1], [a], INT64)],
    });
  assert.match(importError(slice(0, 2, 0)), /node "pick" \(Slice\): Slice along the batch axis/);
  assert.match(importError(slice(2, 1, 1)), /node "pick" \(Slice\): Slice 2:1:1 of an axis of size 3 selects no elements/);
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

test('arithmetic with constants: batch-dependent or widening constants are clear errors; neutral ones pass x through', () => {
  const add = (c: number[], dims: number[], x: (number | string)[] = ['N', 4]) =>
    encodeModel({
      nodes: [{ op: 'Add', inputs: ['x', 'c'], outputs: ['y'], name: 'plus' }],
      inputs: [['x', x]],
      outputs: [['y', ['N', 4]]],
      initializers: [tensorProto('c', dims, c)],
    });
  const rows = Array.from({ length: 12 }, (_, i) => i);
  assert.match(importError(add(rows, [3, 4])), /node "plus" \(Add\): constant operand of shape \[3, 4\] has 3 entries along the batch axis \(axis 0 of \[N, 4\]\)/);
  assert.match(importError(add(rows.slice(0, 4), [1, 4], ['N', 1])), /constant operand of shape \[1, 4\] would broadcast the tensor operand \[N, 1\] to a larger shape/);
  assert.match(importError(add(rows.slice(0, 8), [2, 1, 4])), /constant operand of shape \[2, 1, 4\] would broadcast the tensor operand \[N, 4\] to a larger shape/);
  assert.match(importError(add(rows.slice(0, 3), [3])), /constant operand of shape \[3\] does not broadcast with \[N, 4\] \(axis 1: 3 against 4\)/);
  const ints = encodeModel({
    nodes: [{ op: 'Add', inputs: ['t', 'c'], outputs: ['y'], name: 'shift' }],
    inputs: [['t', ['N', 4], INT64]],
    outputs: [['y', ['N', 4]]],
    initializers: [tensorProto('c', [], [1], INT64)],
  });
  assert.match(importError(ints), /node "shift" \(Add\): Add needs float operands/);
  const tensors = encodeModel({
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['a'], name: 'act' },
      { op: 'Div', inputs: ['a', 'z'], outputs: ['y'], name: 'ratio' },
    ],
    inputs: [['x', ['N', 4]], ['z', ['N', 3]]],
    outputs: [['y', ['N', 4]]],
  });
  assert.match(importError(tensors), /node "ratio" \(Div\): Div of shapes \[N, 4\] and \[N, 3\] does not broadcast/);
  // The neutral cases pass the tensor through, in either order where the op commutes.
  const neutral = encodeModel({
    nodes: [
      { op: 'Mul', inputs: ['x', 'one'], outputs: ['a'], name: 'times1' },
      { op: 'Add', inputs: ['zeros', 'a'], outputs: ['b'], name: 'plus0' },
      { op: 'Div', inputs: ['b', 'one'], outputs: ['c'], name: 'by1' },
      { op: 'Relu', inputs: ['c'], outputs: ['y'], name: 'act' },
    ],
    inputs: [['x', ['N', 4]]],
    outputs: [['y', ['N', 4]]],
    initializers: [tensorProto('one', [], [1]), tensorProto('zeros', [1, 4], [0, 0, 0, 0])],
  });
  assert.is(importOnnx(neutral, 'neutral.onnx').layers.map((l) => l.type).join(), 'relu');
  // 1 - x and 1 / x are not x: they keep their constant.
  const rsub = encodeModel({
    nodes: [{ op: 'Div', inputs: ['one', 'x'], outputs: ['y'], name: 'inv' }],
    inputs: [['x', ['N', 4]]],
    outputs: [['y', ['N', 4]]],
    initializers: [tensorProto('one', [], [1])],
  });
  assert.is(importOnnx(rsub, 'inv.onnx').layers.map((l) => l.type).join(), 'constant,div');
});

test('a file path in messages is the one given', () => {
  const path = tempModel(new Uint8Array([1, 2, 3]), 'broken.onnx');
  assert.throws(() => importOnnxFile(path), (e: Error) => e instanceof LayergenError && e.message.startsWith(`${path}: `));
});

test.run();
