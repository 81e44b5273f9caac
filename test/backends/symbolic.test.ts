/**
 * Symbolic modules: evaluated at the fixture inputs they equal the numeric module (1e-12) and
 * PyTorch (1e-9); their SymPy text parses back in SymPy to the same values.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { erfNum, evaluate, format, freeSymbols, type Expr } from '@layergen/runtime';
import { FULL, compileAndImport, example, fixtureNames, loadFixture, mismatch, perFamily, repo, tempDir } from '../helpers.js';

interface SymbolicModule {
  predict(inputs: Record<string, unknown>): Record<string, Expr[]>;
  format: typeof format;
  evaluate: typeof evaluate;
}
interface NumericModule {
  predict(inputs: Record<string, unknown>): Record<string, Float64Array>;
}

const symbolsFor = (input: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${input}_${i}`);
/** Int inputs are indices: they take the example's numbers, never symbols. */
const isIntInput = (net: string, input: string): boolean => new RegExp(`^  ${input}: \\{.*dtype: int`, 'm').test(readFileSync(repo(net), 'utf8'));
const SMALL = fixtureNames().filter((n) => n !== 'mlp_784');
/**
 * log_softmax outputs are log-probabilities: the symbolic module prints the textbook
 * x_i - log(sum_j exp(x_j)) while the numeric module evaluates (x_i - m) - log(sum_j exp(x_j - m)).
 * Both are float64 evaluations of the same function with different rounding, and near the
 * dominant class (output ~0) neither has relative accuracy; the meaningful measure of a
 * log-probability is its absolute error (= the relative error of the probability). Those nets are
 * compared absolutely, at the catalogue's symbolic tolerance 1e-9, against numeric and PyTorch.
 */
const LOG_PROBS = /^\s+type: log_softmax$/m;
const symbolicCheck = (net: string): { tol: number; floor: number } =>
  LOG_PROBS.test(readFileSync(repo(net), 'utf8')) ? { tol: 1e-9, floor: 1 } : { tol: 1e-12, floor: 1e-300 };

// .js for every fixture, .ts on one per layer family (every fixture under LAYERGEN_TEST_FULL=1).
// The numeric module is the float64 .js one numeric.test compiled (compileAndImport shares it).
const SAMPLE = perFamily(fixtureNames(), ['mlp', 'multi_output', 'lstm']);
for (const name of fixtureNames()) {
  for (const lang of name === 'mlp_784' || !SAMPLE.has(name) ? (['js'] as const) : (['js', 'ts'] as const)) {
    test(`${name}: symbolic (${lang}) evaluated equals numeric and PyTorch`, async () => {
      const fx = loadFixture(name);
      const s = await compileAndImport<SymbolicModule>(fx.net, 'symbolic', { lang });
      const n = await compileAndImport<NumericModule>(fx.net, 'numeric');
      const sizes = Object.fromEntries(Object.entries(fx.inputs).map(([k, sh]) => [k, sh.reduce((a, b) => a * b, 1)]));
      const ints = new Set(Object.keys(sizes).filter((k) => isIntInput(fx.net, k)));
      const { tol, floor } = symbolicCheck(fx.net);
      const symIn = (ins: Record<string, number[]>) =>
        Object.fromEntries(Object.entries(sizes).map(([k, sz]) => [k, ints.has(k) ? ins[k]! : symbolsFor(k, sz)]));
      let outs: Record<string, Expr[]> | undefined;
      for (const c of fx.cases) {
        for (let b = 0; b < c.batch; b++) {
          const env: Record<string, number> = {};
          const ins: Record<string, number[]> = {};
          for (const k of Object.keys(sizes)) {
            ins[k] = example(c.inputs[k]!, c.batch, b);
            if (!ints.has(k)) symbolsFor(k, sizes[k]!).forEach((sym, i) => (env[sym] = ins[k]![i]!));
          }
          // Built once on symbols; per example when int inputs (indices) are part of the structure.
          if (!outs || ints.size) outs = s.predict(symIn(ins));
          const num = n.predict(ins);
          for (const [o, exprs] of Object.entries(outs)) {
            const vals = exprs.map((e) => s.evaluate(e, env));
            assert.is(mismatch(vals, Array.from(num[o]!), tol, floor, `${o} vs numeric`), null);
            assert.is(mismatch(vals, example(c.float64[o]!, c.batch, b), 1e-9, floor, `${o} vs PyTorch`), null);
          }
          // One fixture per layer family: the outputs print in every language, and the JS text,
          // run as a function body of the inputs, gives the numeric values.
          if (b === 0 && lang === 'js' && SAMPLE.has(name) && name !== 'mlp_784' && !ints.size) {
            const all = Object.values(outs).flat();
            const names = Object.keys(env);
            for (const language of ['text', 'sympy', 'mathematica', 'latex'] as const) {
              const text = s.format(all, language);
              assert.ok(text.length > 0 && !/undefined|NaN/.test(text), `${language} text of ${name}`);
            }
            // (JS has no Math.erf: the text calls erf, which the caller provides.)
            const js = new Function('erf', ...names, `return (() => { ${/\breturn\b/.test(s.format(all, 'js')) ? s.format(all, 'js') : `return ${s.format(all, 'js')};`} })();`) as (erf: (x: number) => number, ...a: number[]) => number[];
            const want = Object.keys(outs).flatMap((o) => Array.from(num[o]!));
            assert.is(mismatch(js(erfNum, ...names.map((k) => env[k]!)), want, tol, floor, 'JS text vs numeric'), null);
          }
          // Numbers as inputs give numbers (constant expressions) directly.
          if (b === 0 && name !== 'mlp_784') {
            const direct = s.predict(ins);
            for (const [o, exprs] of Object.entries(direct)) {
              assert.equal(freeSymbols(exprs), [], 'numeric inputs leave no symbols');
              assert.is(mismatch(exprs.map((e) => s.evaluate(e, {})), Array.from(num[o]!), tol, floor, `${o} numeric inputs`), null);
            }
          }
        }
      }
    });
  }
}

const SYMPY_MAX_TEXT = 20_000;
const hasSympy = spawnSync('/usr/bin/python3', ['-c', 'import sympy'], { encoding: 'utf8' }).status === 0;

const PY = `
import json, sys
from sympy import Symbol, Float
from sympy.parsing.sympy_parser import parse_expr
job = json.load(sys.stdin)
out = []
for item in job:
    local = {n: Symbol(n) for n in item["symbols"]}
    text = item["text"]
    if "result =" in text:  # shared subexpressions: a snippet defining result
        ns = {}
        exec(text, ns)
        exprs = ns["result"]
    else:
        exprs = parse_expr(text, local_dict=local)
    subs = {Symbol(n): Float(repr(v)) for n, v in item["env"].items()}
    for s, e in ns.get("replacements", []) if "result =" in text else []:  # cse convention, in order
        subs[s] = e.xreplace(subs).evalf(30)
    out.append([float(e.xreplace(subs).evalf(30)) for e in exprs])
print(json.dumps(out))
`;

// The SymPy printer is one emitter: one small fixture per layer family checks every function it
// prints (SymPy itself takes up to 20 s on a deep recurrence); every small fixture in the full run.
const SYMPY_NETS = [...perFamily(SMALL, ['mlp', 'lstm_cell', 'gru_t1', 'lstm_t1'])];

test('symbolic: SymPy parses the sympy text of small fixtures (one per layer family; all in the full run) back to the same values', async () => {
  if (!hasSympy) {
    console.log('  (skipped: /usr/bin/python3 with sympy not found)');
    return;
  }
  const jobs: { name: string; symbols: string[]; env: Record<string, number>; text: string; want: number[] }[] = [];
  for (const name of SYMPY_NETS) {
    const fx = loadFixture(name);
    const s = await compileAndImport<SymbolicModule>(fx.net, 'symbolic');
    const sizes = Object.fromEntries(Object.entries(fx.inputs).map(([k, sh]) => [k, sh.reduce((a, b) => a * b, 1)]));
    const c = fx.cases[0]!;
    const ints = new Set(Object.keys(sizes).filter((k) => isIntInput(fx.net, k)));
    const outs = s.predict(
      Object.fromEntries(Object.entries(sizes).map(([k, sz]) => [k, ints.has(k) ? example(c.inputs[k]!, c.batch, 0) : symbolsFor(k, sz)])),
    );
    const env: Record<string, number> = {};
    for (const k of Object.keys(sizes)) {
      if (!ints.has(k)) symbolsFor(k, sizes[k]!).forEach((sym, i) => (env[sym] = example(c.inputs[k]!, c.batch, 0)[i]!));
    }
    const exprs = Object.values(outs).flat();
    const text = s.format(exprs, 'sympy');
    // SymPy walks its expressions as trees, so deep nets (long recurrences, big convolutions) take
    // minutes there; the catalogue asks for the SymPy round trip on small cases.
    if (text.length > SYMPY_MAX_TEXT) continue;
    jobs.push({ name, symbols: Object.keys(env), env, text, want: exprs.map((e) => s.evaluate(e, env)) });
  }
  const r = spawnSync('/usr/bin/python3', ['-c', PY], { input: JSON.stringify(jobs), encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.is(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as number[][];
  got.forEach((vals, j) => assert.is(mismatch(vals, jobs[j]!.want, 1e-12, 1e-300, `${jobs[j]!.name} via SymPy`), null));
  assert.ok(jobs.length >= (FULL ? 60 : 30), `SymPy checked ${jobs.length} nets`);
});

test('softmax and log_softmax of logits beyond exp\'s range: the symbolic module evaluates them as the numeric module does', async () => {
  const dir = tempDir('big-logits');
  writeFileSync(
    join(dir, 'big_logits.yaml'),
    'name: big_logits\ninputs:\n  x: [3]\nlayers:\n  - name: fc\n    type: linear\n    units: 3\n    params:\n' +
      '      weight: [[300, 0, 0], [0, 300, 0], [0, 0, -300]]\n      bias: [0, 0, 0]\n' +
      '  - name: p\n    type: softmax\n    input: fc\n  - name: lp\n    type: log_softmax\n    input: fc\noutputs: [p, lp]\n',
  );
  const net = relative(repo(), join(dir, 'big_logits.yaml'));
  const s = await compileAndImport<SymbolicModule>(net, 'symbolic');
  const n = await compileAndImport<NumericModule>(net, 'numeric');
  for (const x of [[3, 2.9, 0], [-3, 1, 4], [2.5, -2.5, -2.5]]) {
    const want = n.predict({ x });
    const env = { x_0: x[0]!, x_1: x[1]!, x_2: x[2]! };
    const outs = s.predict({ x: ['x_0', 'x_1', 'x_2'] });
    for (const o of ['p', 'lp']) {
      const got = outs[o]!.map((e) => s.evaluate(e, env));
      assert.ok(got.every(Number.isFinite), `${o} at ${x}: ${got.join(', ')}`);
      assert.is(mismatch(got, Array.from(want[o]!), 1e-12, 1, `${o} at ${x} (logits up to ${300 * Math.max(...x.map(Math.abs))})`), null);
    }
  }
});

test.run();
