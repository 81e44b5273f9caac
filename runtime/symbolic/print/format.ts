/** `format(e, lang)`: print an expression, or a list of them, in a target language. */

import { intern } from '../make.js';
import type { Expr } from '../nodes.js';
import { toExpr, type Operand } from '../operand.js';
import { freeSymbols } from '../traverse.js';
import { JS, MATHEMATICA, SYMPY, TEXT } from './languages.js';
import { LATEX } from './latex.js';
import { LAYOUTS } from './layout.js';
import type { PrintOptions } from './Printer.js';
import { printShared } from './shared.js';
import type { Syntax } from './syntax.js';

export type Language = 'text' | 'sympy' | 'mathematica' | 'latex' | 'js';

export const SYNTAXES: Readonly<Record<Language, Syntax>> = {
  text: TEXT,
  sympy: SYMPY,
  mathematica: MATHEMATICA,
  latex: LATEX,
  js: JS,
};

/** Default inline budget (printed characters) of shared subexpressions; see PrintOptions. */
export const DEFAULT_INLINE_MAX = 20;

function internKeys(names: ReadonlyMap<Expr, string> | undefined): ReadonlyMap<Expr, string> | undefined {
  if (names === undefined) return undefined;
  const out = new Map<Expr, string>();
  for (const [k, v] of names) out.set(intern(k), v);
  return out;
}

/**
 * Prints `e` in `lang`; an array prints as that language's list (`[a, b]`, `{a, b}`,
 * `\left[a, b\right]`). See print/names.ts for symbol spelling and print/numbers.ts for
 * numbers (exact float64 round trip); exact rationals print as `a/b` (text, js: a float
 * division, Mathematica), `Rational(a, b)` (SymPy), `\frac{a}{b}` (LaTeX).
 *
 * Shared subexpressions longer than `options.inlineMax` characters (default 20) are printed
 * once as definitions and referred to by name (print/shared.ts), in the layout of the
 * language (print/layout.ts): then SymPy output is a Python snippet (exec it, read
 * `result`), JS output a function body, Mathematica a `Module[...]`, LaTeX an `aligned`
 * block. Without such sharing the output is the bare expression or list.
 */
export function format(e: Operand | readonly Operand[], lang: Language, options: PrintOptions = {}): string {
  const syntax = SYNTAXES[lang];
  if (syntax === undefined) throw new RangeError(`format: unknown language "${String(lang)}"`);
  const layout = LAYOUTS[lang];
  const prefix = options.prefix ?? 't';
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(prefix)) {
    throw new RangeError(`format: prefix must be letters and digits, starting with a letter (got "${prefix}")`);
  }
  const list = Array.isArray(e);
  const roots = list ? (e as readonly Operand[]).map(toExpr) : [toExpr(e as Operand)];
  const printed = printShared(roots, {
    syntax,
    spellSymbol: layout.spellSymbol,
    spellName: layout.spellName,
    reserved: layout.reserved,
    names: internKeys(options.names),
    inlineMax: options.inlineMax ?? DEFAULT_INLINE_MAX,
    prefix,
  });
  if (printed.definitions.length === 0) return list ? syntax.list(printed.outputs) : printed.outputs[0]!.s;
  return layout.assemble(printed, list, syntax, freeSymbols(roots));
}
