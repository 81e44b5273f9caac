/**
 * Straight-line code for small layers: formulas evaluated at compile time over a *code algebra*
 * (the reference interpreter with code values), so every loop is unrolled, every index is a
 * literal and every parameter a number in the code: `y[yo] = -0.35 * x0 + 0.135 * x1 + 0.526;`.
 * Values are hash-consed (an identical expression is one value, so softmax's max and sum are
 * computed once); a value used once is inlined, one used more than once gets a `const`.
 * Evaluation order and float32 rounding are those of the loop code: sums run left to right from
 * the first term, and in float32 every operation's result goes through Math.fround.
 *
 * Transcendentals in bulk: V8 inlines only a handful of calls into one function, and a call
 * that is not inlined boxes its double argument and result, so 40 `R.sigmoidNum(...)` in one
 * LSTM step cost more than the arithmetic around them. When a body has many of them, their
 * arguments are stored in a typed array, level by level (a call whose argument needs another
 * call's result waits for the next level), and one `R.sigmoidAll(array, from, to)` per function
 * and level replaces them: one loop in which the function is inlined once. Values are those of
 * the scalar calls (a Float32Array rounds like Math.fround).
 */
import type { Algebra } from '../../ir/interpret.js';
import { PRIMS, type PrimName } from '../../ir/prims.js';
import { numLit } from '../module.js';
import type { Precision } from './flavor.js';

export type CNode =
  | { readonly k: 'num'; readonly v: number }
  /** A load (`in0[o0 + 3]!`, named when shared) or a variable (`h_3`, never renamed). */
  | { readonly k: 'leaf'; readonly text: string; readonly name?: string; readonly variable: boolean }
  | { readonly k: 'prim'; readonly op: PrimName; readonly args: readonly number[] }
  | { readonly k: 'sum' | 'max'; readonly args: readonly number[] };

/** Primitives evaluated in bulk, and the runtime function applying each to a range of an array. */
const BULK: Partial<Record<PrimName, string>> = { sigmoid: 'R.sigmoidAll', tanh: 'R.tanhAll', exp: 'R.expAll' };
/** Bulk evaluation pays off from this many calls in one body. */
const BULK_MIN = 8;

/** Where `print` may put bulk arguments: a module-level typed array `name`, sized by `print`. */
export interface BulkArray {
  readonly name: string;
  /** Set by `print`: the number of elements used (0: no bulk evaluation). */
  size: number;
}

/** The declaration of a bulk array that `print` used, if it did. */
export function bulkArray(precision: Precision, bulk: BulkArray): string[] {
  return bulk.size ? [`const ${bulk.name} = new ${precision === 'float32' ? 'Float32Array' : 'Float64Array'}(${bulk.size});`] : [];
}

export class CodeDag {
  private readonly nodes: CNode[] = [];
  private readonly index = new Map<string, number>();
  constructor(private readonly precision: Precision) {}

  private intern(key: string, node: CNode): number {
    const hit = this.index.get(key);
    if (hit !== undefined) return hit;
    this.nodes.push(node);
    this.index.set(key, this.nodes.length - 1);
    return this.nodes.length - 1;
  }

  /** The nodes, in creation order (every node after its arguments). */
  get view(): readonly CNode[] {
    return this.nodes;
  }

  num(v: number): number {
    const w = this.precision === 'float32' ? Math.fround(v) : v;
    return this.intern(`n${numLit(w)}`, { k: 'num', v: w });
  }
  /** A load expression; `name` is the const it is bound to when used more than once. */
  load(text: string, name: string): number {
    return this.intern(`l${text}`, { k: 'leaf', text, name, variable: false });
  }
  variable(name: string): number {
    return this.intern(`v${name}`, { k: 'leaf', text: name, variable: true });
  }
  prim(op: PrimName, args: readonly number[]): number {
    return this.intern(`${op}(${args.join(',')})`, { k: 'prim', op, args });
  }
  reduce(op: 'sum' | 'max', args: readonly number[]): number {
    if (args.length === 1) return args[0]!;
    if (args.length === 0) return this.num(op === 'sum' ? 0 : -Infinity);
    return this.intern(`${op}(${args.join(',')})`, { k: op, args });
  }

  /** The interpreter's view: numbers, primitives and reductions build values of this DAG. */
  algebra(): Algebra<number> {
    return {
      num: (v) => this.num(v),
      prim: (op, args) => this.prim(op, args),
      sum: (xs) => this.reduce('sum', xs),
      max: (xs) => this.reduce('max', xs),
      symbolic: false,
    };
  }

  /**
   * Statements computing `sinks` (`target = value;` each, in order). Shared values become
   * `const t<k>`; values in `materialize` are bound to consts before any sink is assigned
   * (state updates read the old states first). `temp` names the consts.
   */
  print(
    sinks: readonly { readonly target: string; readonly value: number }[],
    temp: () => string,
    materialize: readonly number[] = [],
    bulk?: BulkArray,
  ): string[] {
    const uses = new Array<number>(this.nodes.length).fill(0);
    const live = new Array<boolean>(this.nodes.length).fill(false);
    const mark = (id: number): void => {
      uses[id]!++;
      if (live[id]) return;
      live[id] = true;
      const n = this.nodes[id]!;
      if (n.k !== 'num' && n.k !== 'leaf') n.args.forEach(mark);
    };
    sinks.forEach((s) => mark(s.value));
    materialize.forEach((m) => mark(m));
    const forced = new Set(materialize);
    const names = new Map<number, string>();
    const out: string[] = [];
    const fr = this.precision === 'float32' ? (s: string) => `Math.fround(${s})` : (s: string) => s;
    const expr = (id: number): string => {
      const named = names.get(id);
      if (named) return named;
      const n = this.nodes[id]!;
      switch (n.k) {
        case 'num': {
          const s = numLit(n.v);
          return s.startsWith('-') ? `(${s})` : s;
        }
        case 'leaf':
          return n.text;
        case 'prim': {
          const t = n.op === 'add' ? term(n.args[1]!) : undefined;
          if (t?.op === '-') return fr(`(${expr(n.args[0]!)} - ${t.text})`);
          return fr((PRIMS[n.op].js as (...a: string[]) => string)(...n.args.map(expr)));
        }
        case 'max':
          return `Math.max(${n.args.map(expr).join(', ')})`;
        case 'sum': {
          let acc = expr(n.args[0]!);
          for (const a of n.args.slice(1)) {
            const t = term(a);
            acc = this.precision === 'float64' ? `${acc} ${t.op} ${t.text}` : fr(`${acc} ${t.op} ${t.text}`);
          }
          return this.precision === 'float64' ? `(${acc})` : acc;
        }
      }
    };
    /** A summand as `- c` or `- c * x` when it is a negative literal (times something): `a + (-c) x` is `a - c x` exactly. */
    const term = (id: number): { op: '+' | '-'; text: string } => {
      const n = this.nodes[id]!;
      const negNum = (k: number): number | undefined => {
        const m = this.nodes[k]!;
        return !names.has(k) && m.k === 'num' && (m.v < 0 || Object.is(m.v, -0)) ? -m.v : undefined;
      };
      if (!names.has(id)) {
        const c = negNum(id);
        if (c !== undefined) return { op: '-', text: numLit(c) };
        if (n.k === 'prim' && n.op === 'mul') {
          const d = negNum(n.args[0]!);
          if (d !== undefined) return { op: '-', text: fr(`${numLit(d)} * ${expr(n.args[1]!)}`) };
        }
      }
      return { op: '+', text: expr(id) };
    };
    const isBulk = (id: number): boolean => {
      const n = this.nodes[id]!;
      return n.k === 'prim' && BULK[n.op] !== undefined;
    };
    const bulkIds = bulk ? this.nodes.map((_, id) => id).filter((id) => live[id] && isBulk(id)) : [];
    const useBulk = bulkIds.length >= BULK_MIN;
    // level: how many rounds of bulk calls a node waits for (nodes come after their arguments).
    const level = new Array<number>(this.nodes.length).fill(0);
    if (useBulk) {
      this.nodes.forEach((n, id) => {
        if (n.k === 'num' || n.k === 'leaf') return;
        level[id] = Math.max(0, ...n.args.map((a) => level[a]!)) + (isBulk(id) ? 1 : 0);
      });
    }
    const top = useBulk ? Math.max(...bulkIds.map((id) => level[id]!)) : 0;
    let slots = 0;
    for (let l = 0; l <= top; l++) {
      for (let id = 0; id < this.nodes.length; id++) {
        if (!live[id] || level[id] !== l || (useBulk && isBulk(id))) continue;
        const n = this.nodes[id]!;
        if (n.k === 'num') continue;
        if (!forced.has(id) && (uses[id]! < 2 || (n.k === 'leaf' && n.variable))) continue;
        const name = n.k === 'leaf' && n.name ? n.name : temp();
        out.push(`const ${name} = ${expr(id)};`);
        names.set(id, name);
      }
      if (!useBulk || l === top) continue;
      // the calls of the next level: arguments stored grouped by function, then one call per group
      for (const [op, fn] of Object.entries(BULK) as [PrimName, string][]) {
        const from = slots;
        for (const id of bulkIds) {
          const n = this.nodes[id] as Extract<CNode, { k: 'prim' }>;
          if (level[id] !== l + 1 || n.op !== op) continue;
          out.push(`${bulk!.name}[${slots}] = ${expr(n.args[0]!)};`);
          names.set(id, `${bulk!.name}[${slots++}]!`);
        }
        if (slots > from) out.push(`${fn}(${bulk!.name}, ${from}, ${slots});`);
      }
    }
    if (bulk) bulk.size = slots;
    for (const s of sinks) out.push(`${s.target} = ${expr(s.value)};`);
    return out;
  }
}
