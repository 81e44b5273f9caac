/**
 * Real published models (test/fixtures/published): imported with --shape / --const
 * specialisation, compiled, and run against onnxruntime-node on the same file. Silero VAD v5 is
 * a streaming model: an If on its sample-rate input, Ifs on the batch size and on the state's
 * shape, reflect padding, an STFT as a strided Conv, and an LSTM cell whose state is an input and
 * an output. Three consecutive chunks are fed with the state carried, as a streaming loop does.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { importOnnxFile } from '../../compiler/frontend/onnx/index.js';
import { compileAndImport, mismatch, repo, writeImportedNet } from '../helpers.js';

interface Module {
  predict(inputs: Record<string, ArrayLike<number>>): Record<string, ArrayLike<number>>;
}

type Ort = typeof import('onnxruntime-node');
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

test('silero VAD v5 with a symbolic batch (--shape state=2,N,128): imports, the state batched on axis 1', () => {
  const r = importOnnxFile(VAD, { shapes: { input: ['N', 576], state: [2, 'N', 128] }, consts: { sr: [16000] } });
  assert.match(r.yaml, /state: \[2, 128\]/);
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
}

test.run();
