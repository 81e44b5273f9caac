/** `layergen eval`: runs the reference interpreter on numbers or symbols, without writing files. */
import * as S from '@layergen/runtime';
import { symbolic } from './backends/symbolic/algebra.js';
import { LayergenError } from './errors.js';
import { paramLabel, size, typeOf, type Graph, type Node, type Tensor } from './ir/graph.js';
import { paramSymbols, selectsParam } from '@layergen/runtime';
import { float64, interpret, type Algebra } from './interpret.js';
import { checkSymbolicSize } from './limits.js';

export type Format = 'text' | 'sympy' | 'mathematica' | 'latex' | 'js';

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses `name=v1,v2,...` assignments. Values are numbers, or (symbolic) symbol names;
 * `name=s*` expands to s1, s2, ... for every element of the input.
 */
export function parseInputArgs(g: Graph, args: readonly string[], allowSymbols: boolean): Record<string, (number | string)[]> {
  const byName = new Map(g.inputs.map((id) => [g.nodes.find((n) => n.id === id)!.name, id]));
  const out: Record<string, (number | string)[]> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new LayergenError(`--input "${a}": expected NAME=v1,v2,...`);
    const name = a.slice(0, eq);
    const id = byName.get(name);
    if (id === undefined) throw new LayergenError(`--input "${name}": the net has no such input (inputs: ${[...byName.keys()].join(', ')})`);
    if (name in out) throw new LayergenError(`--input "${name}" is given twice`);
    const { shape, dtype } = typeOf(g.nodes.find((n) => n.id === id)!);
    const n = size(shape);
    const raw = a.slice(eq + 1).split(',').map((t) => t.trim());
    let vals: (number | string)[];
    if (allowSymbols && raw.length === 1 && /^[A-Za-z_][A-Za-z0-9_]*\*$/.test(raw[0]!)) {
      const base = raw[0]!.slice(0, -1);
      vals = Array.from({ length: n }, (_, i) => `${base}${i + 1}`);
    } else {
      vals = raw.map((t) => {
        const v = Number(t);
        if (t !== '' && Number.isFinite(v)) return v;
        if (allowSymbols && SYMBOL.test(t)) return t;
        throw new LayergenError(
          `--input "${name}": "${t}" is not a number${allowSymbols ? ' or a symbol name' : ' (use --symbolic for symbols)'}`,
        );
      });
    }
    if (dtype === 'int' && vals.some((v) => typeof v !== 'number' || !Number.isInteger(v))) {
      throw new LayergenError(`--input "${name}": an int input takes integers only`);
    }
    if (vals.length !== n) {
      throw new LayergenError(`--input "${name}": expected ${n} values (shape [${shape.join(', ')}]), got ${vals.length}`);
    }
    out[name] = vals;
  }
  const missing = [...byName.keys()].filter((k) => !(k in out));
  if (missing.length) throw new LayergenError(`missing --input for ${missing.map((m) => `"${m}"`).join(', ')}`);
  return out;
}

export function evalNumeric(g: Graph, inputs: Record<string, (number | string)[]>): Record<string, number[]> {
  return interpret(g, inputs as Record<string, number[]>, float64);
}

export interface SymbolicEvalOptions {
  /** Parameters as symbols (`fc_weight_0_1`): every layer, or the listed ones. */
  readonly symbolicParams?: boolean | readonly string[];
  /** Every number (weights, constants, numeric inputs) as the exact rational value of its float. */
  readonly exact?: boolean;
}

/** An integer-valued number (or Num) other than 0, as a number; else undefined. */
function integerOf(v: S.Expr | number): number | undefined {
  const k = typeof v === 'number' ? v : v.kind === 'num' && typeof v.value === 'number' ? v.value : undefined;
  return k !== undefined && k !== 0 && Number.isSafeInteger(k) ? k : undefined;
}

/**
 * The symbolic algebra with every finite number made an exact rational (`--exact`). Small
 * integers are plain numbers in the expression library (and `x / 3` of numbers is a float
 * there), so a division by an integer — avgpool's window size, layernorm's mean — is made a
 * multiplication by the exact rational 1/k here: `a/3`, not `0.3333333333333333*a`.
 */
const exactAlgebra: Algebra<S.Expr | number> = {
  ...symbolic,
  num: (v) => (Number.isFinite(v) ? S.exact(v) : v),
  prim: (op, args) => {
    const k = op === 'div' ? integerOf(args[1]!) : undefined;
    return k !== undefined ? S.mul(args[0]!, S.rational(1, k)) : symbolic.prim(op, args);
  },
};

export function evalSymbolic(g: Graph, inputs: Record<string, (number | string)[]>, opts: SymbolicEvalOptions = {}): Record<string, S.Expr[]> {
  checkSymbolicSize(g);
  const alg = opts.exact ? exactAlgebra : symbolic;
  const vals = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.map((x) => (typeof x === 'string' ? S.sym(x) : alg.num(x)))]));
  const sp = opts.symbolicParams;
  if (Array.isArray(sp)) {
    const layerOf = (label: string): string => label.slice(0, label.lastIndexOf('.'));
    const layers = new Set(g.nodes.flatMap((n) => Object.keys(n.params).map((p) => layerOf(paramLabel(n, p)))));
    const bad = sp.filter((l) => !layers.has(l));
    if (bad.length) throw new LayergenError(`--symbolic-params: no layer with parameters named ${bad.map((b) => `"${b}"`).join(', ')} (layers with parameters: ${[...layers].join(', ')})`);
  }
  const hook = (n: Node, p: string, t: Tensor) => {
    const label = paramLabel(n, p);
    return selectsParam(sp, label) ? { shape: t.shape, data: paramSymbols(label, t.shape) } : undefined;
  };
  const out = interpret(g, vals, alg, hook);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.map((x) => (typeof x === 'number' ? S.num(x) : x))]));
}

export interface PrintOptions {
  /** Shared subexpressions up to this printed size are inlined; larger ones become definitions. */
  readonly inlineMax?: number;
}

/** Prints outputs: one output as a bare list, several as `name = list` lines (in the format's syntax). */
export function printOutputs(outs: Record<string, readonly (S.Expr | number)[]>, format: Format, opts: PrintOptions = {}): string {
  const names = Object.keys(outs);
  const fo = opts.inlineMax === undefined ? {} : { inlineMax: opts.inlineMax };
  // One output, or everything printed together so shared subexpressions are defined once.
  if (names.length === 1) return S.format(outs[names[0]!]!, format, fo);
  const all = names.flatMap((n) => outs[n]!);
  if (S.format(all, format, fo).includes('\n')) {
    const layout = names.map((n) => `${n}: ${outs[n]!.length}`).join(', ');
    return `${comment(format, `outputs concatenated in order (${layout})`)}\n${S.format(all, format, fo)}`;
  }
  return names
    .map((n) => {
      const v = S.format(outs[n]!, format);
      switch (format) {
        case 'mathematica':
          return `${n.replace(/[^A-Za-z0-9]/g, '')} = ${v};`;
        case 'latex':
          return `\\mathrm{${n.replace(/_/g, '\\_')}} = ${v}`;
        case 'js':
          return `const ${n.replace(/[^A-Za-z0-9_$]/g, '_')} = ${v};`;
        default:
          return `${n} = ${v}`;
      }
    })
    .join('\n');
}

/** A one-line comment in the format's syntax. */
export function comment(format: Format, text: string): string {
  switch (format) {
    case 'mathematica':
      return `(* ${text} *)`;
    case 'latex':
      return `% ${text}`;
    case 'js':
      return `// ${text}`;
    default:
      return `# ${text}`;
  }
}

/** The Jacobian of every output with respect to every input symbol, row-major per output. */
export function jacobianOutputs(outs: Record<string, readonly S.Expr[]>, inputs: readonly string[]): Record<string, S.Expr[]> {
  const names = Object.keys(outs);
  const J = S.jacobian(names.flatMap((n) => outs[n]!), inputs);
  const result: Record<string, S.Expr[]> = {};
  let row = 0;
  for (const n of names) {
    result[`d${n}/d(${inputs.join(',')})`] = J.slice(row, row + outs[n]!.length).flat();
    row += outs[n]!.length;
  }
  return result;
}

/** JSON output: numbers stay numbers; expressions become strings in the chosen format. */
export function jsonOutputs(outs: Record<string, readonly (S.Expr | number)[]>, format: Format): string {
  const conv = (v: S.Expr | number): number | string => (typeof v === 'number' ? v : S.format(v, format));
  return JSON.stringify(Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, v.map(conv)])));
}
