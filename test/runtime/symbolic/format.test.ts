import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  abs, add, div, erf, erfNum, evaluate, exp, format, freeSymbols, heaviside, log, max, min, mul, neg, num, pow,
  relu, sigmoid, sqrt, sub, substitute, sym, tanh, type Expr, type Language,
} from '@layergen/runtime';
import { close, rng } from './util.js';

const x = sym('x');
const y = sym('y');
const LANGS: Language[] = ['text', 'sympy', 'js', 'mathematica', 'latex'];

function expectAll(e: Expr | number | (Expr | number)[], want: Record<Language, string>): void {
  for (const lang of LANGS) assert.is(format(e, lang), want[lang], `${lang}`);
}

test('linear combination: negative coefficients print as subtraction, constant last', () => {
  expectAll(add(mul(0.3, sym('s2')), mul(-0.95, sym('s1')), 0.1), {
    text: '-0.95*s1 + 0.3*s2 + 0.1',
    sympy: '-0.95*s1 + 0.3*s2 + 0.1',
    js: '-0.95*s1 + 0.3*s2 + 0.1',
    mathematica: '-0.95*s1 + 0.3*s2 + 0.1',
    latex: '-0.95 s_{1} + 0.3 s_{2} + 0.1',
  });
  expectAll(sub(x, 1), { text: 'x - 1', sympy: 'x - 1', js: 'x - 1', mathematica: 'x - 1', latex: 'x - 1' });
});

test('sigmoid, relu, powers and quotients', () => {
  expectAll(sigmoid(x), {
    text: '1/(exp(-x) + 1)',
    sympy: '1/(exp(-x) + 1)',
    js: '1/(Math.exp(-x) + 1)',
    mathematica: '1/(Exp[-x] + 1)',
    latex: '\\frac{1}{e^{-x} + 1}',
  });
  expectAll(relu(sym('h0')), {
    text: 'max(0, h0)',
    sympy: 'Max(0, h0)',
    js: 'Math.max(0, h0)',
    mathematica: 'Max[0, h0]',
    latex: '\\max\\left(0, h_{0}\\right)',
  });
  expectAll(pow(add(x, y), 2), {
    text: '(x + y)^2',
    sympy: '(x + y)**2',
    js: '(x + y) ** 2',
    mathematica: '(x + y)^2',
    latex: '\\left(x + y\\right)^{2}',
  });
  expectAll(div(add(x, 1), mul(x, pow(y, 2))), {
    text: '(x + 1)/(x*y^2)',
    sympy: '(x + 1)/(x*y**2)',
    js: '(x + 1)/(x*y ** 2)',
    mathematica: '(x + 1)/(x*y^2)',
    latex: '\\frac{x + 1}{x y^{2}}',
  });
  expectAll(pow(x, -1), { text: '1/x', sympy: '1/x', js: '1/x', mathematica: '1/x', latex: '\\frac{1}{x}' });
});

test('unary minus and precedence', () => {
  expectAll(mul(-1, pow(x, 2), y), {
    text: '-x^2*y',
    sympy: '-x**2*y',
    js: '-(x ** 2*y)',
    mathematica: '-x^2*y',
    latex: '-x^{2} y',
  });
  expectAll(mul(-2, x, add(x, y)), {
    text: '-2*x*(x + y)',
    sympy: '-2*x*(x + y)',
    js: '-2*x*(x + y)',
    mathematica: '-2*x*(x + y)',
    latex: '-2 x \\left(x + y\\right)',
  });
  expectAll(pow(-2, x), {
    text: '(-2)^x',
    sympy: '(-2)**x',
    js: '(-2) ** x',
    mathematica: '(-2)^x',
    latex: '\\left(-2\\right)^{x}',
  });
  expectAll(pow(x, neg(add(x, y))), {
    text: 'x^(-x - y)',
    sympy: 'x**(-x - y)',
    js: 'x ** (-x - y)',
    mathematica: 'x^(-x - y)',
    latex: 'x^{-x - y}',
  });
  expectAll(pow(exp(x), y), {
    text: 'exp(x)^y',
    sympy: 'exp(x)**y',
    js: 'Math.exp(x) ** y',
    mathematica: 'Exp[x]^y',
    latex: '\\left(e^{x}\\right)^{y}',
  });
  expectAll(pow(pow(x, y), 2), {
    text: '(x^y)^2',
    sympy: '(x**y)**2',
    js: '(x ** y) ** 2',
    mathematica: '(x^y)^2',
    latex: '\\left(x^{y}\\right)^{2}',
  });
  expectAll(num(-3), { text: '-3', sympy: '-3', js: '-3', mathematica: '-3', latex: '-3' });
});

test('functions in every language', () => {
  const e = add(erf(x), sqrt(y), abs(x), log(y), tanh(x), heaviside(x), min(x, y, 2));
  expectAll(e, {
    text: 'log(y) + tanh(x) + erf(x) + sqrt(y) + abs(x) + heaviside(x) + min(2, x, y)',
    sympy: 'log(y) + tanh(x) + erf(x) + sqrt(y) + Abs(x) + Heaviside(x, 0) + Min(2, x, y)',
    js: 'Math.log(y) + Math.tanh(x) + erf(x) + Math.sqrt(y) + Math.abs(x) + Math.sign(Math.max(0, x)) + Math.min(2, x, y)',
    mathematica: 'Log[y] + Tanh[x] + Erf[x] + Sqrt[y] + Abs[x] + Boole[x > 0] + Min[2, x, y]',
    latex: '\\log\\left(y\\right) + \\tanh\\left(x\\right) + \\operatorname{erf}\\left(x\\right) + \\sqrt{y} + '
      + '\\left|x\\right| + \\operatorname{H}\\left(x\\right) + \\min\\left(2, x, y\\right)',
  });
});

test('numbers: exponent notation per language, specials', () => {
  expectAll(mul(1.5e-7, x), {
    text: '1.5e-7*x',
    sympy: '1.5e-7*x',
    js: '1.5e-7*x',
    mathematica: '1.5*^-7*x',
    latex: '1.5 \\cdot 10^{-7} x',
  });
  expectAll(num(1e21), { text: '1e+21', sympy: '1e+21', js: '1e+21', mathematica: '1*^21', latex: '1 \\cdot 10^{21}' });
  expectAll(num(Infinity), { text: 'Infinity', sympy: 'oo', js: 'Infinity', mathematica: 'Infinity', latex: '\\infty' });
  expectAll(num(-Infinity), { text: '-Infinity', sympy: '-oo', js: '-Infinity', mathematica: '-Infinity', latex: '-\\infty' });
  expectAll(num(NaN), { text: 'NaN', sympy: 'nan', js: 'NaN', mathematica: 'Indeterminate', latex: '\\mathrm{NaN}' });
  expectAll(pow(2.5e-8, x), {
    text: '2.5e-8^x', sympy: '2.5e-8**x', js: '2.5e-8 ** x', mathematica: '(2.5*^-8)^x',
    latex: '\\left(2.5 \\cdot 10^{-8}\\right)^{x}',
  });
});

test('lists', () => {
  expectAll([x, add(y, 1), 2], {
    text: '[x, y + 1, 2]',
    sympy: '[x, y + 1, 2]',
    js: '[x, y + 1, 2]',
    mathematica: '{x, y + 1, 2}',
    latex: '\\left[x, y + 1, 2\\right]',
  });
});

test('symbol names: Mathematica, LaTeX, SymPy spelling', () => {
  const names = ['x_0', 'fc_weight_0_1', 'h0', 'E', 'Gamma', 'lambda', 'x_01', 'alpha_2', 'a.b'];
  const e = names.map((n) => sym(n));
  assert.is(format(e, 'mathematica'),
    '{Subscript[x, 0], Subscript[fcWeight, 0, 1], h0, E$, Gamma$, lambda, x01, Subscript[alpha, 2], aB}');
  assert.is(format(e, 'latex'), '\\left[x_{0}, \\mathrm{fc\\_weight}_{0,1}, h_{0}, E, \\Gamma, \\lambda, '
    + '\\mathrm{x\\_01}, \\alpha_{2}, \\mathrm{a.b}\\right]');
  assert.is(format(e, 'sympy'),
    '[x_0, fc_weight_0_1, h0, E, Gamma, Symbol("lambda"), x_01, alpha_2, Symbol("a.b")]');
  assert.is(format(e, 'js'), '[x_0, fc_weight_0_1, h0, E, Gamma, lambda, x_01, alpha_2, a.b]');
});

test('names hook prints a named node as its name (the root stays expanded)', () => {
  const t = tanh(add(x, y));
  const e = add(mul(t, t), t);
  const names = new Map<Expr, string>([[t, 't1']]);
  assert.is(format(e, 'text', { names }), 't1^2 + t1');
  assert.is(format(t, 'sympy', { names }), 'tanh(x + y)');
  assert.is(format(e, 'mathematica', { names: new Map([[t, 't_1']]) }), 'Subscript[t, 1]^2 + Subscript[t, 1]');
});

test('deep expressions print without recursion limits', () => {
  let e: Expr = x;
  for (let k = 0; k < 20000; k++) e = tanh(add(e, 1));
  const s = format(e, 'text');
  assert.is(s.length, 20000 * 'tanh( + 1)'.length + 1);
  assert.ok(s.startsWith('tanh(tanh(') && s.includes('(tanh(x + 1) + 1)') && s.endsWith(' + 1) + 1)'));
  let v = 0.5;
  for (let k = 0; k < 20000; k++) v = Math.tanh(v + 1);
  close(evaluate(e, { x: 0.5 }), v, 1e-12, 'deep evaluate');
  assert.equal(freeSymbols(substitute(e, { x: sym('w') })), ['w']);
});

/** Undoes each language's number spelling. */
const UNSPELL: Record<Language, (s: string) => string> = {
  text: (s) => s,
  js: (s) => s,
  sympy: (s) => s.replace(/^(-?)oo$/, '$1Infinity').replace(/^nan$/, 'NaN'),
  mathematica: (s) => s.replace('*^', 'e').replace('Indeterminate', 'NaN'),
  latex: (s) => s.replace(/^(-?[0-9.]+) \\cdot 10\^\{(-?[0-9]+)\}$/, '$1e$2')
    .replace('\\infty', 'Infinity').replace('\\mathrm{NaN}', 'NaN'),
};

test('printed numbers round-trip to the same float64 in every language', () => {
  const r = rng(11);
  const values = [0.1, 0.30000000000000004, 1 / 3, 2, 123456789012345680000, 1e21, 5e-324, 1.7976931348623157e308,
    2 ** -1074, 1e-7, 123.456, Infinity, -Infinity];
  for (let k = 0; k < 300; k++) values.push((r() - 0.5) * 10 ** Math.floor(r(-30, 30)));
  for (const v of values) {
    for (const lang of LANGS) {
      const s = UNSPELL[lang](format(num(v), lang));
      assert.ok(Object.is(Number(s), v === 0 ? 0 : v), `${lang}: ${v} printed as ${format(num(v), lang)}`);
    }
  }
  for (const lang of LANGS) assert.ok(Number.isNaN(Number(UNSPELL[lang](format(num(NaN), lang)))));
});

test('printed JS evaluates to the same values as evaluate', () => {
  const exprs: Expr[] = [
    sigmoid(mul(x, y)), mul(-1, pow(x, 2), y), neg(pow(x, 3)), div(add(x, 1), mul(x, pow(y, 2))),
    pow(add(pow(x, 2), 1), y), add(erf(x), sqrt(add(pow(y, 2), 1)), abs(x), log(add(pow(y, 2), 1)), tanh(x)),
    add(heaviside(x), min(x, y, 2), max(x, mul(-3, y)), relu(sub(x, y))), pow(2, neg(x)), exp(neg(pow(x, 2))),
    mul(1.5e-7, x, pow(y, -3)),
  ];
  const r = rng(5);
  for (const e of exprs) {
    const code = format(e, 'js');
    const f = new Function('x', 'y', 'erf', `return ${code};`) as (x: number, y: number, erf: (v: number) => number) => number;
    assert.equal(freeSymbols(e).filter((s) => s !== 'x' && s !== 'y'), []);
    for (let k = 0; k < 10; k++) {
      const env = { x: r(-2, 2), y: r(0.5, 2) };
      close(f(env.x, env.y, erfNum), evaluate(e, env), 1e-13, code, 1e-300);
    }
  }
});

test.run();
