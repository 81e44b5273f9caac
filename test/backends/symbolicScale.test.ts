/**
 * The symbolic module at scale: LSTM(4 -> 128) over 50 steps with all 200 inputs symbolic builds
 * a DAG (linear in steps and parameters) whose value at a point equals the numeric module to 1e-9.
 * (Build time is a benchmark, `node dist/bench/symbolic-module.js`, not asserted here.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { countNodes, evaluateAll, format, topoOrder, type Expr, type Language } from '@layergen/runtime';
import { FULL, compileAndImport, mismatch, repo } from '../helpers.js';

interface SymbolicModule {
  predict(inputs: Record<string, unknown>): Record<string, Expr[]>;
}
interface NumericModule {
  predict(inputs: Record<string, unknown>): Record<string, Float64Array>;
}

test('LSTM(4->128) x 50, all inputs symbolic: exact to 1e-9 and linear in size', async () => {
  const s = await compileAndImport<SymbolicModule>('bench/nets/lstm128.yaml', 'symbolic');
  const n = await compileAndImport<NumericModule>('bench/nets/lstm128.yaml', 'numeric');
  const names = Array.from({ length: 200 }, (_, i) => `s${i + 1}`);
  const t0 = performance.now();
  const h = s.predict({ x: names }).rnn!;
  const built = performance.now() - t0;
  const nodes = countNodes(h);
  console.log(`  LSTM(4->128)x50 symbolic build: ${built.toFixed(0)} ms, ${nodes} DAG nodes`);
  assert.ok(nodes < 400_000, `linear size: ${nodes} nodes`);
  const x = names.map((_, i) => Math.sin(i * 1.7) * 1.5);
  const env = Object.fromEntries(names.map((nm, i) => [nm, x[i]!]));
  assert.is(mismatch(evaluateAll(h, env), Array.from(n.predict({ x }).rnn!), 1e-9, 1e-300, 'h_T'), null);
});

/** The deepest nesting of brackets of any kind in a printed text. */
function bracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (const c of text) {
    if (c === '(' || c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ')' || c === ']' || c === '}') depth--;
  }
  return max;
}

/** The size of a DAG: its distinct nodes plus their edges (a sum's terms, a product's factors, a function's arguments). */
function dagSize(roots: readonly Expr[]): number {
  let size = 0;
  for (const e of topoOrder(roots)) {
    const kids = e.kind === 'add' ? e.terms.length : e.kind === 'mul' ? e.bases.length : e.kind === 'pow' ? 2 : e.kind === 'fn' ? e.args.length : 0;
    size += 1 + kids;
  }
  return size;
}

const hasSympy = spawnSync('/usr/bin/python3', ['-c', 'import sympy'], { encoding: 'utf8' }).status === 0;

test('LSTM(4->32) x 20: every printer writes linear text (definitions apart, shallow nesting); the JS and SymPy texts evaluate to the numeric module', async () => {
  const s = await compileAndImport<SymbolicModule>('bench/nets/lstm32.yaml', 'symbolic');
  const n = await compileAndImport<NumericModule>('bench/nets/lstm32.yaml', 'numeric');
  const names = Array.from({ length: 80 }, (_, i) => `s${i + 1}`);
  const h = s.predict({ x: names }).rnn!;
  const x = names.map((_, i) => Math.cos(i * 0.9) * 1.2);
  const want = Array.from(n.predict({ x }).rnn!);
  const size = dagSize(h);
  const texts = new Map<Language, string>();
  for (const lang of ['text', 'sympy', 'js', 'mathematica', 'latex'] as const) {
    const text = format(h, lang);
    texts.set(lang, text);
    // Linear: a few dozen characters per node or edge of the DAG (a coefficient and a name per
    // term of a sum), and nothing nests deeper than an inline definition, however many steps.
    assert.ok(text.length < 40 * size, `${lang}: ${text.length} characters for a DAG of size ${size}`);
    assert.ok(bracketDepth(text) <= 12, `${lang}: brackets nest ${bracketDepth(text)} deep`);
  }
  // Every language defines the same shared subexpressions, once each.
  const defs = (re: RegExp, t: string): number => t.match(re)?.length ?? 0;
  const jsDefs = defs(/^const t\d+ = /gm, texts.get('js')!);
  assert.ok(jsDefs > 100, `${jsDefs} definitions`);
  assert.is(defs(/^t_\{\d+\} &= /gm, texts.get('latex')!), jsDefs);
  assert.is(defs(/^\s*t\d+ = /gm, texts.get('mathematica')!), jsDefs);
  assert.is(defs(/^\s*\(t\d+, /gm, texts.get('sympy')!), jsDefs);
  // JS: a function body of the inputs.
  const js = new Function(...names, texts.get('js')!) as (...a: number[]) => number[];
  assert.is(mismatch(js(...x), want, 1e-9, 1e-300, 'JS text'), null);
  // About 5 s of SymPy: in the full run (CI) only.
  if (hasSympy && FULL) {
    const env = Object.fromEntries(names.map((nm, i) => [nm, x[i]!]));
    const p = spawnSync('/usr/bin/python3', [repo('test/sympy_cse_eval.py')], { input: JSON.stringify({ text: texts.get('sympy'), env }), encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26 });
    assert.is(p.status, 0, p.stderr);
    const got = JSON.parse(p.stdout) as { load: number; eval: number; limit: number; vals: number[] };
    assert.is(got.limit, 1000);
    console.log(`  note: LSTM(4->32)x20 SymPy text ${(texts.get('sympy')!.length / 1e3).toFixed(0)} kB, ${jsDefs} definitions: loads in ${got.load.toFixed(1)} s, evaluates in ${got.eval.toFixed(1)} s`);
    assert.is(mismatch(got.vals, want, 1e-9, 1e-300, 'SymPy text'), null);
  }
});

test('4-head causal self-attention over 8 tokens of width 16, all 128 inputs symbolic: a DAG whose text is linear, equal to the numeric module to 1e-9', async () => {
  const s = await compileAndImport<SymbolicModule>('bench/nets/mha16.yaml', 'symbolic');
  const n = await compileAndImport<NumericModule>('bench/nets/mha16.yaml', 'numeric');
  const names = Array.from({ length: 128 }, (_, i) => `s${i + 1}`);
  const y = s.predict({ x: names }).attn!;
  const x = names.map((_, i) => Math.sin(i * 0.61) * 0.9);
  const want = Array.from(n.predict({ x }).attn!);
  const env = Object.fromEntries(names.map((nm, i) => [nm, x[i]!]));
  assert.is(mismatch(evaluateAll(y, env), want, 1e-9, 1e-300, 'evaluate'), null);
  const size = dagSize(y);
  for (const lang of ['text', 'sympy', 'js', 'mathematica', 'latex'] as const) {
    const text = format(y, lang);
    assert.ok(text.length < 40 * size, `${lang}: ${text.length} characters for a DAG of size ${size}`);
    assert.ok(bracketDepth(text) <= 12, `${lang}: brackets nest ${bracketDepth(text)} deep`);
  }
  const js = new Function(...names, format(y, 'js')) as (...a: number[]) => number[];
  assert.is(mismatch(js(...x), want, 1e-9, 1e-300, 'JS text'), null);
  console.log(`  note: 4-head attention 8x16 symbolic: ${countNodes(y)} DAG nodes, JS text ${(format(y, 'js').length / 1e3).toFixed(0)} kB`);
});

test.run();
