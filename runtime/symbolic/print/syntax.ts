/** What a target language must provide to the generic printer (`printer.ts`). */

import type { FnName } from '../fnTable.js';

/** Binding strength of a printed fragment's outermost operator. */
export const Prec = { Add: 1, Mul: 2, Neg: 3, Pow: 4, Atom: 5 } as const;
export type Prec = (typeof Prec)[keyof typeof Prec];

export interface Printed {
  readonly s: string;
  readonly prec: Prec;
  /** The leftmost operand at top level is a power (JS forbids `-x ** 2`). */
  readonly leadPow?: boolean;
}

export interface SumPart {
  readonly minus: boolean;
  readonly term: Printed;
}

/**
 * One target language. The printer hands it canonical pieces (non-negative numbers,
 * factors with positive exponents, signs pulled out); the syntax decides spelling and
 * parenthesisation.
 */
export interface Syntax {
  /** A non-negative number, Infinity or NaN. */
  number(v: number): Printed;
  /** A non-negative exact number: the integer `p` (q null) or the fraction p/q (q > 1). */
  rational(p: string, q: string | null): Printed;
  symbol(name: string): Printed;
  call(name: FnName, args: readonly Printed[]): Printed;
  power(base: Printed, exponent: Printed): Printed;
  /** Product of >= 1 factors. */
  product(factors: readonly Printed[]): Printed;
  /** numerator / product(denominator); a null numerator means 1. */
  quotient(numerator: Printed | null, denominator: readonly Printed[]): Printed;
  negate(p: Printed): Printed;
  sum(first: Printed, rest: readonly SumPart[]): Printed;
  list(items: readonly Printed[]): string;
}

export function atom(s: string): Printed {
  return { s, prec: Prec.Atom };
}
