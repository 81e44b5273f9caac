/**
 * How each language lays out definitions of shared subexpressions and the outputs
 * (used only when there is at least one definition; otherwise `format` prints the bare
 * expression or list):
 *
 * - text:        `t1 = ...` lines, then the expression (or the list `[a, b]`).
 * - sympy:       a Python snippet that runs as is, in the convention of SymPy's own `cse()`:
 *                `from sympy import ...`, one `x = Symbol("x")` per symbol, the definitions'
 *                names as symbols (`t1, t2 = symbols("t1 t2")`), then in a `with
 *                evaluate(False):` block `replacements = [(t1, ...), (t2, ...)]` (each in terms of
 *                the inputs and earlier ones) and `reduced = [<expr>, ...]`, and `result` (the
 *                one reduced expression, or the list). Nothing nests deeper than the DAG and
 *                nothing is expanded: the text of a 2400-input linear layer loads in a second.
 *                `exec(text, ns)`, then substitute the replacements in order (or in reverse
 *                with `subs`, which expands the tree) to evaluate.
 * - mathematica: `Module[{t1, t2}, t1 = ...; t2 = ...; <expr or {a, b}>]`.
 * - latex:       `\begin{aligned} t_{1} &= ... \\ y &= ... \end{aligned}` with the outputs
 *                as `y` (one) or `y_{1}, y_{2}, ...` (a list), or another free letter if y is taken.
 * - js:          a function body: `const t1 = ...;` statements, then `return <expr>;` (or
 *                `return [a, b];`), e.g. for `new Function('x', 'y', 'erf', text)`.
 */

import type { Language } from './format.js';
import { latexName, mathematicaName, SYMPY_IMPORTS, SYMPY_SNIPPET_NAMES, sympyName } from './names.js';
import { NameAllocator, type SharedPrint } from './shared.js';
import type { Printed, Syntax } from './syntax.js';

export interface Layout {
  readonly reserved: ReadonlySet<string>;
  readonly spellSymbol: (name: string) => string;
  readonly spellName: (name: string) => string;
  /** Assembles the output; `symbols` are the free symbol names (canonical order). */
  assemble(p: SharedPrint, list: boolean, syntax: Syntax, symbols: readonly string[]): string;
}

const same = (n: string): string => n;
const outputs = (p: SharedPrint, list: boolean, syntax: Syntax): string =>
  (list ? syntax.list(p.outputs as Printed[]) : p.outputs[0]!.s);

const TEXT_LAYOUT: Layout = {
  reserved: new Set(),
  spellSymbol: same,
  spellName: same,
  assemble: (p, list, syntax) => [...p.definitions.map((d) => `${d.name} = ${d.text}`), outputs(p, list, syntax)].join('\n'),
};

const SYMPY_LAYOUT: Layout = {
  reserved: SYMPY_SNIPPET_NAMES,
  spellSymbol: sympyName,
  spellName: same,
  assemble(p, list, syntax, symbols) {
    const lines = [`from sympy import ${SYMPY_IMPORTS.join(', ')}`];
    for (const s of symbols) {
      const spelt = sympyName(s);
      if (!spelt.startsWith('Symbol(')) lines.push(`${spelt} = Symbol(${JSON.stringify(s)})`);
    }
    const names = p.definitions.map((d) => d.name);
    lines.push(names.length === 1 ? `${names[0]} = Symbol(${JSON.stringify(names[0])})` : `${names.join(', ')} = symbols(${JSON.stringify(names.join(' '))})`);
    lines.push('with evaluate(False):');
    lines.push('    replacements = [');
    for (const d of p.definitions) lines.push(`        (${d.name}, ${d.text}),`);
    lines.push('    ]');
    lines.push(`    reduced = ${list ? outputs(p, list, syntax) : `[${outputs(p, list, syntax)}]`}`);
    lines.push(list ? 'result = reduced' : 'result = reduced[0]');
    return lines.join('\n');
  },
};

const MATHEMATICA_LAYOUT: Layout = {
  reserved: new Set(),
  spellSymbol: mathematicaName,
  spellName: same,
  assemble(p, list, syntax) {
    const vars = p.definitions.map((d) => d.name).join(', ');
    const sets = p.definitions.map((d) => `  ${d.name} = ${d.text};\n`).join('');
    return `Module[{${vars}},\n${sets}  ${outputs(p, list, syntax)}\n]`;
  },
};

/** Output labels for LaTeX: `y` / `y_{i}`, or the first stem whose labels are all free. */
function latexLabels(n: number, list: boolean, taken: ReadonlySet<string>): string[] {
  for (const stem of ['y', 'f', 'F', 'z', 'out']) {
    const labels = list ? Array.from({ length: n }, (_, i) => latexName(`${stem}_${i + 1}`)) : [latexName(stem)];
    if (labels.every((l) => !taken.has(l))) return labels;
  }
  const alloc = new NameAllocator('\\mathrm{out}', taken, (s) => s);
  return Array.from({ length: list ? n : 1 }, () => alloc.claim());
}

const LATEX_LAYOUT: Layout = {
  reserved: new Set(),
  spellSymbol: latexName,
  spellName: latexName,
  assemble(p, list, _syntax, symbols) {
    const taken = new Set([...symbols.map(latexName), ...p.definitions.map((d) => latexName(d.name))]);
    const labels = latexLabels(p.outputs.length, list, taken);
    const rows = [
      ...p.definitions.map((d) => `${latexName(d.name)} &= ${d.text}`),
      ...p.outputs.map((o, i) => `${labels[i]} &= ${o.s}`),
    ];
    return `\\begin{aligned}\n${rows.join(' \\\\\n')}\n\\end{aligned}`;
  },
};

const JS_LAYOUT: Layout = {
  reserved: new Set(['Math', 'erf']),
  spellSymbol: same,
  spellName: same,
  assemble: (p, list, syntax) =>
    [...p.definitions.map((d) => `const ${d.name} = ${d.text};`), `return ${outputs(p, list, syntax)};`].join('\n'),
};

export const LAYOUTS: Readonly<Record<Language, Layout>> = {
  text: TEXT_LAYOUT,
  sympy: SYMPY_LAYOUT,
  mathematica: MATHEMATICA_LAYOUT,
  latex: LATEX_LAYOUT,
  js: JS_LAYOUT,
};
