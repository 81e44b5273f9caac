/**
 * Real published models (test/fixtures/published): imported with --shape / --const
 * specialisation, compiled, and run against onnxruntime-node on the same file. Silero VAD v5 is
 * a streaming model: an If on its sample-rate input, Ifs on the batch size and on the state's
 * shape, reflect padding, an STFT as a strided Conv, and an LSTM cell whose state is an input and
 * an output. Three consecutive chunks are fed with the state carried, as a streaming loop does.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { evalSymbolic, printOutputs } from '../../compiler/evaluate.js';
import { importOnnxFile } from '../../compiler/frontend/onnx/index.js';
import { FULL, compileAndImport, mismatch, repo, writeImportedNet } from '../helpers.js';

interface Module {
  predict(inputs: Record<string, ArrayLike<number>>): Record<string, ArrayLike<number>>;
}

type Ort = typeof import('onnxruntime-node');
interface BatchModule {
  predictBatch(inputs: Record<string, unknown>, batch: number): Record<string, Float64Array>;
  predictBatchParallel(inputs: Record<string, unknown>, batch: number, options: { workers: number; minPerWorker: number }): Promise<Record<string, Float64Array>>;
}
let ort: Ort | null = null;
try {
  ort = await import('onnxruntime-node');
} catch (e) {
  console.log(`  note: onnxruntime-node is not available (${(e as Error).message.split('\n')[0]}); skipping the published-model comparison`);
}

const VAD = repo('test/fixtures/published/silero_vad_v5.onnx');
const SPEC = { shapes: { input: [1, 576], state: [2, 1, 128] }, consts: { sr: [16000] } } as const;

/** A deterministic audio-like chunk: a few tones and seeded noise. */
function chunk(k: number, n = 576): Float32Array {
  let s = 1234 + k * 77;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin((i + k * n) * 0.07) + 0.2 * Math.sin((i + k * n) * 0.31) + 0.05 * rnd());
}

test('silero VAD v5 without specialisation: the errors say what to fix', () => {
  let msg = '';
  try {
    importOnnxFile(VAD);
  } catch (e) {
    msg = (e as Error).message;
  }
  assert.match(msg, /input "sr".*--const sr=VALUE/);
  assert.match(msg, /input "input".*--shape input=/);
});

const BATCHED = { shapes: { input: ['N', 576], state: [2, 'N', 128] }, consts: { sr: [16000] } } as const;

test('silero VAD v5 with a symbolic batch (--shape state=2,N,128): imports, the state batched on axis 1 in and out', () => {
  const r = importOnnxFile(VAD, BATCHED);
  assert.match(r.yaml, /state: \{shape: \[2, 128\], batch_axis: 1\}/);
  assert.match(r.yaml, /outputs:\n  - output\n  - \{name: stateN, batch_axis: 1\}\n/);
});

if (ort) {
  const rt = ort;
  test('silero VAD v5 (--shape input=1,576 --shape state=2,1,128 --const sr=16000): three streamed chunks equal onnxruntime', async () => {
    const r = importOnnxFile(VAD, SPEC);
    assert.match(r.yaml, /inputs:\n  input: \[1, 576\]\n  state: \[2, 1, 128\]\n/);
    const { yaml } = writeImportedNet('published', r);
    const m = await compileAndImport<Module>(yaml, 'numeric');
    const session = await rt.InferenceSession.create(VAD);
    let ortState = new Float32Array(2 * 128);
    let ourState: ArrayLike<number> = new Float64Array(2 * 128);
    const probs: number[] = [];
    for (let k = 0; k < 3; k++) {
      const x = chunk(k);
      const o = await session.run({
        input: new rt.Tensor('float32', x, [1, 576]),
        state: new rt.Tensor('float32', ortState, [2, 1, 128]),
        sr: new rt.Tensor('int64', BigInt64Array.from([16000n]), []),
      });
      const ours = m.predict({ input: Float64Array.from(x), state: ourState });
      const p = Array.from(o.output!.data as Float32Array);
      const st = Array.from(o.stateN!.data as Float32Array);
      // onnxruntime computes in float32, layergen in float64: 1e-4 absolute (the values are below 1)
      const bad = mismatch(ours.output!, p, 1e-4, 1, `chunk ${k} output`) ?? mismatch(ours.stateN!, st, 1e-4, 1, `chunk ${k} state`);
      assert.ok(!bad, bad ?? '');
      probs.push(p[0]!);
      ortState = Float32Array.from(st);
      ourState = ours.stateN!;
    }
    // The state is carried: the same chunk after others gives another probability than at the start.
    assert.ok(new Set(probs.map((p) => p.toFixed(6))).size > 1, `probabilities ${probs.join(', ')}`);
  });

  test('silero VAD v5 with a symbolic batch: predictBatch and predictBatchParallel take and return the state in ONNX layout [2, batch, 128], two streamed chunks of 3 streams equal onnxruntime', async () => {
    const { yaml } = writeImportedNet('published-batched', importOnnxFile(VAD, BATCHED));
    const m = await compileAndImport<BatchModule>(yaml, 'numeric');
    const session = await rt.InferenceSession.create(VAD);
    const B = 3;
    let ortState = new Float32Array(2 * B * 128);
    // Distinct states per stream, so that a mixed-up batch axis shows.
    for (let i = 0; i < ortState.length; i++) ortState[i] = 0.1 * Math.sin(i * 0.013);
    let ourState: Float64Array = Float64Array.from(ortState);
    for (let k = 0; k < 2; k++) {
      const x = new Float32Array(B * 576);
      for (let b = 0; b < B; b++) x.set(chunk(k * B + b), b * 576);
      const o = await session.run({
        input: new rt.Tensor('float32', x, [B, 576]),
        state: new rt.Tensor('float32', ortState, [2, B, 128]),
        sr: new rt.Tensor('int64', BigInt64Array.from([16000n]), []),
      });
      const ours = m.predictBatch({ input: Float64Array.from(x), state: ourState }, B);
      const par = await m.predictBatchParallel({ input: Float64Array.from(x), state: ourState }, B, { workers: 2, minPerWorker: 1 });
      const p = Array.from(o.output!.data as Float32Array);
      const st = Array.from(o.stateN!.data as Float32Array);
      for (const [how, r] of [['predictBatch', ours], ['predictBatchParallel', par]] as const) {
        const bad = mismatch(r.output!, p, 1e-4, 1, `${how} chunk ${k} output`) ?? mismatch(r.stateN!, st, 1e-4, 1, `${how} chunk ${k} state`);
        assert.ok(!bad, bad ?? '');
      }
      ortState = Float32Array.from(st);
      ourState = ours.stateN!;
    }
  });
}

const WAKE = repo('test/fixtures/published/hello_deepa.onnx');
const hasSympy = spawnSync('/usr/bin/python3', ['-c', 'import sympy'], { encoding: 'utf8' }).status === 0;

// About 5 s of SymPy: in the full run (CI) only.
if (ort && hasSympy && FULL) {
  const rt = ort;
  test('wake-word head (openwakeword-js hello_deepa, 2400 -> 32 -> 32 -> 1 with layernorms): its SymPy text loads and evaluates in Python, equal to onnxruntime', async () => {
    const r = importOnnxFile(WAKE);
    const x = Array.from({ length: 2400 }, (_, i) => Math.sin(i * 0.37) * 0.8);
    const inName = r.graph.nodes.find((n) => n.id === r.graph.inputs[0])!.name;
    const onnxName = r.model.inputs[0]!.name;
    const outs = evalSymbolic(r.graph, { [inName]: x.map((_, i) => `x${i}`) });
    const text = printOutputs(outs, 'sympy');
    // Python at its default recursion limit: load (exec) and evaluate, each timed by the script.
    const env = Object.fromEntries(x.map((v, i) => [`x${i}`, v]));
    const p = spawnSync('/usr/bin/python3', [repo('test/sympy_cse_eval.py')], { input: JSON.stringify({ text, env }), encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26 });
    assert.is(p.status, 0, p.stderr);
    const got = JSON.parse(p.stdout) as { load: number; eval: number; limit: number; vals: number[] };
    assert.is(got.limit, 1000);
    // Times are reported, not asserted (the machines are shared); the aim is under 10 s each.
    console.log(`  note: hello_deepa SymPy text ${(text.length / 1e6).toFixed(1)} MB: Python loads it in ${got.load.toFixed(1)} s, evaluates it in ${got.eval.toFixed(1)} s`);
    // The JS text of the same outputs, as a function body of the inputs.
    const js = new Function(...x.map((_, i) => `x${i}`), printOutputs(outs, 'js')) as (...a: number[]) => number[] | number;
    const jsVals = [js(...x)].flat();
    const session = await rt.InferenceSession.create(WAKE);
    const o = await session.run({ [onnxName]: new rt.Tensor('float32', Float32Array.from(x), [1, 25, 96]) });
    const want = Array.from(Object.values(o)[0]!.data as Float32Array);
    const bad = mismatch(got.vals, want, 1e-5, 1, 'sympy vs onnxruntime');
    assert.ok(!bad, bad ?? '');
    const badJs = mismatch(jsVals, want, 1e-5, 1, 'js text vs onnxruntime');
    assert.ok(!badJs, badJs ?? '');
  });
}

test.run();
