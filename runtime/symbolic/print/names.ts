/**
 * Symbol names per language. Callers use names like `s1`, `x_0`, `h0`, `fc_weight_0_1`.
 *
 * Index suffix: a name ending in one or more `_<integer>` groups (integers without leading
 * zeros, base not ending in `_`) is split into a base and indices: `fc_weight_0_1` ->
 * base `fc_weight`, indices 0, 1. `h0`, `x_01`, `x_a` have no indices.
 *
 * Mathematica (`_` is pattern syntax there):
 *  - the base is camelCased at every run of characters other than [A-Za-z0-9]:
 *    `fc_weight` -> `fcWeight`, `lstm_h` -> `lstmH`; a result starting with a digit gets
 *    the prefix `s`, an empty one becomes `s`;
 *  - a base starting with an upper-case letter gets a trailing `$` so that it can never be
 *    a built-in (`E` -> `E$`, `Gamma` -> `Gamma$`, `N` -> `N$`);
 *  - indices become `Subscript[base, i, j]`: `x_0` -> `Subscript[x, 0]`.
 *  Injective except for names differing only in separators/case of a camelCase boundary
 *  (`fc_weight` and `fcWeight` both -> `fcWeight`).
 *
 * LaTeX (for reading, so readability wins over injectivity): indices become a subscript
 * `_{0,1}`, and a base of letters followed by an integer also moves the integer into the
 * subscript (`h0` -> `h_{0}`, `s12` -> `s_{12}`, `s1_2` -> `s_{1,2}`; so `s1` and `s_1`
 * print alike). The remaining base is a Greek letter command when it is a Greek letter
 * name (`alpha` -> `\alpha`, `Gamma` -> `\Gamma`), a single letter as is, otherwise
 * `\mathrm{...}` with `_ $ % & # { }` escaped: `fc_weight_0_1` -> `\mathrm{fc\_weight}_{0,1}`.
 *
 * SymPy: valid Python identifiers that are not keywords print as they are (parse them with
 * `local_dict = {n: Symbol(n) for n in sympySymbols(...)}` so that `E`, `I`, `N`, `S`,
 * `beta`, `gamma`, `pi` stay symbols); anything else, and the names a definitions snippet
 * imports or defines (`exp`, `Max`, `Symbol`, `result`, ...: SYMPY_SNIPPET_NAMES), prints
 * as `Symbol("name")`.
 *
 * JS and text: names print as they are (JS callers must pass valid identifiers).
 */

export function splitIndices(name: string): { base: string; indices: string[] } {
  const m = /^(.*?[^_])((?:_(?:0|[1-9][0-9]*))+)$/.exec(name);
  if (m === null) return { base: name, indices: [] };
  return { base: m[1]!, indices: m[2]!.slice(1).split('_') };
}

function camelCase(base: string): string {
  const parts = base.split(/[^A-Za-z0-9]+/).filter((p) => p.length > 0);
  const id = parts.map((p, i) => (i === 0 ? p : p[0]!.toUpperCase() + p.slice(1))).join('');
  if (id === '') return 's';
  return /^[0-9]/.test(id) ? `s${id}` : id;
}

export function mathematicaName(name: string): string {
  const { base, indices } = splitIndices(name);
  let id = camelCase(base);
  if (/^[A-Z]/.test(id)) id += '$';
  return indices.length === 0 ? id : `Subscript[${id}, ${indices.join(', ')}]`;
}

const GREEK = new Set([
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa',
  'lambda', 'mu', 'nu', 'xi', 'pi', 'rho', 'sigma', 'tau', 'upsilon', 'phi', 'chi', 'psi',
  'omega', 'Gamma', 'Delta', 'Theta', 'Lambda', 'Xi', 'Pi', 'Sigma', 'Upsilon', 'Phi', 'Psi',
  'Omega',
]);

function latexBase(base: string): string {
  if (GREEK.has(base)) return `\\${base}`;
  if (/^[A-Za-z]$/.test(base)) return base;
  return `\\mathrm{${base.replace(/[_$%&#{}]/g, (c) => `\\${c}`)}}`;
}

export function latexName(name: string): string {
  const { base: b0, indices } = splitIndices(name);
  const m = /^([A-Za-z]+)(0|[1-9][0-9]*)$/.exec(b0);
  const base = m === null ? b0 : m[1]!;
  if (m !== null) indices.unshift(m[2]!);
  const b = latexBase(base);
  return indices.length === 0 ? b : `${b}_{${indices.join(',')}}`;
}

const PYTHON_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class',
  'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global',
  'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return',
  'try', 'while', 'with', 'yield',
]);

/** What a SymPy definitions snippet imports (print/layout.ts), plus its `result`. */
export const SYMPY_IMPORTS = [
  'Symbol', 'Rational', 'Integer', 'Float', 'Add', 'exp', 'log', 'tanh', 'erf', 'sin', 'cos', 'sqrt', 'Abs', 'Heaviside', 'Max', 'Min',
  'oo', 'nan', 'evaluate', 'symbols',
] as const;
export const SYMPY_SNIPPET_NAMES: ReadonlySet<string> = new Set<string>([...SYMPY_IMPORTS, 'result', 'replacements', 'reduced']);

export function sympyName(name: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !PYTHON_KEYWORDS.has(name) && !SYMPY_SNIPPET_NAMES.has(name);
  return plain ? name : `Symbol(${JSON.stringify(name)})`;
}
