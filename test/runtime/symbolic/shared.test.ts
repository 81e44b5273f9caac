/**
 * Printing with shared subexpressions as definitions: linear output size, dependency order,
 * collision-free names, and output that runs (JS here, SymPy when /usr/bin/python3 has it).
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  add, DEFAULT_INLINE_MAX, erfNum, evaluate, exp, format, freeSymbols, linear, mul, rational, sigmoid, sym, tanh,
  type Expr, type Language,
} from '@layergen/runtime';
import { repo } from '../../helpers.js';
import { close, rng } from './util.js';

const x = sym('x');
const y = sym('y');
const LANGS: Language[] = ['text', 'sympy', 'js', 'mathematica', 'latex'];

/** x_{k+1} = tanh(x_k) + x_k: sums flatten, so x_k has k+1 terms (a quadratic DAG). */
function sumChain(n: number): Expr {
  let c: Expr = x;
  for (let k = 0; k < n; k++) c = add(tanh(c), c);
  return c;
}

/** x_{k+1} = tanh(x_k^2 + x_k + 0.1): each level uses the previous one twice. */
function tanhChain(n: number): Expr {
  let c: Expr = x;
  for (let k = 0; k < n; k++) c = tanh(add(mul(c, c), c, 0.1));
  return c;
}

/** Runs printed JS (a function body when it has definitions, else an expression). */
function runJs(code: string, env: Record<string, number>): number | number[] {
  const body = code.includes('return ') ? code : `return ${code};`;
  const names = Object.keys(env);
  const f = new Function(...names, 'erf', body) as (...a: unknown[]) => number | number[];
  return f(...names.map((n) => env[n]), erfNum);
}

test('a 1000-level chain using each level twice prints in linear size and time, in every language', () => {
  for (const chain of [sumChain, tanhChain]) {
    for (const lang of LANGS) {
      const t0 = performance.now();
      const big = format(chain(1000), lang);
      const ms = performance.now() - t0;
      const small = format(chain(500), lang);
      assert.ok(big.length < 2.2 * small.length, `${lang}: ${small.length} -> ${big.length} chars`);
      assert.ok(big.length < 200 * 1000, `${lang}: ${big.length} chars for 1000 levels`);
      assert.ok(ms < 3000, `${lang}: ${ms} ms`);
    }
  }
  const text = format(sumChain(6), 'text').split('\n');
  assert.ok(text.some((l) => /^t\d+ = t\d+ \+ tanh\(t\d+\)/.test(l)), `sub-sums reused:\n${text.join('\n')}`);
});

test('printed JS with definitions evaluates like evaluate', () => {
  const r = rng(21);
  const exprs: Expr[][] = [[sumChain(40)], [tanhChain(30), exp(tanhChain(30))], [sumChain(12), tanhChain(12), mul(y, sumChain(12))]];
  for (const es of exprs) {
    const code = format(es, 'js');
    assert.ok(code.startsWith('const t1 = '), code.slice(0, 80));
    for (let k = 0; k < 5; k++) {
      const env = { x: r(-0.9, 0.9), y: r(-2, 2) };
      const got = runJs(code, env) as number[];
      es.forEach((e, i) => close(got[i]!, evaluate(e, env), 1e-12, `output ${i}`, 1e-300));
    }
  }
  close(runJs(format(tanhChain(20), 'js'), { x: 0.3 }) as number, evaluate(tanhChain(20), { x: 0.3 }), 1e-12, 'single');
});

test('definitions come in dependency order and name each shared node once', () => {
  const lines = format([tanhChain(50), sumChain(20)], 'text').split('\n');
  const defined = new Set<string>();
  for (const line of lines.slice(0, -1)) {
    const m = /^(t\d+) = (.*)$/.exec(line);
    assert.ok(m !== null, line);
    for (const ref of m![2]!.match(/\bt\d+\b/g) ?? []) assert.ok(defined.has(ref), `${ref} used before its definition`);
    assert.not.ok(defined.has(m![1]!), `${m![1]} defined twice`);
    defined.add(m![1]!);
  }
  assert.ok(lines.at(-1)!.startsWith('['));
});

test('definition names never collide with symbols, in any spelling', () => {
  const t1 = sym('t1');
  const t2 = sym('t_2');
  const shared = tanh(add(mul(t1, t2), x, 0.5));
  const e = add(mul(shared, shared), exp(shared), t1, t2);
  const text = format(e, 'text');
  assert.ok(/^t2 = tanh/.test(text), text);
  assert.ok(format(e, 'latex').includes('t_{3} &= '), 'LaTeX skips t_{1} and t_{2}');
  assert.ok(format(e, 'mathematica').startsWith('Module[{t2}'), format(e, 'mathematica'));
  const out = sym('y_1');
  assert.ok(format([e, out], 'latex').includes('f_{1} &= '), 'output labels avoid y_{1}');
  const p = format(e, 'text', { prefix: 'shared' });
  assert.ok(p.startsWith('shared1 = '), p);
  assert.throws(() => format(e, 'mathematica', { prefix: 'my_t' }), /prefix must be letters and digits/);
});

test('inline budget: small shared nodes inline, Infinity prints a tree, 0 names every shared node', () => {
  const s = tanh(add(x, y));
  const e = add(mul(s, s), s);
  assert.is(format(e, 'text'), 'tanh(x + y)^2 + tanh(x + y)');
  assert.is(DEFAULT_INLINE_MAX, 20);
  assert.is(format(e, 'text', { inlineMax: 0 }), 't1 = tanh(x + y)\nt1^2 + t1');
  const big = tanhChain(8);
  assert.not.ok(format(big, 'text', { inlineMax: Infinity }).includes('\n'));
  assert.ok(format(big, 'text').includes('\n'));
  assert.is(format(sigmoid(x), 'sympy', { inlineMax: 0 }), '1/(exp(-x) + 1)');
});

test('layouts: SymPy snippet, Mathematica Module, LaTeX aligned, caller names stay undefined', () => {
  const e = [tanhChain(3), rational(1, 3)];
  const py = format(e, 'sympy', { inlineMax: 5 }).split('\n');
  assert.ok(py[0]!.startsWith('from sympy import Symbol, Rational'), py[0]);
  assert.is(py[1], 'x = Symbol("x")');
  assert.ok(/^t1(, t\d+)* = symbols\("t1( t\d+)*"\)$/.test(py[2]!), py[2]);
  assert.is(py[3], 'with evaluate(False):');
  assert.is(py[4], '    replacements = [');
  assert.ok(py[5]!.startsWith('        (t1, '), py[5]);
  assert.ok(py.at(-2)!.startsWith('    reduced = [') && py.at(-2)!.endsWith(', Rational(1, 3)]'), py.at(-2));
  assert.is(py.at(-1), 'result = reduced');
  const wl = format(e, 'mathematica', { inlineMax: 5 });
  assert.ok(/^Module\[\{t1, t2\},\n {2}t1 = .*;\n/.test(wl) && wl.endsWith(', 1/3}\n]'), wl);
  const tex = format(e, 'latex', { inlineMax: 5 });
  assert.ok(tex.startsWith('\\begin{aligned}\nt_{1} &= ') && tex.endsWith('y_{2} &= \\frac{1}{3}\n\\end{aligned}'), tex);
  const inner = tanh(add(x, y, 1));
  const withNames = format(add(mul(tanhChain(4), tanhChain(4)), inner), 'text', { names: new Map([[inner, 'g']]) });
  assert.ok(withNames.endsWith(' + g') && !withNames.includes('g = '), withNames);
});

test('symbols named like SymPy functions or keywords are spelt Symbol("...") in snippets', () => {
  const f = sym('exp');
  const e = tanhChain(3);
  const text = format(linear([1, 2, 3], [e, f, sym('lambda')]), 'sympy', { inlineMax: 5 });
  assert.ok(text.includes('2*Symbol("exp")') && text.includes('3*Symbol("lambda")'), text);
  assert.not.ok(text.includes('exp = Symbol'));
});

test('the SymPy snippet runs in Python and gives the values of evaluate', () => {
  if (spawnSync('/usr/bin/python3', ['-c', 'import sympy'], { encoding: 'utf8' }).status !== 0) {
    console.log('  (SymPy snippet test skipped: /usr/bin/python3 with sympy not available)');
    return;
  }
  const E = sym('E');
  const es = [tanhChain(25), sumChain(15), mul(E, tanhChain(5)), add(mul(rational(2, 7), x), sym('result'))];
  const text = format(es, 'sympy');
  const env = Object.fromEntries(freeSymbols(es).map((n, i) => [n, 0.1 + 0.2 * i]));
  const r = spawnSync('/usr/bin/python3', [repo('test/sympy_eval.py')], { input: JSON.stringify({ text, env }), encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as number[];
  es.forEach((e, i) => close(got[i]!, evaluate(e, env), 1e-12, `output ${i}`, 1e-300));
});

test.run();
