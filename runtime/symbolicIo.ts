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

/** Options of a symbolic module's `predict`. */
export interface SymbolicOptions {
  /** Turn parameters into symbols: `true` for every layer, or a list of layer names. */
  readonly symbolicParams?: boolean | readonly string[];
}

/**
 * The symbol name of one parameter element: the `layer.param` label with every character that is
 * not a letter, digit or `_` replaced by `_`, then the element's index along each axis:
 * `fc.weight` [0, 1] -> `fc_weight_0_1`, `rnn.bias_ih_l0` [5] -> `rnn_bias_ih_l0_5`.
 */
export function paramSymbolName(label: string, index: readonly number[]): string {
  return [label.replace(/[^A-Za-z0-9_]/g, '_'), ...index].join('_');
}

/** Every element of a parameter as a symbol, row-major. */
export function paramSymbols(label: string, shape: readonly number[]): Expr[] {
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, flat) => {
    const index: number[] = [];
    let rest = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      index.unshift(rest % shape[d]!);
      rest = Math.floor(rest / shape[d]!);
    }
    return sym(paramSymbolName(label, index));
  });
}

/** Whether `symbolicParams` selects the layer of a `layer.param` label. */
export function selectsParam(opt: SymbolicOptions['symbolicParams'], label: string): boolean {
  if (!opt) return false;
  if (opt === true) return true;
  return opt.includes(label.slice(0, label.lastIndexOf('.')));
}

/** A parameter's values for one call: its numbers, or symbols when the options select it. */
export function symbolicParam(data: ArrayLike<number>, label: string, shape: readonly number[], opts?: SymbolicOptions): ArrayLike<Value> {
  return selectsParam(opts?.symbolicParams, label) ? paramSymbols(label, shape) : data;
}
