/**
 * Number spelling per language. Every finite float64 is printed from JavaScript's
 * shortest round-trip representation (`String(v)`), only re-spelt, so parsing the text
 * back (after undoing the spelling) gives the same float64 exactly.
 */

/** Mantissa and decimal exponent of `String(v)` for a finite v >= 0 ("1.5e-7" -> 1.5, -7). */
export function splitRepr(v: number): { mantissa: string; exponent: number | null } {
  const r = String(v);
  const i = r.indexOf('e');
  if (i < 0) return { mantissa: r, exponent: null };
  return { mantissa: r.slice(0, i), exponent: Number(r.slice(i + 1)) };
}

export function jsNumber(v: number): string {
  return String(v);
}

export function sympyNumber(v: number): string {
  if (v !== v) return 'nan';
  return v === Infinity ? 'oo' : String(v);
}

/** `1.5*^-7` (never `1.5e-7`, which Mathematica reads as 1.5*E - 7). */
export function mathematicaNumber(v: number): string {
  if (v !== v) return 'Indeterminate';
  if (v === Infinity) return 'Infinity';
  const { mantissa, exponent } = splitRepr(v);
  return exponent === null ? mantissa : `${mantissa}*^${exponent}`;
}

/** `1.5 \cdot 10^{-7}`. */
export function latexNumber(v: number): string {
  if (v !== v) return '\\mathrm{NaN}';
  if (v === Infinity) return '\\infty';
  const { mantissa, exponent } = splitRepr(v);
  return exponent === null ? mantissa : `${mantissa} \\cdot 10^{${exponent}}`;
}
