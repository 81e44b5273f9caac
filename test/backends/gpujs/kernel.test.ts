/**
 * The emitted gpu module: kernel text gpu.js can translate everywhere, strict-clean TypeScript,
 * shapes beyond the fixtures (rank 3, unit axes, constants) against the reference interpreter,
 * chunked and concurrent batches, and input errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gpuNum } from '../../../compiler/backends/gpujs/kernel.js';
import { LayergenError } from '../../../compiler/errors.js';
import { build, buildText } from '../../../compiler/index.js';
import { tensor, type Graph, type TensorType } from '../../../compiler/ir/graph.js';
import { compileAndImport, fixtureNames, loadFixture, repo } from '../../helpers.js';
import { againstInterpreter, gpuFiles, gpuImport, gpuMismatch, kernelSources, typecheck, type GpuModule, type NetSource } from './load.js';

test('float literals always carry a decimal point or exponent; negatives are parenthesised', () => {
  assert.is(gpuNum(0), '0.0');
  assert.is(gpuNum(-0), '(-0.0)');
  assert.is(gpuNum(2), '2.0');
  assert.is(gpuNum(-2), '(-2.0)');
  assert.is(gpuNum(1.5), '1.5');
  assert.is(gpuNum(1e-7), '1e-7');
  assert.is(gpuNum(1e21), '1e+21');
  assert.is(gpuNum(-Infinity), '(-Infinity)');
  assert.is(gpuNum(NaN), '(0.0 / 0.0)', 'no NaN literal in GLSL; 0/0 gives one');
});

/** What gpu.js can translate everywhere: checked on every kernel of every fixture net. */
function checkKernelText(name: string, k: string): void {
  assert.ok(k.startsWith('function ('), `${name}: ${k}`);
  assert.not.match(k, /%|=>|\bvar\b|\{\s*\w+:/, name);
  for (const loop of k.matchAll(/for \(let (\w+) = 0; \w+ < (\S+); \w+\+\+\)/g)) assert.match(loop[2]!, /^\d+$/, name);
  assert.match(
    k,
    /const t = this\.thread\.x;\n {2}const q = Math\.floor\(\(t \+ 0\.5\) \/ (\d+\.0)\);\n {2}const r = t - q \* \1;\n {2}const b = q \+ \(r >= \1 \? 1\.0 : 0\.0\) - \(r < 0\.0 \? 1\.0 : 0\.0\);\n {2}const e = t - b \* \1;/,
    `${name}: thread -> example, element`,
  );
}

test('kernel sources: start with function, constant loop bounds, no %, closures or arrows', async () => {
  const [file] = await gpuFiles({ file: 'samples/mlp.yaml' }, 'ts');
  const kernels = [...file!.text.matchAll(/const k_\w+ = `([^`]*)`/g)].map((m) => m[1]!);
  // fc1+relu1 and fc2+tanh2 are fused (fuseElementwise) and tiled, their x packed first; fc3 (3
  // outputs) is not tiled and reads fc2+tanh2 unpacked; then probs. Each step also has its
  // one-float-per-thread kernel, for kernel kinds without tiles.
  assert.equal(
    [...file!.text.matchAll(/const (k_\w+) = `/g)].map((m) => m[1]),
    ['k_fc1_relu1_pack', 'k_fc1_relu1', 'k_fc1_relu1_tiled', 'k_fc2_tanh2', 'k_fc2_tanh2_tiled', 'k_fc3_unpack', 'k_fc3', 'k_probs'],
  );
  assert.match(file!.text, /const w0 = this\.constants\.w\[\(k\) \* 4\.0 \+ e\];/, 'packed weights, four outputs to a texel');
  assert.match(file!.text, /return \[v0, v1, v2, v3\];/);
  for (const k of kernels) checkKernelText('mlp', k);
  assert.match(file!.text, /const k_probs = `function \(x0\) \{\n {2}const t = this\.thread\.x;/);
  assert.match(file!.text, /lgExp\(\(x0\[o0 \+ r1\] - acc0\)\)/, 'softmax subtracts its max');
  assert.match(file!.text, /import \* as R from '@layergen\/runtime\/gpu';/);
  assert.not.match(file!.text, /from 'gpu\.js'/, 'gpu.js comes through the runtime');
});

test('every fixture net: kernel text gpu.js translates; div/mod without %, int loads rounded, scans per cell', () => {
  let scans = 0;
  for (const name of fixtureNames()) {
    let graph: Graph;
    try {
      graph = build(repo(loadFixture(name).net)).graph;
    } catch (e) {
      if (e instanceof LayergenError && /^unknown layer type /.test(e.detail)) continue; // reported by fixtures.test
      throw e;
    }
    for (const k of kernelSources(graph)) {
      checkKernelText(`${name} ${k.name}`, k.source);
      if (/\bstep\b/.test(k.source)) {
        scans++;
        assert.match(k.source, /^function \([\w, ]*\bstep\) \{[^]*const o0 = b \* \d+\.0 \+ step \* \d+\.0;/, 'the time step is an argument');
      }
    }
  }
  assert.ok(scans > 40, `${scans} scan cells reading the sequence`);
  const flat = kernelSources(build(repo('test/fixtures/nets/flatten_mid.yaml')).graph)[0]!.source;
  assert.match(flat, /Math\.floor\(\(\(i0 \* 12 \+ i1\) \* 2 \+ i2 \+ 0\.5\) \/ 24\.0\)/, 'div: floor((a + 0.5) / c)');
  assert.match(flat, /\(\(i0 \* 12 \+ i1\) \* 2 \+ i2 - 2\.0 \* Math\.floor\(/, 'mod: a - c * div(a, c)');
  const emb = kernelSources(build(repo('test/fixtures/nets/embedding.yaml')).graph)[0]!.source;
  assert.match(emb, /Math\.floor\(x0\[o0 \+ i0\] \+ 0\.5\) < 10 \? this\.constants\.weight\[Math\.floor\(x0\[o0 \+ i0\] \+ 0\.5\) \* 4 \+ i1\] : \(0\.0 \/ 0\.0\)/);
});

test('compile() with target gpu gives the same module (float64 requested: still float32)', async () => {
  const fx = loadFixture('mlp');
  const m = await compileAndImport<GpuModule>(fx.net, 'gpu', { precision: 'float64' });
  try {
    const c = fx.cases[2]!;
    const got = await m.predictBatch(c.inputs, c.batch);
    assert.ok(got.probs instanceof Float32Array);
    assert.is(gpuMismatch(got.probs!, c.float64.probs!, 1e-4, 'probs'), null);
  } finally {
    await m.dispose();
  }
});

test('the emitted TypeScript passes tsc --strict', async () => {
  for (const src of [
    { file: 'samples/mlp.yaml' },
    { file: 'test/fixtures/nets/multi_output.yaml' },
    { file: 'test/fixtures/nets/lstm_initial_stacked_bidir.yaml' },
    { graph: constGraph() },
  ]) {
    assert.equal(await typecheck(src), [], JSON.stringify(Object.keys(src)));
  }
});

const float: (shape: number[]) => TensorType = (shape) => ({ shape, dtype: 'float' });

/** x [3] and a constant c [3]: outputs relu(c) (a step reading only a constant), c itself, x itself, tanh(x). */
function constGraph(): Graph {
  const t3 = float([3]);
  return {
    name: 'consts',
    nodes: [
      { id: 0, op: 'input', name: 'x', inputs: [], attrs: {}, params: {}, type: t3 },
      {
        id: 1,
        op: 'const',
        name: 'c',
        inputs: [],
        attrs: {},
        params: { value: tensor([3], [1.5, -2, 3]) },
        type: t3,
      },
      { id: 2, op: 'relu', name: 'r', inputs: [1], attrs: {}, params: {}, type: t3 },
      { id: 3, op: 'tanh', name: 't', inputs: [0], attrs: {}, params: {}, type: t3 },
    ],
    inputs: [0],
    outputs: [
      { name: 'r', node: 2 },
      { name: 'c', node: 1 },
      { name: 'x', node: 0 },
      { name: 't', node: 3 },
    ],
  };
}

const NETS: Record<string, string> = {
  rank3: `name: rank3
inputs:
  x: [2, 3, 4]
layers:
  - name: fc
    type: linear
    units: 5
  - name: s1
    type: softmax
    axis: 1
  - name: s0
    type: softmax
    axis: 0
    input: fc
  - name: sg
    type: sigmoid
    input: s1
outputs: [s0, sg]
seed: 3
`,
  unit_axes: `name: unit_axes
inputs:
  x: [3, 1, 2]
  y: [3, 1, 1]
layers:
  - name: ys
    type: softmax
    axis: 1
    input: y
  - name: yt
    type: tanh
    input: y
  - name: sm
    type: softmax
    axis: 1
    input: x
  - name: sm2
    type: softmax
    axis: 2
    input: x
  - name: fc
    type: linear
    units: 1
  - name: th
    type: tanh
outputs: [sm, sm2, th, ys, yt]
seed: 5
`,
  // tiled contractions (schedule.ts): K and N not multiples of 4, a packed value that is also a
  // net output (unpacked on read-back, pad lanes dropped), one read by a softmax (not tiled)
  tiled: `name: tiled
inputs:
  x: [13]
layers:
  - name: a
    type: linear
    units: 7
  - name: ar
    type: relu
  - name: b
    type: linear
    units: 6
  - name: c
    type: linear
    units: 9
  - name: sm
    type: softmax
outputs: [ar, b, sm]
seed: 8
`,
  // tiled with no full group of four k (K = 3: the tail only), N = 4 exactly, then K = 4, N = 5
  tiled_small: `name: tiled_small
inputs:
  x: [3]
layers:
  - name: a
    type: linear
    units: 4
  - name: b
    type: linear
    units: 5
seed: 12
`,
  // reductions over part of the output's axes, each its own kernel (schedule.ts hoistReductions)
  reductions: `name: reductions
inputs:
  x: [6, 40]
layers:
  - name: sm
    type: softmax
    axis: 1
    input: x
  - name: ls
    type: log_softmax
    axis: 0
    input: x
  - name: ln
    type: layernorm
    input: x
outputs: [sm, ls, ln]
seed: 9
`,
};

for (const [name, yaml] of Object.entries(NETS)) {
  test(`${name}: gpu matches the reference interpreter`, async () => {
    const { graph } = buildText(yaml, repo('.tmp-test', `${name}.yaml`));
    await againstInterpreter({ graph }, graph, 4, 3);
    await againstInterpreter({ graph }, graph, 2, 60);
  });
}

test('tiled contractions: every linear layer of 4+ outputs, a pack before the first, an unpack before the softmax', () => {
  const { graph } = buildText(NETS.tiled!, repo('.tmp-test', 'tiled.yaml'));
  const names = kernelSources(graph).map((k) => k.name);
  const sources = kernelSources(graph).map((k) => k.source);
  assert.is(names.filter((n) => /_pack$/.test(n)).length, 1, names.join(' '));
  assert.is(names.filter((n) => /_unpack$/.test(n)).length, 1, names.join(' '));
  assert.is(sources.filter((k) => k.includes('return [v0, v1, v2, v3];')).length, 3, 'a (+relu), b and c');
  // K = 13: three full groups of four k, then a tail of one; N = 7: the last lane is padding
  const a = sources.find((k) => k.includes('x[b * 4.0 + k4]'))!;
  assert.match(a, /k4 < 3; k4\+\+/);
  assert.match(a, /const v3 = o3 < 7\.0 \?/);
});

test('reductions that do not depend on every output index run once, in their own kernels, innermost first', () => {
  const { graph } = buildText(NETS.reductions!, repo('.tmp-test', 'reductions.yaml'));
  const ks = kernelSources(graph);
  const reduce = ks.filter((k) => /_reduce(_\d+)?$/.test(k.name));
  // softmax: max, then the sum of exp(x - max); log_softmax likewise; layernorm: mean, then variance
  assert.is(reduce.length, 6, ks.map((k) => k.name).join(' '));
  // softmax's sum reads the max kernel's value, not a reduction of its own
  const sm = ks.filter((k) => /^k_sm/.test(k.name)).map((k) => k.source);
  assert.is(sm.length, 3);
  assert.match(sm[1]!, /lgExp\(\(x0\[o0 \+ i0 \* 40 \+ r\d+\] - x1\[o1 \+ i0\]\)\)/);
  assert.not.match(sm[2]!, /for \(/, 'the softmax kernel itself has no loop left');
});

test('constants: a step reading only a constant, a constant output and an input output', async () => {
  const g = constGraph();
  await againstInterpreter({ graph: g }, g, 3, 2);
});

test('chunked and concurrent batches give the same results as one launch', async () => {
  const fx = loadFixture('mlp_784');
  const c = fx.cases.find((k) => k.batch === 2)!;
  const x = [...c.inputs.x!, ...c.inputs.x!.map((v) => -v), ...c.inputs.x!];
  const m = await gpuImport({ file: fx.net });
  try {
    const whole = (await m.predictBatch({ x }, 6)).fc3!;
    m.configure({ maxChunk: 4 });
    const chunked = (await m.predictBatch({ x }, 6)).fc3!;
    assert.equal(Array.from(chunked), Array.from(whole));
    assert.is(gpuMismatch(whole.subarray(0, 20), c.float64.fc3!, 1e-4, 'mlp_784'), null);
    const [a, b, one] = await Promise.all([
      m.predictBatch({ x }, 6),
      m.predictBatch({ x: x.slice(0, 784 * 2) }, 2),
      m.predict({ x: x.slice(784, 784 * 2) }),
    ]);
    assert.equal(Array.from(a.fc3!), Array.from(whole));
    assert.equal(Array.from(b.fc3!), Array.from(whole.subarray(0, 20)));
    assert.equal(Array.from(one.fc3!), Array.from(whole.subarray(10, 20)));
    const none = await m.predictBatch({ x: [] }, 0);
    assert.is(none.fc3!.length, 0);
  } finally {
    await m.dispose();
  }
});

test('inputs: nested or flat, and clear errors for bad ones', async () => {
  const m = await gpuImport({ file: 'test/fixtures/nets/linear_rank2.yaml' });
  try {
    const flat = Array.from({ length: 20 }, (_, i) => i / 10);
    const nested = [0, 1, 2, 3].map((r) => flat.slice(r * 5, r * 5 + 5));
    const a = await m.predict({ x: flat });
    const b = await m.predict({ x: nested });
    const d = await m.predictBatch({ x: [nested, nested] }, 2);
    const key = Object.keys(a)[0]!;
    assert.equal(Array.from(b[key]!), Array.from(a[key]!));
    assert.equal(Array.from(d[key]!), [...a[key]!, ...a[key]!]);
    const fails = async (p: () => Promise<unknown>, re: RegExp) => {
      try {
        await p();
      } catch (e) {
        assert.match((e as Error).message, re);
        return;
      }
      assert.unreachable(`expected ${re}`);
    };
    await fails(
      () => m.predict({ x: flat.slice(1) }),
      /linear_rank2\.gpu: input "x": expected 20 values \(shape \[4, 5\]\), got 19/,
    );
    await fails(() => m.predict({ y: flat }), /unknown input "y"/);
    await fails(() => m.predictBatch({ x: flat }, -1), /batch must be a non-negative integer/);
  } finally {
    await m.dispose();
  }
});

test.run();
