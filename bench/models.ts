/**
 * The benchmark nets, each in three engines' terms from ONE set of weights: the layergen net
 * (a seeded net.yaml; seeded init gives PyTorch-like float32 weights), an ONNX model for
 * onnxruntime-node (encoded here with onnx-proto: Gemm/Relu, LSTM), and a tfjs function.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { loadNet } from '../compiler/frontend/index.js';
import type { Graph, Tensor } from '../compiler/ir/graph.js';

const { onnx } = onnxProto;
type Tf = typeof import('@tensorflow/tfjs');
type TfTensor = import('@tensorflow/tfjs').Tensor;

export interface BenchNet {
  /** Row label, e.g. `Linear(3→2)`. */
  readonly label: string;
  /** Net name (module file names). */
  readonly name: string;
  readonly yaml: string;
  /** Per-example input shape (layergen's, batch-first). */
  readonly input: readonly number[];
  /** Per-example output size. */
  readonly outputSize: number;
  /** The ONNX model of the net, from the layergen graph's parameters. */
  onnx(g: Graph): Uint8Array;
  /** A tfjs function from a [batch, ...input] tensor to [batch, outputSize], with the same weights. */
  tfjs(tf: Tf, g: Graph): (x: TfTensor) => TfTensor;
}

const f32 = (t: Tensor): Float32Array => Float32Array.from(t.data);

function param(g: Graph, layer: string, name: string): Tensor {
  const n = g.nodes.find((m) => m.name === layer);
  const t = n?.params[name];
  if (!t) throw new Error(`bench: ${layer}.${name} not found`);
  return t;
}

function initializer(name: string, dims: readonly number[], data: Float32Array): onnxProto.onnx.ITensorProto {
  return { name, dims: [...dims], dataType: 1, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

const valueInfo = (name: string, dims: readonly (number | string)[]): onnxProto.onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
});

function model(nodes: onnxProto.onnx.INodeProto[], inputs: onnxProto.onnx.IValueInfoProto[], output: onnxProto.onnx.IValueInfoProto, init: onnxProto.onnx.ITensorProto[]): Uint8Array {
  const graph = { name: 'bench', node: nodes, input: inputs, output: [output], initializer: init };
  return onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'layergen-bench', graph }).finish();
}

/** A stack of linear layers (relu between them) as ONNX Gemm + Relu nodes. */
function mlpOnnx(g: Graph, layers: readonly string[], inputSize: number, outputSize: number): Uint8Array {
  const init: onnxProto.onnx.ITensorProto[] = [];
  const nodes: onnxProto.onnx.INodeProto[] = [];
  let prev = 'x';
  layers.forEach((l, i) => {
    const w = param(g, l, 'weight');
    init.push(initializer(`${l}.weight`, w.shape, f32(w)), initializer(`${l}.bias`, [w.shape[0]!], f32(param(g, l, 'bias'))));
    nodes.push({ opType: 'Gemm', input: [prev, `${l}.weight`, `${l}.bias`], output: [`${l}.out`], attribute: [{ name: 'transB', type: 2, i: 1 }] });
    prev = `${l}.out`;
    if (i < layers.length - 1) {
      nodes.push({ opType: 'Relu', input: [prev], output: [`${l}.relu`] });
      prev = `${l}.relu`;
    }
  });
  return model(nodes, [valueInfo('x', ['N', inputSize])], valueInfo(prev, ['N', outputSize]), init);
}

function mlpTfjs(tf: Tf, g: Graph, layers: readonly string[]): (x: TfTensor) => TfTensor {
  const ws = layers.map((l) => {
    const w = param(g, l, 'weight');
    return { w: tf.tensor2d(f32(w), [w.shape[0]!, w.shape[1]!]).transpose(), b: tf.tensor1d(f32(param(g, l, 'bias'))) };
  });
  return (x) =>
    tf.tidy(() => {
      let h = x as import('@tensorflow/tfjs').Tensor2D;
      ws.forEach(({ w, b }, i) => {
        h = tf.add(tf.matMul(h, w as import('@tensorflow/tfjs').Tensor2D), b);
        if (i < ws.length - 1) h = tf.relu(h);
      });
      return h;
    });
}

/** PyTorch gate blocks (i, f, g, o) in ONNX's order (i, o, f, c). */
function onnxGates(data: Float32Array): Float32Array {
  const block = data.length / 4;
  const out = new Float32Array(data.length);
  [0, 3, 1, 2].forEach((src, dst) => out.set(data.subarray(src * block, (src + 1) * block), dst * block));
  return out;
}

function lstmNet(units: number): BenchNet {
  const T = 50;
  const F = 4;
  return {
    label: `LSTM(${F}→${units})×${T}`,
    name: `lstm${units}`,
    yaml: `name: lstm${units}\ninputs:\n  x: [${T}, ${F}]\nlayers:\n  - name: lstm\n    type: lstm\n    units: ${units}\nseed: 7\n`,
    input: [T, F],
    outputSize: T * units,
    onnx(g) {
      const H = units;
      const w = onnxGates(f32(param(g, 'lstm', 'weight_ih_l0')));
      const r = onnxGates(f32(param(g, 'lstm', 'weight_hh_l0')));
      const b = new Float32Array(8 * H);
      b.set(onnxGates(f32(param(g, 'lstm', 'bias_ih_l0'))), 0);
      b.set(onnxGates(f32(param(g, 'lstm', 'bias_hh_l0'))), 4 * H);
      const init = [initializer('W', [1, 4 * H, F], w), initializer('R', [1, 4 * H, H], r), initializer('B', [1, 8 * H], b)];
      const node = { opType: 'LSTM', input: ['x', 'W', 'R', 'B'], output: ['y'], attribute: [{ name: 'hidden_size', type: 2, i: H }] };
      // X [T, batch, F] (batch 1: the same memory as layergen's [T, F]); Y [T, 1, batch, H]
      return model([node], [valueInfo('x', [T, 'N', F])], valueInfo('y', [T, 1, 'N', H]), init);
    },
    tfjs(tf, g) {
      const H = units;
      const layer = tf.layers.lstm({ units: H, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [T, F] });
      const m = tf.sequential({ layers: [layer] });
      const t = (name: string): Tensor => param(g, 'lstm', name);
      const bias = f32(t('bias_ih_l0')).map((v, i) => v + f32(t('bias_hh_l0'))[i]!);
      // Keras gate order i, f, c, o is PyTorch's i, f, g, o; kernels are transposed
      m.setWeights([
        tf.tensor2d(f32(t('weight_ih_l0')), [4 * H, F]).transpose(),
        tf.tensor2d(f32(t('weight_hh_l0')), [4 * H, H]).transpose(),
        tf.tensor1d(bias),
      ]);
      return (x) => m.predict(x) as TfTensor;
    },
  };
}

export const NETS: readonly BenchNet[] = [
  {
    label: 'Linear(3→2)',
    name: 'linear3',
    yaml: 'name: linear3\ninputs:\n  x: [3]\nlayers:\n  - name: fc\n    type: linear\n    units: 2\nseed: 1\n',
    input: [3],
    outputSize: 2,
    onnx: (g) => mlpOnnx(g, ['fc'], 3, 2),
    tfjs: (tf, g) => mlpTfjs(tf, g, ['fc']),
  },
  lstmNet(8),
  lstmNet(128),
  {
    label: 'MLP 784-256-256-10',
    name: 'mlp784',
    yaml:
      'name: mlp784\ninputs:\n  x: [784]\nlayers:\n  - name: fc1\n    type: linear\n    units: 256\n  - type: relu\n' +
      '  - name: fc2\n    type: linear\n    units: 256\n  - type: relu\n  - name: fc3\n    type: linear\n    units: 10\nseed: 42\n',
    input: [784],
    outputSize: 10,
    onnx: (g) => mlpOnnx(g, ['fc1', 'fc2', 'fc3'], 784, 10),
    tfjs: (tf, g) => mlpTfjs(tf, g, ['fc1', 'fc2', 'fc3']),
  },
];

/** Writes a net's YAML into `dir` and loads its graph (parameters as given, before any pass). */
export function writeNet(net: BenchNet, dir: string): { file: string; graph: Graph } {
  const file = join(dir, `${net.name}.yaml`);
  writeFileSync(file, net.yaml);
  return { file, graph: loadNet(file).graph };
}
