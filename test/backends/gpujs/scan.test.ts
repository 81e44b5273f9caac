/**
 * Recurrent scans on the gpu backend, beyond the fixtures: 1000-step sequences (blocked row
 * writes, forward and reversed, partial last blocks) against the numeric module, chunked
 * batches, constant sequences and initial states, the alternating kernel pairs, and
 * embedding's data-dependent rows.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildText, build } from '../../../compiler/index.js';
import { tensor, typeOf, type Graph, type Node } from '../../../compiler/ir/graph.js';
import { float64, interpret } from '../../../compiler/interpret.js';
import { scanBlockRows } from '@layergen/runtime/gpu';
import { ROOT, compileAndImport, repo, tempDir } from '../../helpers.js';
import { gpuFiles, gpuImport, gpuMismatch, relError, type GpuModule } from './load.js';

interface NumericModule {
  predictBatch(inputs: Record<string, unknown>, batch: number): Record<string, Float64Array>;
}

/** Deterministic inputs in [-scale, scale]. */
function data(n: number, seed: number, scale = 1): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * 2 * scale;
  });
}

/** Writes a net into the repo (so modules resolve @layergen/runtime); returns its repo-relative path. */
function netFile(name: string, yaml: string): string {
  const file = join(tempDir(name), `${name}.yaml`);
  writeFileSync(file, yaml);
  return relative(ROOT, file);
}

/** gpu vs the float64 numeric module on the same inputs; returns the worst relative error. */
async function againstNumeric(net: string, inputs: Record<string, number[]>, batch: number, tol: number): Promise<number> {
  const num = await compileAndImport<NumericModule>(net, 'numeric');
  const want = num.predictBatch(inputs, batch);
  const m = await gpuImport({ file: net });
  try {
    const got = await m.predictBatch(inputs, batch);
    let worst = 0;
    for (const [o, ref] of Object.entries(want)) {
      const r = Array.from(ref);
      assert.is(gpuMismatch(got[o]!, r, tol, `output ${o}`), null);
      worst = Math.max(worst, relError(got[o]!, r));
    }
    return worst;
  } finally {
    await m.dispose();
  }
}

test('recurrent products run tiled (pack, tiled, unpack cells); GL, WebAssembly and cpu kernels agree with the numeric module', async () => {
  const net = netFile(
    'tiledscan',
    `name: tiledscan
inputs:
  x: [6, 3]
layers:
  - name: l
    type: lstm
    units: 10
  - name: g
    type: gru
    units: 7
    return: last
seed: 4
`,
  );
  const file = (await gpuFiles({ file: net }, 'js')).find((f) => f.path.endsWith('.gpu.js'));
  // LSTM: h -> gh (40 outputs); GRU: h -> gh (21); the input projections are steps before the scans
  const names = [...file!.text.matchAll(/name: '([^']+)'/g)].map((m) => m[1]!);
  assert.ok(names.includes('gh (pack)') && names.includes('gh (tiled)'), names.join(', '));
  assert.is(names.filter((n) => n === 'gh (tiled)').length, 2);
  const x = data(5 * 18, 3, 2);
  const num = await compileAndImport<NumericModule>(net, 'numeric');
  const want = Array.from(num.predictBatch({ x }, 5).g!);
  for (const mode of [undefined, 'webassembly', 'cpu'] as const) {
    const m = await gpuImport({ file: net });
    try {
      if (mode) m.configure({ mode });
      const got = await m.predictBatch({ x }, 5);
      assert.is(gpuMismatch(got.g!, want, 1e-5, `${mode ?? 'auto'} (${m.backendInfo().kernel})`), null);
    } finally {
      await m.dispose();
    }
  }
});

test('block rows: one block up to 4 steps, about sqrt(steps) beyond', () => {
  assert.equal([1, 4, 5, 7, 50, 64, 65, 100, 1000].map(scanBlockRows), [1, 4, 3, 3, 8, 8, 9, 10, 32]);
});

test('T = 1000 bidirectional LSTM: gpu matches the numeric module to float32 accuracy', async () => {
  const T = 1000;
  const net = netFile(
    'lstm1000',
    `name: lstm1000
inputs:
  x: [${T}, 3]
layers:
  - name: rnn
    type: lstm
    units: 5
    bidirectional: true
seed: 11
`,
  );
  // 1000 = 31 blocks of 32 rows + 8: the forward scan ends on a partial block, the reversed one starts on it
  const worst = await againstNumeric(net, { x: data(3 * T * 3, 5) }, 3, 1e-5);
  console.log(`  T = 1000 LSTM: worst relative error ${worst.toExponential(1)}`);
});

test('stacked bidirectional GRU, T = 100, initial states: chunked batches give the same as one launch', async () => {
  const T = 100;
  const net = netFile(
    'gru100',
    `name: gru100
inputs:
  x: [${T}, 2]
  h0: [4, 3]
layers:
  - name: rnn
    type: gru
    input: x
    units: 3
    layers: 2
    bidirectional: true
    initial: { h: h0 }
seed: 4
`,
  );
  const batch = 5;
  const inputs = { x: data(batch * T * 2, 9, 2), h0: data(batch * 12, 3) };
  await againstNumeric(net, inputs, batch, 1e-5);
  const m = await gpuImport({ file: net });
  try {
    const whole = (await m.predictBatch(inputs, batch)).rnn!;
    m.configure({ maxChunk: 2 });
    const chunked = (await m.predictBatch(inputs, batch)).rnn!;
    assert.equal(Array.from(chunked), Array.from(whole));
    const one = (await m.predict({ x: inputs.x.slice(T * 2, 2 * T * 2), h0: inputs.h0.slice(12, 24) })).rnn!;
    assert.equal(Array.from(one), Array.from(whole.subarray(T * 6, 2 * T * 6)));
  } finally {
    await m.dispose();
  }
});

/** lstm_initial with its sequence (the scan reads its input projection) and initial h replaced by constants: only c0 stays an input. */
function constantScanGraph(): Graph {
  const g = build(repo('test/fixtures/nets/lstm_initial.yaml')).graph;
  const constant = (n: Node, seed: number): Node => {
    const t = typeOf(n);
    const size = t.shape.reduce((a, b) => a * b, 1);
    return { id: n.id, op: 'const', name: n.name, inputs: [], attrs: {}, params: { value: tensor(t.shape, data(size, seed)) }, type: t };
  };
  const h0 = g.nodes.find((n) => n.name === 'h0')!;
  const nodes = g.nodes
    .filter((n) => n !== h0)
    .map((n) => (n.name === 'x' ? constant(n, 20) : n.name.includes('/input_proj') ? constant(n, 21) : n.inputs.includes(h0.id) ? constant(n, 22) : n));
  const x = g.nodes.find((n) => n.name === 'x')!;
  return { ...g, nodes, inputs: g.inputs.filter((i) => i !== x.id && i !== h0.id) };
}

test('a constant sequence and a constant initial state (read from kernel constants)', async () => {
  const g = constantScanGraph();
  assert.ok(g.nodes.some((n) => n.op === 'scan' && n.inputs.every((i, s) => s === 2 || g.nodes.find((m) => m.id === i)!.op === 'const')));
  const m: GpuModule = await gpuImport({ graph: g });
  try {
    const c0 = [data(4, 1), data(4, 2)];
    const got = (await m.predictBatch({ c0: c0.flat() }, 2)).rnn!;
    for (let b = 0; b < 2; b++) {
      const want = interpret(g, { c0: c0[b]! }, float64).rnn!;
      assert.is(gpuMismatch(got.subarray(b * 28, (b + 1) * 28), want, 1e-5, `example ${b}`), null);
    }
  } finally {
    await m.dispose();
  }
});

test('a cell whose previous value is read after it runs again gets two alternating kernels', async () => {
  const pairs = async (net: string): Promise<string[]> => {
    const [file] = await gpuFiles({ file: `test/fixtures/nets/${net}.yaml` }, 'ts');
    const cells = /cells: \[([^]*?)\],\s*next:/.exec(file!.text)![1]!;
    return [...cells.matchAll(/name: '(\w+)'[^]*?pair: (true|false)/g)].map((m) => `${m[1]}:${m[2]}`);
  };
  assert.equal(await pairs('lstm_basic'), ['gi:false', 'gh:false', 'c:true', 'h:false']);
  assert.equal(await pairs('gru_basic'), ['gi:false', 'gh:false', 'h:true']);
  assert.equal(await pairs('rnn'), ['gi:false', 'gh:false', 'h:false']);
});

test('embedding: rounded int reads; an out-of-range index gives a NaN row; non-integers are rejected', async () => {
  const { graph } = buildText(
    `name: emb
inputs:
  t: {shape: [5], dtype: int}
layers:
  - name: e
    type: embedding
    vocab: 10
    units: 3
seed: 2
`,
    repo('.tmp-test', 'emb.yaml'),
  );
  const m = await gpuImport({ graph });
  try {
    const got = (await m.predict({ t: [0, 9, 10, -1, 7] })).e!;
    const w = graph.nodes.find((n) => n.name === 'e')!.params.weight!.data;
    assert.equal(Array.from(got.subarray(0, 6)), Array.from(Float32Array.from([...w.subarray(0, 3), ...w.subarray(27, 30)])));
    assert.ok(Array.from(got.subarray(6, 12)).every(Number.isNaN), 'indices 10 and -1: NaN rows');
    assert.equal(Array.from(got.subarray(12)), Array.from(Float32Array.from(w.subarray(21, 24))));
    try {
      await m.predict({ t: [0, 1.5, 2, 3, 4] });
      assert.unreachable('a non-integer index');
    } catch (e) {
      assert.match((e as Error).message, /emb\.gpu: input "t": element 1 is not a valid value \(1\.5\)/);
    }
  } finally {
    await m.dispose();
  }
});

test.run();
