/**
 * ONNX arithmetic with a constant operand: broadcastTo materialises the constant at the tensor's
 * per-example shape by numpy's rules (checked against a direct index computation), and the
 * importer writes one `constant` layer per constant and shape.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { importOnnx } from '../../compiler/frontend/onnx/index.js';
import { broadcastTo } from '../../compiler/frontend/onnx/mappers/arithmetic.js';
import { NodeError } from '../../compiler/frontend/onnx/model.js';
import { constant, type Tensor } from '../../compiler/frontend/onnx/values.js';
import { encodeModel, tensorProto } from './support.js';

/** A tensor value of per-example `shape` with the batch at `batchAxis` (segments do not matter here). */
const tensor = (shape: number[], batchAxis = 0): Tensor => ({ kind: 'tensor', dtype: 'float', shape, batchAxis, segs: [] });
const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** c[broadcast index] for every per-example element, by explicit multi-indices (numpy semantics). */
function reference(cShape: number[], cData: number[], full: number[], batchAxis: number): number[] {
  const out: number[] = [];
  const per = full.filter((_, i) => i !== batchAxis);
  const total = per.reduce((a, b) => a * b, 1);
  for (let e = 0; e < total; e++) {
    const idx: number[] = [];
    let rest = e;
    for (let k = per.length - 1; k >= 0; k--) {
      idx.unshift(rest % per[k]!);
      rest = Math.floor(rest / per[k]!);
    }
    idx.splice(batchAxis, 0, 0);
    const cIdx = cShape.map((d, j) => (d === 1 ? 0 : idx[idx.length - cShape.length + j]!));
    out.push(cData[cIdx.reduce((acc, v, j) => acc * cShape[j]! + v, 0)]!);
  }
  return out;
}

test('broadcastTo: scalars, [1], per-channel [C, 1, 1], rows [1, F], batch axis inside, leading 1s', () => {
  const cases: [number[], number[], number][] = [
    [[], [4, 6], 0],
    [[1], [4, 6], 0],
    [[6], [4, 6], 0],
    [[4, 1, 1], [4, 3, 5], 0],
    [[1, 4, 1, 1], [4, 3, 5], 0],
    [[1, 6], [6], 0],
    [[3, 1], [3, 4], 0],
    [[7, 1, 3], [7, 3], 1], // [T, N, F] with a [T, 1, F] constant
    [[1, 1, 1, 6], [6], 0], // y gains two leading 1-axes
  ];
  for (const [cShape, shape, batchAxis] of cases) {
    const n = cShape.reduce((a, b) => a * b, 1);
    const data = iota(n);
    const full = [...shape];
    full.splice(batchAxis, 0, 2);
    const got = broadcastTo(constant('float', cShape, data), tensor(shape, batchAxis));
    assert.equal(Array.from(got.data), reference(cShape, data, full, batchAxis), `[${cShape}] against [${shape}] (batch at ${batchAxis})`);
    assert.is(got.lead, Math.max(0, cShape.length - shape.length - 1));
  }
  const fill = broadcastTo({ kind: 'fill', dtype: 'float', dims: ['N', 1, 3], value: 2.5 }, tensor([2, 3]));
  assert.equal(Array.from(fill.data), [2.5, 2.5, 2.5, 2.5, 2.5, 2.5], 'a fill of batch-dependent shape along the batch axis');
});

test('broadcastTo: constants that fix the batch size or widen the tensor are errors', () => {
  const err = (cShape: number[], shape: number[], batchAxis = 0): string => {
    try {
      broadcastTo(constant('float', cShape, iota(cShape.reduce((a, b) => a * b, 1))), tensor(shape, batchAxis));
    } catch (e) {
      if (e instanceof NodeError) return e.message;
      throw e;
    }
    throw new Error('expected an error');
  };
  assert.match(err([3, 6], [6]), /constant operand of shape \[3, 6\] has 3 entries along the batch axis \(axis 0 of \[N, 6\]\)/);
  assert.match(err([7, 2, 3], [7, 3], 1), /has 2 entries along the batch axis \(axis 1 of \[7, N, 3\]\)/);
  assert.match(err([4], [1]), /would broadcast the tensor operand \[N, 1\] to a larger shape/);
  assert.match(err([2, 1, 6], [6]), /would broadcast the tensor operand \[N, 6\] to a larger shape/);
  assert.match(err([5], [6]), /does not broadcast with \[N, 6\] \(axis 1: 5 against 6\)/);
  assert.throws(
    () => broadcastTo({ kind: 'fill', dtype: 'float', dims: [3, 'N'], value: 1 }, tensor([3, 4])),
    (e: unknown) => e instanceof NodeError && /depends on the batch size along axis 2 of \[N, 3, 4\]/.test(e.message),
  );
});

test('import: one constant layer per ONNX constant and shape, named after the initializer; both operand orders', () => {
  const bytes = encodeModel({
    nodes: [
      { op: 'Sub', inputs: ['x', 'mean'], outputs: ['a'], name: 'centre' },
      { op: 'Div', inputs: ['a', 'scale'], outputs: ['b'], name: 'norm' },
      { op: 'Sub', inputs: ['mean', 'b'], outputs: ['c'], name: 'flip' },
      { op: 'Reciprocal', inputs: ['c'], outputs: ['d'], name: 'inv' },
      { op: 'Neg', inputs: ['d'], outputs: ['y'], name: 'neg' },
    ],
    inputs: [['x', ['N', 2, 3]]],
    outputs: [['y', ['N', 2, 3]]],
    initializers: [tensorProto('mean', [2, 1], [0.5, -1]), tensorProto('scale', [], [4])],
  });
  const r = importOnnx(bytes, 'm.onnx');
  assert.equal(
    r.layers.map((l) => `${l.name}:${l.type}`),
    ['mean:constant', 'sub:sub', 'scale:constant', 'div:div', 'sub_1:sub', 'constant:constant', 'div_1:div', 'constant_1:constant', 'y:mul'],
  );
  assert.match(r.yaml, /- name: sub_1\n {4}type: sub\n {4}inputs: \[mean, div\]/, 'mean - b: the constant first');
  assert.match(r.yaml, /- name: mean\n {4}type: constant\n {4}shape: \[2, 3\]\n/);
});

test('import: a constant shared by tensors of one per-example shape but another batch axis gives two layers', () => {
  const bytes = encodeModel({
    nodes: [
      { op: 'Add', inputs: ['x', 'c'], outputs: ['y1'], name: 'a1' },
      { op: 'Add', inputs: ['z', 'c'], outputs: ['y2'], name: 'a2' },
      { op: 'Add', inputs: ['x', 'c'], outputs: ['y3'], name: 'a3' },
    ],
    inputs: [['x', ['N', 3, 3]], ['z', [3, 3, 'N']]],
    outputs: [['y1', ['N', 3, 3]], ['y2', [3, 3, 'N']], ['y3', ['N', 3, 3]]],
    initializers: [tensorProto('c', [3, 1], [1, 2, 3])],
  });
  const r = importOnnx(bytes, 'm.onnx');
  const values = r.graph.nodes.filter((n) => n.op === 'constant').map((n) => Array.from(n.params.value!.data));
  assert.equal(values, [
    [1, 1, 1, 2, 2, 2, 3, 3, 3], // [N, 3, 3]: c along the first per-example axis (x + c, twice: one layer)
    [1, 2, 3, 1, 2, 3, 1, 2, 3], // [3, 3, N]: c along the second
  ]);
});

test.run();
