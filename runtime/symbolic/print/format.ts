/** `format(e, lang)`: print an expression, or a list of them, in a target language. */

import { toExpr, type Operand } from '../operand.js';
import { JS, MATHEMATICA, SYMPY, TEXT } from './languages.js';
import { LATEX } from './latex.js';
import { Printer, type PrintOptions } from './Printer.js';
import type { Syntax } from './syntax.js';

export type Language = 'text' | 'sympy' | 'mathematica' | 'latex' | 'js';

export const SYNTAXES: Readonly<Record<Language, Syntax>> = {
  text: TEXT,
  sympy: SYMPY,
  mathematica: MATHEMATICA,
  latex: LATEX,
  js: JS,
};

/**
 * Prints `e` in `lang`; an array prints as that language's list (`[a, b]`, `{a, b}`,
 * `\left[a, b\right]`). See print/names.ts for symbol spelling and print/numbers.ts for
 * numbers (exact float64 round trip).
 */
export function format(e: Operand | readonly Operand[], lang: Language, options: PrintOptions = {}): string {
  const syntax = SYNTAXES[lang];
  if (syntax === undefined) throw new RangeError(`format: unknown language "${String(lang)}"`);
  const printer = new Printer(syntax, options);
  if (!Array.isArray(e)) return printer.root(toExpr(e as Operand)).s;
  return syntax.list((e as readonly Operand[]).map((x) => printer.root(toExpr(x))));
}
