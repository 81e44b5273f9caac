/**
 * Fuzzing (test/fuzz/runner.ts, in a child process): mutated net.yaml texts and weight files of
 * the samples, ONNX models and Keras files, each fed to the loader or importer. Every case must
 * end in a result or a LayergenError (a clear message) — never another exception, never past the
 * per-case time limit, and the whole run within its time (a hang shows as the last case started).
 * 1,500 cases in the fast suite, 6,000 in the full run (CI); LAYERGEN_FUZZ_CASES=N for a long run
 * (and LAYERGEN_FUZZ_SEED to vary it). A failure prints its case seed: `node
 * dist/test/fuzz/runner.js case SEED out.bin` writes that case's input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { FULL, repo } from '../helpers.js';

const CASES = Number(process.env.LAYERGEN_FUZZ_CASES ?? (FULL ? 6000 : 1500));
const SEED = Number(process.env.LAYERGEN_FUZZ_SEED ?? 20261202);
/** Per case: above the HDF5 probe's 10 s (a damaged .h5 that would loop is given up then). */
const CASE_MS = 12_000;

interface Report {
  cases: number;
  accepted: number;
  userErrors: number;
  slowest: { ms: number; kind: string; source: string; seed: number };
  failures: { kind: string; source: string; seed: number; error: string }[];
}

test(`fuzz: ${CASES} mutated nets, weight files, ONNX and Keras models: no crash, no hang`, () => {
  const p = spawnSync(process.execPath, [repo('dist/test/fuzz/runner.js'), String(SEED), String(CASES), String(CASE_MS)], {
    encoding: 'utf8',
    timeout: Math.max(120_000, CASES * 100),
    maxBuffer: 1 << 26,
  });
  const last = p.stderr.trim().split('\n').at(-1) ?? '';
  assert.is(p.status, 0, `the fuzz run did not finish (${p.signal ?? p.status}); last started: ${last}\n${p.stderr.slice(-2000)}`);
  const r = JSON.parse(p.stdout) as Report;
  assert.is(r.cases, CASES);
  console.log(
    `  note: fuzz seed ${SEED}: ${r.cases} cases, ${r.accepted} accepted, ${r.userErrors} clear errors; slowest ${r.slowest.ms.toFixed(0)} ms (${r.slowest.kind} ${r.slowest.source})`,
  );
  assert.equal(r.failures, [], r.failures.map((f) => `${f.kind} ${f.source} case seed ${f.seed}: ${f.error}`).join('\n'));
  // The mutants are mostly broken, but some still load: the fuzzer reaches past the first check.
  assert.ok(r.accepted > CASES / 20 && r.userErrors > CASES / 2, `${r.accepted} accepted, ${r.userErrors} errors`);
});

test.run();
