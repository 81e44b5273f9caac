/** What the importer writes: layers (patterns recognised back into one layer), names, YAML, weights. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { shortFloat32 } from '../../compiler/frontend/onnx/model.js';
import { defaultName, importOnnx, importOnnxFile } from '../../compiler/frontend/onnx/index.js';
import { isFloat32Exact, writeSafetensors } from '../../compiler/frontend/onnx/safetensorsWriter.js';
import { identifier, NameManager } from '../../compiler/frontend/onnx/write.js';
import { readSafetensorsWeights } from '../../compiler/frontend/weights/safetensors.js';
import { encodeModel, INT64, modelPath, tensorProto } from './support.js';

const types = (file: string): string => importOnnxFile(modelPath(file)).layers.map((l) => l.type).join(', ');

test('patterns: one layer per PyTorch module, whatever the opset', () => {
  for (const opset of [14, 17]) {
    assert.is(types(`gelu.opset${opset}.onnx`), 'gelu');
    assert.is(types(`gelu_tanh.opset${opset}.onnx`), 'gelu');
    assert.is(types(`silu.opset${opset}.onnx`), 'silu');
    assert.is(types(`softsign.opset${opset}.onnx`), 'softsign');
    assert.is(types(`softplus_beta.opset${opset}.onnx`), 'softplus');
    assert.is(types(`layernorm.opset${opset}.onnx`), 'layernorm');
    assert.is(types(`linear_rank2.opset${opset}.onnx`), 'linear');
    assert.is(types(`avgpool2d_pad.opset${opset}.onnx`), 'avgpool2d');
    assert.is(types(`lstm_bidir.opset${opset}.onnx`), 'lstm', 'Transpose / Reshape / Squeeze around Y are views');
    assert.is(types(`lstm_stacked_bidir.opset${opset}.onnx`), 'lstm', 'a chain of ONNX LSTMs is one stacked layer');
    assert.is(types(`gru_stacked_bidir_last.opset${opset}.onnx`), 'gru');
    assert.is(types(`lstm_ylast.opset${opset}.onnx`), 'lstm', "y[:, -1] of a forward LSTM is its final state");
    assert.is(types(`globalavgpool.opset${opset}.onnx`), 'globalavgpool');
    assert.is(types(`view.opset${opset}.onnx`), 'reshape, linear', 'shape helpers folded away: x.view(x.size(0), -1) is a reshape');
  }
  assert.is(types('layernorm_noaffine.opset14.onnx'), 'layernorm');
  assert.is(types('relu6.opset17.onnx'), 'hardtanh');
});

test('Slice of a run-time tensor: a slice layer per axis, Python bounds; whole rows of a layer stay views', () => {
  for (const opset of [14, 17]) {
    assert.is(types(`slice_channels.opset${opset}.onnx`), 'slice, tanh');
    assert.is(types(`slice_conv.opset${opset}.onnx`), 'conv1d, slice, slice, reshape, linear');
  }
  const model = encodeModel({
    nodes: [{ op: 'Slice', inputs: ['x', 's', 'e', 'a', 'k'], outputs: ['y'], name: 'cut' }],
    inputs: [['x', ['N', 3, 6]]],
    outputs: [['y', ['N', 2, 3]]],
    initializers: [
      tensorProto('s', [3], [0, 1, -5], INT64),
      tensorProto('e', [3], [2 ** 40, 2 ** 31 - 1, 6], INT64),
      tensorProto('a', [3], [0, 1, -1], INT64),
      tensorProto('k', [3], [1, 1, 2], INT64),
    ],
  });
  const y = parse(importOnnx(model, 'model.onnx').yaml) as { layers: unknown[] };
  assert.equal(y.layers, [
    { name: 'slice', type: 'slice', input: 'x', axis: 0, start: 1 },
    { name: 'y', type: 'slice', input: 'slice', axis: -1, start: 1, step: 2 },
  ]);
});

test('the YAML: inputs and outputs keep their names, attributes as PyTorch had them, weights file', () => {
  const r = importOnnxFile(modelPath('lstm_initial_stacked_bidir.opset17.onnx'), { name: 'net' });
  const y = parse(r.yaml) as Record<string, unknown>;
  assert.equal(y, {
    name: 'net',
    inputs: { x: [7, 3], h0: { shape: [4, 4], batch_axis: 1 }, c0: { shape: [4, 4], batch_axis: 1 } },
    layers: [{ name: 'y', type: 'lstm', input: 'x', units: 4, layers: 2, bidirectional: true, initial: { h: 'h0', c: 'c0' }, return: 'last' }],
    outputs: ['y'],
    weights: 'net.safetensors',
  });
  assert.match(r.yaml, /^# Imported from lstm_initial_stacked_bidir\.opset17\.onnx \(ONNX opset 17, pytorch 1\.13/);
  const w = readSafetensorsWeights(Buffer.from(r.weights), 'net.safetensors');
  assert.equal([...w.keys()].sort(), ['l0', 'l0_reverse', 'l1', 'l1_reverse'].flatMap((s) => ['bias_hh', 'bias_ih', 'weight_hh', 'weight_ih'].map((p) => `y.${p}_${s}`)).sort());
  assert.equal(w.get('y.weight_ih_l1')!.shape, [16, 8]);

  const conv = parse(importOnnxFile(modelPath('conv2d_mixed.opset17.onnx')).yaml) as { layers: Record<string, unknown>[] };
  assert.equal(conv.layers[0], { name: 'y', type: 'conv2d', input: 'x', channels: 6, kernel: [2, 3], stride: [1, 2], padding: [1, 0], dilation: [2, 1], groups: 2 });
  const leaky = parse(importOnnxFile(modelPath('leaky_relu.opset17.onnx')).yaml) as { layers: Record<string, unknown>[] };
  assert.is(leaky.layers[0]!.slope, 0.2, 'float32 attribute 0.20000000298 written as 0.2');
  const emb = parse(importOnnxFile(modelPath('embedding.opset17.onnx')).yaml) as { inputs: unknown };
  assert.equal(emb.inputs, { tokens: { shape: [5], dtype: 'int' } });
});

test('recurrent variants: direction="reverse" is reverse: true, GRU linear_before_reset=0 is reset_after: false', () => {
  const layers = (file: string): Record<string, unknown>[] => (parse(importOnnxFile(modelPath(file)).yaml) as { layers: Record<string, unknown>[] }).layers;
  for (const opset of [14, 17]) {
    assert.equal(layers(`lstm_reverse_initial_stacked.opset${opset}.onnx`), [
      { name: 'y', type: 'lstm', input: 'x', units: 4, layers: 2, reverse: true, initial: { h: 'h0', c: 'c0' } },
    ], 'a chain of reverse LSTMs is one stacked reverse layer');
    assert.equal(layers(`lstm_reverse_yfirst.opset${opset}.onnx`), [{ name: 'y', type: 'lstm', input: 'x', units: 4, reverse: true, return: 'last' }], 'y[:, 0] of a reverse LSTM is its final state');
    assert.equal(layers(`gru_lbr0_bidir_last.opset${opset}.onnx`), [
      { name: 'y', type: 'gru', input: 'x', units: 4, bidirectional: true, reset_after: false, return: 'last' },
    ]);
    assert.equal(layers(`gru_lbr0_reverse.opset${opset}.onnx`), [{ name: 'y', type: 'gru', input: 'x', units: 4, reverse: true, reset_after: false }]);
  }
  const r = importOnnxFile(modelPath('gru_reverse_stacked.opset17.onnx'), { name: 'net' });
  const w = readSafetensorsWeights(Buffer.from(r.weights), 'net.safetensors');
  assert.equal([...w.keys()].sort(), ['l0', 'l1'].flatMap((s) => ['bias_hh', 'bias_ih', 'weight_hh', 'weight_ih'].map((p) => `y.${p}_${s}`)).sort(), "one direction: PyTorch's forward names");
});

test('names: valid identifiers, unique, inputs and outputs first', () => {
  assert.is(identifier('input.1'), 'input_1');
  assert.is(identifier('/fc/Gemm_output_0'), 'fc_Gemm_output_0');
  assert.is(identifier('0'), '_0');
  assert.is(identifier('x'), 'x');
  const names = new NameManager();
  assert.equal(['relu', 'relu', 'relu', 'a-b'].map((n) => names.claim(n)), ['relu', 'relu_1', 'relu_2', 'a_b']);
  assert.is(defaultName('models/my-net.v2.onnx'), 'my_net_v2');
  assert.is(defaultName('2layers.onnx'), '_2layers');
  const bytes = encodeModel({
    nodes: [
      { op: 'Relu', inputs: ['input.1'], outputs: ['out:0'], name: '/act/Relu' },
      { op: 'Tanh', inputs: ['input.1'], outputs: ['out-0'], name: '/act2/Tanh' },
    ],
    inputs: [['input.1', ['batch', 3]]],
    outputs: [['out:0', ['batch', 3]], ['out-0', ['batch', 3]]],
  });
  const r = importOnnx(bytes, 'odd names.onnx');
  assert.is(r.name, 'odd_names');
  const y = parse(r.yaml) as { inputs: Record<string, unknown>; outputs: string[] };
  assert.equal(Object.keys(y.inputs), ['input_1']);
  assert.equal(y.outputs, ['out_0', 'out_0_1']);
  assert.throws(() => importOnnx(bytes, 'x.onnx', { name: 'not valid' }), /--name: "not valid" is not a valid net name/);
});

test('weights: float32 values stored as F32, others as F64; the reader reads them back exactly', () => {
  const data = [0.1, 1 / 3, Math.fround(0.1), -0];
  assert.is(isFloat32Exact(data), false);
  assert.is(isFloat32Exact(data.map(Math.fround)), true);
  const bytes = writeSafetensors([
    { name: 'a.weight', shape: [2, 2], data },
    { name: 'a.bias', shape: [3], data: [1.5, -2, 0.25] },
    { name: 'b.empty', shape: [0], data: [] },
  ]);
  assert.is(readUInt(bytes) % 8, 0, 'header padded to 8 bytes');
  const back = readSafetensorsWeights(Buffer.from(bytes), 'x.safetensors');
  assert.equal(Array.from(back.get('a.weight')!.data), data);
  assert.equal(Array.from(back.get('a.bias')!.data), [1.5, -2, 0.25]);
  const header = JSON.parse(Buffer.from(bytes).toString('utf8', 8, 8 + readUInt(bytes))) as Record<string, { dtype: string }>;
  assert.is(header['a.weight']!.dtype, 'F64');
  assert.is(header['a.bias']!.dtype, 'F32');
  // An ONNX model with float64 weights that are not float32 numbers keeps them in float64.
  const f64 = importOnnxFile(modelPath('gemm_f64.opset17.onnx'));
  const h = JSON.parse(Buffer.from(f64.weights).toString('utf8', 8, 8 + readUInt(f64.weights))) as Record<string, { dtype: string }>;
  assert.is(h['y.weight']!.dtype, 'F64');
});

const readUInt = (b: Uint8Array): number => Number(Buffer.from(b).readBigUInt64LE(0));

test('float32 attributes read back as the decimal PyTorch had', () => {
  assert.is(shortFloat32(Math.fround(0.2)), 0.2);
  assert.is(shortFloat32(Math.fround(1e-5)), 1e-5);
  assert.is(shortFloat32(Math.fround(1 / 6)), 0.16666667);
  assert.is(shortFloat32(0.1), 0.1, 'a float64 that is not a float32 stays');
  assert.is(shortFloat32(3), 3);
});

test('Gemm: transB = 0, alpha and beta fold into the weights; typed fields and float16 read', () => {
  const r = importOnnxFile(modelPath('gemm_typed.opset17.onnx'));
  assert.is(r.layers.map((l) => l.type).join(), 'linear');
  const bytes = encodeModel({
    nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'c'], outputs: ['y'], name: 'fc', attrs: { transB: 1, alpha: 2.5 } }],
    inputs: [['x', ['N', 2]]],
    outputs: [['y', ['N', 2]]],
    initializers: [tensorProto('w', [2, 2], [1, 2, 3, 4]), tensorProto('c', [2], [0.5, -0.5])],
  });
  const w = readSafetensorsWeights(Buffer.from(importOnnx(bytes, 'g.onnx').weights), 'g');
  assert.equal(Array.from(w.get('y.weight')!.data), [2.5, 5, 7.5, 10]);
  assert.equal(Array.from(w.get('y.bias')!.data), [0.5, -0.5]);
});

test.run();
