/**
 * The numeric backend's code paths — straight-line small layers, register-tiled loops, WebAssembly
 * kernels over a heap, recurrent cells unrolled or looped, blocks of examples, the weights
 * sidecar — against the reference interpreter on the same optimised graph. The module computes
 * the same operations in the same order, so results are equal exactly: float64 against the
 * float64 interpreter, float32 against an interpreter that rounds every operation to float32.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../../compiler/index.js';
import { loadNet } from '../../compiler/frontend/index.js';
import { float64, interpret, type Algebra } from '../../compiler/interpret.js';
import { size, typeOf, type Graph } from '../../compiler/ir/graph.js';
import { PRIMS } from '../../compiler/ir/prims.js';
import { optimize } from '../../compiler/passes/pipeline.js';
import { compileAndImport, ROOT, tempDir } from '../helpers.js';

const fr = Math.fround;
const float32: Algebra<number> = {
  num: fr,
  prim: (op, args) => fr((PRIMS[op].num as (...a: number[]) => number)(...args)),
  sum: (xs) => xs.reduce((a, b) => fr(a + b), 0),
  max: (xs) => xs.reduce((a, b) => Math.max(a, b), -Infinity),
  symbolic: false,
};

interface NumericModule {
  predictBatch(inputs: Record<string, ArrayLike<number>>, batch: number): Record<string, Float64Array | Float32Array>;
  predictBatchParallel(inputs: Record<string, ArrayLike<number>>, batch: number, o: { workers: number; minPerWorker?: number }): Promise<Record<string, Float64Array | Float32Array>>;
}

/** Nets exercising each path (comments say which). */
const NETS: Record<string, string> = {
  // WebAssembly kernels: big weights (heap, transposed), N = 300 and 7 (remainders), relu epilogue, output via staging
  mlp: 'inputs:\n  x: [40]\nlayers:\n  - {name: fc1, type: linear, units: 300}\n  - {type: relu}\n  - {name: fc2, type: linear, units: 7}\n',
  // rows per example (linear over the last axis of [6, 50]), gelu epilogue (x used three times)
  rank2: 'inputs:\n  x: [6, 50]\nlayers:\n  - {name: fc, type: linear, units: 33}\n  - {type: gelu}\n  - {type: tanh}\n',
  // weights that are not float32 (batchnorm folded): the float64-weight kernel; float32 converts them
  folded: 'inputs:\n  x: [60]\nlayers:\n  - {name: fc, type: linear, units: 50}\n  - {name: bn, type: batchnorm, eps: 0.001}\n  - {type: sigmoid}\n',
  // many rows, tiny weights: JS register-tiled loops (no heap); a softmax over 12 rows, in loops
  rows: 'inputs:\n  x: [150, 3]\nlayers:\n  - {name: fc, type: linear, units: 2}\n  - {type: tanh}\n  - {type: reshape, shape: [12, 25]}\n  - {type: softmax, axis: 0}\n',
  // looped LSTM cells (x from the net input: JS tiles; h: WebAssembly kernel), then a stacked bidirectional GRU with initial states
  lstm:
    'inputs:\n  x: [9, 4]\n  h0: [4, 10]\nlayers:\n  - {name: l1, type: lstm, units: 12, input: x}\n' +
    '  - {name: g2, type: gru, units: 10, bidirectional: true, layers: 2, return: last, initial: {h: h0}}\n  - {name: fc, type: linear, units: 3}\n',
  // looped cells of the variants: a reverse LSTM, a stacked bidirectional GRU with reset_after: false (W_hn (r * h): no
  // contraction), a stacked reverse reset_after: false GRU from initial states
  recvariants:
    'inputs:\n  x: [8, 5]\n  h0: [2, 12]\nlayers:\n  - {name: l1, type: lstm, units: 16, reverse: true, input: x}\n' +
    '  - {name: g2, type: gru, units: 12, bidirectional: true, layers: 2, reset_after: false}\n' +
    '  - {name: g3, type: gru, units: 12, layers: 2, reverse: true, reset_after: false, return: last, initial: {h: h0}}\n  - {name: fc, type: linear, units: 3}\n',
  // straight-line cells, several outputs of one straight-line run
  small: 'inputs:\n  x: [5, 3]\nlayers:\n  - {name: r, type: rnn, units: 4}\n  - {name: fl, type: flatten}\n  - {name: a, type: linear, units: 6}\n  - {name: b, type: elu, input: a}\n  - {name: c, type: log_softmax, input: b}\noutputs: [a, c]\n',
  // generic loops (conv, pool) before a heap kernel; int input through embedding
  conv: 'inputs:\n  x: [2, 12, 12]\nlayers:\n  - {name: cv, type: conv2d, channels: 4, kernel: 3, padding: 1}\n  - {type: relu}\n  - {type: maxpool2d, kernel: 2}\n  - {type: flatten}\n  - {name: fc, type: linear, units: 10}\n',
  emb: 'inputs:\n  t: {shape: [6], dtype: int}\nlayers:\n  - {name: e, type: embedding, vocab: 40, units: 16}\n  - {type: flatten}\n  - {name: fc, type: linear, units: 24}\n',
};

const netYaml = (name: string): string => `name: ${name}\n${NETS[name]!}seed: 11\n`;

/** Deterministic float32 inputs for `batch` examples (ints for int inputs). */
function inputsFor(g: Graph, batch: number, seed: number): Record<string, number[]> {
  let s = seed;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 4 - 2;
  return Object.fromEntries(
    g.inputs.map((id) => {
      const n = g.nodes.find((m) => m.id === id)!;
      const t = typeOf(n);
      const count = batch * size(t.shape);
      return [n.name, Array.from({ length: count }, () => (t.dtype === 'int' ? Math.floor((rnd() + 2) * 10) : fr(rnd())))];
    }),
  );
}

/** The interpreter on each example of a batch, outputs concatenated. */
function reference(g: Graph, inputs: Record<string, number[]>, batch: number, alg: Algebra<number>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (let b = 0; b < batch; b++) {
    const one = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.slice((b * v.length) / batch, ((b + 1) * v.length) / batch)]));
    for (const [k, v] of Object.entries(interpret(g, one, alg))) (out[k] ??= []).push(...v);
  }
  return out;
}

function sameValues(got: ArrayLike<number>, want: readonly number[], what: string): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!;
    const b = want[i]!;
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
    assert.unreachable(`${what}: element ${i}: got ${a}, reference ${b}`);
  }
}

const dir = tempDir('codegen');

for (const name of Object.keys(NETS)) {
  for (const precision of ['float64', 'float32'] as const) {
    test(`${name}: numeric ${precision} equals the ${precision} interpreter exactly (batches 1, 5, 37)`, async () => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, netYaml(name));
      const g = optimize(loadNet(file).graph);
      const m = await compileAndImport<NumericModule>(relative(ROOT, file), 'numeric', { precision });
      for (const batch of [1, 5, 37]) {
        const inputs = inputsFor(g, batch, batch * 7 + 1);
        const want = reference(g, inputs, batch, precision === 'float64' ? float64 : float32);
        const got = m.predictBatch(inputs, batch);
        for (const [k, v] of Object.entries(want)) sameValues(got[k]!, v, `batch ${batch} output ${k}`);
      }
    });
  }
}

test('large weights go to a checked sidecar; --embed-weights embeds them; both give the same results', async () => {
  const file = join(dir, 'side.yaml');
  writeFileSync(file, `name: side\n${NETS.mlp}seed: 3\n`);
  const files = await compile(file, { targets: ['numeric'], lang: 'js' });
  const bin = files.find((f) => f.path === 'side.weights.bin');
  assert.ok(bin?.bytes && bin.bytes.length >= (40 * 300 + 300 * 7) * 4, 'float32 weights in the sidecar');
  const js = files.find((f) => f.path === 'side.numeric.js')!.text;
  assert.ok(js.length < 40_000, `module source stays small (${js.length} chars)`);
  const embedded = await compile(file, { targets: ['numeric'], lang: 'js', embedWeights: true });
  assert.not.ok(embedded.some((f) => f.bytes), 'no sidecar with embedWeights');
  const a = await compileAndImport<NumericModule>(relative(ROOT, file), 'numeric');
  const b = await compileAndImport<NumericModule>(relative(ROOT, file), 'numeric', { embedWeights: true });
  const x = inputsFor(optimize(loadNet(file).graph), 3, 5);
  sameValues(a.predictBatch(x, 3).fc2!, Array.from(b.predictBatch(x, 3).fc2!), 'sidecar vs embedded');
});

test("weights: 'file' writes a sidecar even for a mid-sized net, 'embed' none; both give the same results", async () => {
  const file = join(dir, 'mid.yaml');
  writeFileSync(file, 'name: mid\ninputs:\n  x: [40]\nlayers:\n  - {name: fc, type: linear, units: 30}\nseed: 5\n');
  const auto = await compile(file, { targets: ['numeric'], lang: 'js' });
  assert.not.ok(auto.some((f) => f.bytes), '1230 parameters stay embedded by default');
  const side = await compile(file, { targets: ['numeric'], lang: 'js', weights: 'file' });
  assert.ok(side.some((f) => f.path === 'mid.weights.bin' && f.bytes), "weights: 'file' writes mid.weights.bin");
  assert.match(side.find((f) => f.path === 'mid.numeric.js')!.text, /R\.weightsFile\(\s*new URL\('\.\/mid\.weights\.bin', import\.meta\.url\)/);
  const a = await compileAndImport<NumericModule & { ready: Promise<void> }>(relative(ROOT, file), 'numeric', { weights: 'file' });
  const b = await compileAndImport<NumericModule>(relative(ROOT, file), 'numeric', { weights: 'embed' });
  await a.ready;
  const x = inputsFor(optimize(loadNet(file).graph), 2, 7);
  sameValues(a.predictBatch(x, 2).fc!, Array.from(b.predictBatch(x, 2).fc!), 'file vs embed');
});

test('a sidecar from another compile is rejected with a clear error', async () => {
  const out = tempDir('sidecar');
  for (const seed of [3, 4]) {
    const file = join(out, `s${seed}.yaml`);
    writeFileSync(file, `name: side\n${NETS.mlp}seed: ${seed}\n`);
    for (const f of await compile(file, { targets: ['numeric'], lang: 'js' })) writeFileSync(join(out, seed === 3 ? f.path : `other.${f.path}`), f.bytes ?? f.text);
  }
  writeFileSync(join(out, 'side.weights.bin'), readFileSync(join(out, 'other.side.weights.bin')));
  const r = spawnSync(process.execPath, ['-e', `import(${JSON.stringify(join(out, 'side.numeric.js'))})`], { encoding: 'utf8' });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /side\.numeric: side\.weights\.bin does not belong to this module/);
});

test('predictBatchParallel: workers read shared inputs in place and write shared outputs; predictBatch fills the arrays given as outputs; a module under another file name runs in this thread', async () => {
  const { activeWorkers, closeWorkers } = await import('@layergen/runtime');
  const out = tempDir('shared');
  const file = join(out, 'par.yaml');
  writeFileSync(file, `name: par\n${NETS.mlp}seed: 3\n`);
  for (const f of await compile(file, { targets: ['numeric'], lang: 'js', precision: 'float32' })) writeFileSync(join(out, f.path), f.bytes ?? f.text);
  type Outs = Record<string, Float32Array>;
  const m = (await import(pathToFileURL(join(out, 'par.numeric.js')).href)) as {
    predictBatch(i: Record<string, ArrayLike<number>>, b: number, o?: Record<string, unknown>): Outs;
    predictBatchParallel(i: Record<string, ArrayLike<number>>, b: number, o: { workers: number; minPerWorker: number; module?: string }): Promise<Outs>;
  };
  const B = 50;
  const x = inputsFor(optimize(loadNet(file).graph), B, 5).x!;
  const want = Array.from(m.predictBatch({ x }, B).fc2!);
  await closeWorkers();
  const par = await m.predictBatchParallel({ x }, B, { workers: 2, minPerWorker: 1 });
  assert.is(activeWorkers(), 2, 'two workers ran');
  assert.ok(par.fc2!.buffer instanceof SharedArrayBuffer, 'outputs are the shared buffers the workers wrote');
  assert.equal(Array.from(par.fc2!), want);
  // an input already in shared memory (at an offset) is read where it is
  const sab = new SharedArrayBuffer(16 + x.length * 4);
  const xs = new Float32Array(sab as unknown as ArrayBuffer, 16, x.length);
  xs.set(x);
  assert.equal(Array.from((await m.predictBatchParallel({ x: xs }, B, { workers: 2, minPerWorker: 1 })).fc2!), want, 'shared input');
  // predictBatch's outputs argument
  const given = new Float32Array(B * 7);
  const r = m.predictBatch({ x }, B, { fc2: given });
  assert.ok(r.fc2 === given, 'the given array is returned');
  assert.equal(Array.from(given), want);
  assert.throws(() => m.predictBatch({ x }, B, { fc2: new Float64Array(B * 7) }), /par\.numeric: output "fc2" must be given as a Float32Array/);
  assert.throws(() => m.predictBatch({ x }, B, { fc2: new Float32Array(3) }), /output "fc2" must be given an array of 350 elements, got 3/);
  assert.throws(() => m.predictBatch({ x }, B, { fc3: given }), /unknown output "fc3" \(outputs: fc2\)/);
  const both = new Float32Array(B * 40 + B * 7);
  const overlap = { fc2: both.subarray(B * 40 - 1, B * 47 - 1) };
  assert.throws(() => m.predictBatch({ x: both.subarray(0, B * 40) }, B, overlap), /output "fc2" shares memory with input "x": give it an array of its own/);
  const apart = m.predictBatch({ x: both.subarray(0, B * 40).fill(0.5) }, B, { fc2: both.subarray(B * 40) });
  assert.equal(Array.from(apart.fc2!), Array.from(m.predictBatch({ x: new Float32Array(B * 40).fill(0.5) }, B).fc2!), 'adjacent, not overlapping');
  // the same code under a bundle's file name: importing it in a worker would run the application, so it runs here,
  // unless options.module names where the module is served on its own
  writeFileSync(join(out, 'app.bundle.js'), readFileSync(join(out, 'par.numeric.js')));
  const bundled = (await import(pathToFileURL(join(out, 'app.bundle.js')).href)) as typeof m;
  await closeWorkers();
  assert.equal(Array.from((await bundled.predictBatchParallel({ x }, B, { workers: 2, minPerWorker: 1 })).fc2!), want);
  assert.is(activeWorkers(), 0, 'a bundled module starts no workers');
  const named = await bundled.predictBatchParallel({ x }, B, { workers: 2, minPerWorker: 1, module: pathToFileURL(join(out, 'par.numeric.js')).href });
  assert.is(activeWorkers(), 2, 'options.module: workers import the module from there');
  assert.equal(Array.from(named.fc2!), want);
  // a relative options.module is resolved against the module's own URL: the same workers
  assert.equal(Array.from((await bundled.predictBatchParallel({ x }, B, { workers: 2, minPerWorker: 1, module: './par.numeric.js' })).fc2!), want);
  assert.is(activeWorkers(), 2, 'the same pool');
  await closeWorkers();
});

test('WebAssembly kernels instantiate in a fresh process with nothing on stderr, equal the JS fallback without WebAssembly, and predictBatchParallel equals predictBatch', async () => {
  const file = join(dir, 'mlp.yaml');
  assert.ok(existsSync(file));
  for (const precision of ['float64', 'float32'] as const) {
    const m = await compileAndImport<NumericModule>(relative(ROOT, file), 'numeric', { precision });
    const x = inputsFor(optimize(loadNet(file).graph), 50, 9);
    const one = m.predictBatch(x, 50);
    const par = await m.predictBatchParallel(x, 50, { workers: 2, minPerWorker: 1 });
    sameValues(par.fc2!, Array.from(one.fc2!), `${precision} parallel`);
  }
  const { closeWorkers } = await import('@layergen/runtime');
  await closeWorkers();
  // emitted JS, and emitted TS as a user's tsc would transpile it, in a fresh process; the
  // recurrent net's cells run as WebAssembly maps and scans, or their JS without WebAssembly
  const recurrent = join(dir, 'recvariants.yaml');
  assert.ok(existsSync(recurrent));
  for (const [net, lang] of [[file, 'js'], [file, 'ts'], [recurrent, 'js']] as const) {
    for (const precision of ['float64', 'float32'] as const) {
      const out = tempDir(`wasm-${lang}`);
      for (const f of await compile(net, { targets: ['numeric'], lang, precision })) {
        const text = lang === 'ts' && f.path.endsWith('.ts') ? ts.transpileModule(f.text, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText : f.text;
        writeFileSync(join(out, f.path.replace(/\.ts$/, '.js')), f.bytes ?? text);
      }
      const mod = join(out, `${basename(net, '.yaml')}.numeric.js`);
      assert.match(readFileSync(mod, 'utf8'), /\.map_\d+\(/, 'the module has elementwise kernels');
      if (net === recurrent) assert.match(readFileSync(mod, 'utf8'), /\.scan_\d+\(/, 'and straight-line scans in WebAssembly');
      const script =
        `const m = await import(${JSON.stringify(mod)});` +
        'const inputs = Object.fromEntries(Object.entries(m.inputShapes).map(([k, s]) =>' +
        '  [k, Float64Array.from({ length: 2 * s.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + k.length))]));' +
        'const y = m.predictBatch(inputs, 2);' +
        'console.log(JSON.stringify(Object.values(y).map((a) => Array.from(a))));';
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stderr, '', `${lang} ${precision}`);
      // without WebAssembly (old engines): the runtime's JS kernels, same results bit for bit
      const plain = spawnSync(process.execPath, ['--no-expose-wasm', '--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.is(plain.status, 0, plain.stderr);
      assert.equal(JSON.parse(plain.stdout), JSON.parse(r.stdout), `${lang} ${precision} without WebAssembly`);
    }
  }
});

test('emitted .ts with WebAssembly kernels and a sidecar passes tsc --strict (noUncheckedIndexedAccess, no WebAssembly typings)', async () => {
  const out = tempDir('wasm-tsc');
  const names: string[] = [];
  for (const precision of ['float64', 'float32'] as const) {
    for (const f of await compile(join(dir, 'lstm.yaml'), { targets: ['numeric'], lang: 'ts', precision })) {
      const name = f.bytes ? f.path : `${precision}_${f.path}`;
      writeFileSync(join(out, name), f.bytes ?? f.text);
      if (!f.bytes) names.push(name);
    }
  }
  const options = { strict: true, noUncheckedIndexedAccess: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022'], types: ['node'], skipLibCheck: true };
  writeFileSync(join(out, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: names }));
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(out, 'tsconfig.json')], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
});

test.run();
