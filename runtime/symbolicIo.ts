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

const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Reads one input of a symbolic module: strings become symbols; int inputs take integers only. */
export function readSymbolicInput(
  inputs: Record<string, unknown>,
  name: string,
  shape: readonly number[],
  module: string,
  dtype: 'float' | 'int' = 'float',
): Value[] {
  if (dtype === 'int') return flattenInput(inputs[name], name, shape, undefined, module, isInteger);
  return flattenInput(inputs[name], name, shape, undefined, module, isElement).map((v) => (typeof v === 'string' ? sym(v) : v));
}

/** A value used as an index (embedding lookups): must be an integer number. */
export function intIndex(v: Value): number {
  if (isInteger(v)) return v;
  throw new TypeError(`an index must be an integer, got ${typeof v === 'number' ? v : 'an expression'}`);
}

export function toExpr(v: Value): Expr {
  return typeof v === 'number' ? num(v) : v;
}
