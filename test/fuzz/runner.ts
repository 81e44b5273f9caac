/**
 * The fuzz runner (run as a child process by fuzz.test.ts, or by hand for long runs):
 *   node dist/test/fuzz/runner.js SEED CASES
 * mutates the samples' net.yaml texts and weight files, ONNX models and Keras files (seeded, so a
 * failure reproduces), feeds each mutant to the loader or importer in this process, and prints one
 * JSON line: the counts, the slowest case, and every failure — any exception that is not a
 * LayergenError (an internal error: a crash), or a case over the per-case time limit. Before each
 * case it writes a progress line to stderr, so a hang is found by the last one.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildText, LayergenError } from '../../compiler/index.js';
import { importOnnx } from '../../compiler/frontend/onnx/index.js';
import { importKeras } from '../../compiler/frontend/keras/index.js';
import { mulberry32 } from '../../compiler/frontend/init.js';
import { repo } from '../helpers.js';

/** Tokens a careless or hostile net.yaml holds. */
const TOKENS = [
  '!!js/function', '!!python/object:os.system', '!custom', '__proto__', 'constructor', 'prototype', '1e309', '-1e309', '.nan',
  '-1', '0', '999999999', '1e9', '1000000000', '[', ']', '{', '}', '&a', '*a', '<<: *a', '~', 'null', 'NaN', '.inf', '0x10',
  '"', "'", ':', '- ', '\t', '\n', '#', '---', '%YAML 1.1', '[[[[[[[[', 'type: lstm', 'units: 1000000000', 'layers: 100000',
  'input: x', 'inputs: [x, x]', 'shape: [999999999999, 4]', 'return: last', 'initial: {h: x}', 'padding: same', 'dtype: int',
  'batch_axis: 7', 'outputs: [__proto__]', 'seed: -5', 'weights: /etc/passwd', 'weights: ../../../x.npz',
];

function mutateText(text: string, r: () => number): string {
  let t = text;
  const edits = 1 + Math.floor(r() * 3);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(r() * (t.length + 1));
    const kind = Math.floor(r() * 5);
    if (kind === 0) t = t.slice(0, at) + TOKENS[Math.floor(r() * TOKENS.length)]! + t.slice(at);
    else if (kind === 1) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 12));
    else if (kind === 2) t = t.slice(0, at) + String.fromCharCode(32 + Math.floor(r() * 95)) + t.slice(at + 1);
    else if (kind === 3) {
      const lines = t.split('\n');
      const i = Math.floor(r() * lines.length);
      lines.splice(i, 0, lines[Math.floor(r() * lines.length)]!);
      t = lines.join('\n');
    } else t = t.replace(/\d+/, () => String([0, -1, 1e9, 2 ** 31, 999999999999, 3.5][Math.floor(r() * 6)]));
  }
  return t;
}

function mutateBytes(bytes: Uint8Array, r: () => number): Uint8Array {
  const b = Uint8Array.from(bytes);
  const kind = Math.floor(r() * 5);
  if (kind === 0) return b.subarray(0, Math.floor(r() * b.length));
  const edits = 1 + Math.floor(r() * 8);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(r() * b.length);
    if (kind === 1) b[at] = b[at]! ^ (1 << Math.floor(r() * 8));
    else if (kind === 2) b[at] = [0, 0xff, 0x7f, 0x80, 1][Math.floor(r() * 5)]!;
    else if (kind === 3) b.fill(0xff, at, Math.min(b.length, at + 1 + Math.floor(r() * 8)));
    else b[at] = Math.floor(r() * 256);
  }
  return b;
}

interface Failure {
  readonly kind: string;
  readonly source: string;
  readonly seed: number;
  readonly error: string;
}

/** The files mutated: the samples (texts, and the weight files of those with one), ONNX and Keras fixtures. */
function corpus(): { samples: string[]; onnx: string[]; keras: string[]; weighted: string[] } {
  const samples = readdirSync(repo('samples')).filter((f) => f.endsWith('.yaml')).map((f) => repo('samples', f));
  const onnx = ['mlp', 'lstm', 'cnn', 'gru', 'mha_export', 'prelu_channels', 'upsample_bilinear', 'convtranspose2d', 'layernorm_2d', 'broadcast_tensors'].map((n) =>
    repo('test/fixtures/onnx', `${n}.opset17.onnx`),
  );
  const keras = ['cnn1d.keras', 'lstm_last.h5', 'gru.keras', 'embedding.h5', 'cnn_padding.keras', 'bidirectional.h5'].map((n) => repo('test/fixtures/keras', n));
  const weighted = samples.filter((s) => /^weights: /m.test(readFileSync(s, 'utf8')));
  return { samples, onnx, keras, weighted };
}

function writeCaseFrom(caseSeed: number, out: string): void {
  const c = corpus();
  writeCase(caseSeed, out, c.samples, c.onnx, c.keras, c.weighted);
}

/** `node runner.js case SEED OUT`: writes the input of the case with that seed to OUT (to reproduce a failure). */
function writeCase(caseSeed: number, out: string, samples: readonly string[], onnx: readonly string[], keras: readonly string[], weighted: readonly string[]): void {
  const cr = mulberry32(caseSeed);
  const kind = ['yaml', 'yaml', 'weights', 'onnx', 'keras'][Math.floor(cr() * 5)]!;
  const pick = (list: readonly string[]): string => list[Math.floor(cr() * list.length)]!;
  if (kind === 'yaml') {
    const source = pick(samples);
    writeFileSync(out, mutateText(readFileSync(source, 'utf8'), cr));
    process.stdout.write(`${kind} from ${source}\n`);
  } else {
    const source = pick(kind === 'weights' ? weighted : kind === 'onnx' ? onnx : keras);
    const file = kind === 'weights' ? join(source, '..', /^weights: (.*)$/m.exec(readFileSync(source, 'utf8'))![1]!.trim()) : source;
    writeFileSync(out, mutateBytes(readFileSync(file), cr));
    process.stdout.write(`${kind} from ${file}\n`);
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'case') return writeCaseFrom(Number(process.argv[3]), process.argv[4]!);
  const seed = Number(process.argv[2] ?? 1);
  const cases = Number(process.argv[3] ?? 500);
  const limitMs = Number(process.argv[4] ?? 5000);
  const r = mulberry32(seed);
  const { samples, onnx, keras, weighted } = corpus();
  const dir = mkdtempSync(join(tmpdir(), 'layergen-fuzz-'));
  const failures: Failure[] = [];
  const counts = { cases: 0, accepted: 0, userErrors: 0 };
  let slowest = { ms: 0, kind: '', source: '', seed: 0 };
  try {
    for (let i = 0; i < cases; i++) {
      const caseSeed = Math.floor(r() * 2 ** 31);
      const cr = mulberry32(caseSeed);
      const kind = ['yaml', 'yaml', 'weights', 'onnx', 'keras'][Math.floor(cr() * 5)]!;
      let source = '';
      let run: () => Promise<unknown>;
      if (kind === 'yaml') {
        source = samples[Math.floor(cr() * samples.length)]!;
        const text = mutateText(readFileSync(source, 'utf8'), cr);
        // Next to the sample, so its weights file resolves as in the original.
        run = async () => buildText(text, source);
      } else if (kind === 'weights') {
        source = weighted[Math.floor(cr() * weighted.length)]!;
        const text = readFileSync(source, 'utf8');
        const file = /^weights: (.*)$/m.exec(text)![1]!.trim();
        const wpath = join(source, '..', file);
        const yaml = join(dir, basename(source));
        writeFileSync(yaml, text);
        writeFileSync(join(dir, file), mutateBytes(readFileSync(wpath), cr));
        run = async () => buildText(text, yaml);
      } else if (kind === 'onnx') {
        source = onnx[Math.floor(cr() * onnx.length)]!;
        const bytes = mutateBytes(readFileSync(source), cr);
        run = async () => importOnnx(bytes, basename(source));
      } else {
        source = keras[Math.floor(cr() * keras.length)]!;
        const bytes = mutateBytes(readFileSync(source), cr);
        run = async () => importKeras(bytes, basename(source));
      }
      process.stderr.write(`case ${i} ${kind} ${basename(source)} seed ${caseSeed}\n`);
      const t0 = performance.now();
      try {
        await run();
        counts.accepted++;
      } catch (e) {
        if (e instanceof LayergenError && !/internal/.test(e.message)) counts.userErrors++;
        else failures.push({ kind, source: basename(source), seed: caseSeed, error: e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 4).join(' | ') : String(e) });
      }
      const ms = performance.now() - t0;
      if (ms > slowest.ms) slowest = { ms, kind, source: basename(source), seed: caseSeed };
      if (ms > limitMs) failures.push({ kind, source: basename(source), seed: caseSeed, error: `took ${ms.toFixed(0)} ms (limit ${limitMs})` });
      counts.cases++;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify({ seed, ...counts, slowest, failures })}\n`);
}

await main();
