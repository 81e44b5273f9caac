/** Inputs and outputs of generated symbolic modules. */
import { isExpr, num, sym, type Expr } from './symbolic/index.js';
import { flattenInput } from './tensor.js';

/** A value inside a symbolic computation: an expression or a plain number. */
export type Value = Expr | number;

/** One element of a symbolic input: a symbol name, a number or an expression. */
export type SymbolicElement = string | number | Expr;
/** A symbolic input: flat row-major elements or nested arrays of the input's shape. */
export type SymbolicInput = readonly SymbolicElement[] | readonly SymbolicInput[];

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

const isElement = (v: unknown): v is SymbolicElement =>
  (typeof v === 'number' && !Number.isNaN(v)) || (typeof v === 'string' && SYMBOL.test(v)) || isExpr(v);

/** Reads one input of a symbolic module: strings become symbols. */
export function readSymbolicInput(
  inputs: Record<string, unknown>,
  name: string,
  shape: readonly number[],
  module: string,
): Value[] {
  return flattenInput(inputs[name], name, shape, undefined, module, isElement).map((v) => (typeof v === 'string' ? sym(v) : v));
}

export function toExpr(v: Value): Expr {
  return typeof v === 'number' ? num(v) : v;
}
