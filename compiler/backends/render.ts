/**
 * Renders op formulas to JavaScript. A backend supplies a Flavor (how numbers, primitives, loads
 * and reductions are spelled); this file owns the shared structure: output loops, reductions
 * as accumulator loops, and hoisting — each reduction is computed once, in the outermost
 * loop it depends on (softmax's max and sum are computed once per row, not once per element).
 */
import type { F, Ix } from '../ir/formula.js';
import { formulaKey, symbolicView } from '../ir/traverse.js';
import { flatIndex, freeVars, outVar } from '../ir/formula.js';
import type { PrimName } from '../ir/prims.js';

export interface Flavor {
  num(v: number): string;
  prim(op: PrimName, args: string[]): string;
  input(slot: number, offset: string): string;
  param(name: string, offset: string): string;
  /** An element of an int input used as an index (data-dependent indexing). */
  index?(slot: number, offset: string): string;
  /**
   * Floor division and floor modulo of an integer index by a positive constant, for flavours
   * whose integers are floats (gpu.js kernels); default `Math.floor(a / c)` and `((a % c) + c) % c`.
   */
  ixDiv?(a: string, c: number): string;
  ixMod?(a: string, c: number): string;
  /** Statements declaring an accumulator, one step, and the finished value. */
  reduceDecl(op: 'sum' | 'max', acc: string, n: number): string;
  reduceStep(op: 'sum' | 'max', acc: string, value: string): string;
  reduceResult(op: 'sum' | 'max', acc: string): string;
  /** Symbolic flavours render the symbolic view: textbook `alt` forms, stabilising shifts dropped. */
  readonly symbolic: boolean;
}

export interface RenderCtx {
  readonly flavor: Flavor;
  readonly inShapes: readonly (readonly number[])[];
  readonly paramShapes: Readonly<Record<string, readonly number[]>>;
}

/** Code of an index expression; `load` renders data-dependent reads (int inputs), `ops` div and mod. */
export function renderIx(
  x: Ix,
  load?: (slot: number, at: readonly Ix[]) => string,
  ops?: Pick<Flavor, 'ixDiv' | 'ixMod'>,
): string {
  const go = (y: Ix): string => renderIx(y, load, ops);
  const wrap = (y: Ix): string => (y.k === 'add' ? `(${go(y)})` : go(y));
  switch (x.k) {
    case 'var':
      return x.name;
    case 'lit':
      return String(x.v);
    case 'add':
      return x.b.k === 'lit' && x.b.v < 0 ? `${go(x.a)} - ${-x.b.v}` : `${go(x.a)} + ${go(x.b)}`;
    case 'scale':
      return `${wrap(x.a)} * ${x.c}`;
    case 'div':
      return ops?.ixDiv ? ops.ixDiv(go(x.a), x.c) : `Math.floor(${wrap(x.a)} / ${x.c})`;
    case 'mod':
      // floor modulo, like evalIx: (a % c + c) % c for negative a
      return ops?.ixMod ? ops.ixMod(go(x.a), x.c) : `((${wrap(x.a)} % ${x.c}) + ${x.c}) % ${x.c}`;
    case 'load':
      if (!load) throw new Error('internal: data-dependent index outside a formula');
      return load(x.slot, x.at);
  }
}

interface Scope {
  readonly vars: ReadonlySet<string>;
  readonly stmts: string[];
  readonly cache: Map<string, string>;
}

class Renderer {
  private stack: Scope[];
  private next = 0;
  constructor(
    private readonly ctx: RenderCtx,
    root: Scope,
  ) {
    this.stack = [root];
  }

  push(s: Scope): void {
    this.stack.push(s);
  }

  /** Index code; int-input reads go through the flavour's `index` (or `input`). */
  private ix(x: Ix): string {
    const fl = this.ctx.flavor;
    return renderIx(x, (slot, at) => (fl.index ?? fl.input)(slot, this.ix(flatIndex(at, this.ctx.inShapes[slot]!))), fl);
  }

  expr(f: F): string {
    const fl = this.ctx.flavor;
    switch (f.k) {
      case 'num':
        return fl.num(f.v);
      case 'input':
        return fl.input(f.slot, this.ix(flatIndex(f.at, this.ctx.inShapes[f.slot]!)));
      case 'param':
        return fl.param(f.name, this.ix(flatIndex(f.at, this.ctx.paramShapes[f.name]!)));
      case 'prim':
        return fl.prim(f.op, f.args.map((a) => this.expr(a)));
      // symbolic flavours render the symbolic view (viewFor), which has neither shifts nor alts
      case 'shift':
        return this.expr(f.body);
      case 'alt':
        return this.expr(f.numeric);
      case 'guard': {
        const cond = f.bounds.map((b) => `${this.ix(b.ix)} >= 0 && ${this.ix(b.ix)} < ${b.lt}`).join(' && ');
        return `(${cond} ? ${this.expr(f.body)} : ${this.expr(f.otherwise)})`;
      }
      case 'reduce':
        return this.reduction(f);
    }
  }

  /** Emits a reduction loop in the outermost scope it can live in, once per distinct reduction. */
  private reduction(f: Extract<F, { k: 'reduce' }>): string {
    const fl = this.ctx.flavor;
    const deps = freeVars(f);
    let at = 0;
    this.stack.forEach((s, i) => {
      for (const v of s.vars) if (deps.has(v)) at = i;
    });
    const home = this.stack[at]!;
    const key = formulaKey(f);
    const hit = home.cache.get(key);
    if (hit) return hit;
    const acc = `acc${this.next++}`;
    const loop: Scope = { vars: new Set([f.v]), stmts: [], cache: new Map() };
    const saved = this.stack;
    this.stack = [...saved.slice(0, at + 1), loop];
    const value = this.expr(f.body);
    this.stack = saved;
    home.stmts.push(
      fl.reduceDecl(f.op, acc, f.n),
      `for (let ${f.v} = 0; ${f.v} < ${f.n}; ${f.v}++) {`,
      ...loop.stmts,
      fl.reduceStep(f.op, acc, value),
      '}',
    );
    let result = fl.reduceResult(f.op, acc);
    if (result !== acc) {
      home.stmts.push(`const ${acc}v = ${result};`);
      result = `${acc}v`;
    }
    home.cache.set(key, result);
    return result;
  }
}

const scope = (vars: string[] = []): Scope => ({ vars: new Set(vars), stmts: [], cache: new Map() });

/** The formula a flavour renders: symbolic flavours take the symbolic view, the others the formula as it is. */
const viewFor = (f: F, ctx: RenderCtx): F => (ctx.flavor.symbolic ? symbolicView(f) : f);

/**
 * Statements computing every element of a node's output: nested loops over the output axes,
 * with `write(flatIndex, value)` producing the store statement.
 */
export function renderLoops(
  f: F,
  outShape: readonly number[],
  ctx: RenderCtx,
  write: (flat: string, value: string) => string,
): string[] {
  const scopes = [scope(), ...outShape.map((_, d) => scope([outVar(d)]))];
  const r = new Renderer(ctx, scopes[0]!);
  scopes.slice(1).forEach((s) => r.push(s));
  const value = r.expr(viewFor(f, ctx));
  const flat = renderIx(flatIndex(outShape.map((_, d) => ({ k: 'var', name: outVar(d) }) as Ix), outShape));
  let body = [...scopes[outShape.length]!.stmts, write(flat, value)];
  for (let d = outShape.length - 1; d >= 0; d--) {
    const v = outVar(d);
    body = [...scopes[d]!.stmts, `for (let ${v} = 0; ${v} < ${outShape[d]}; ${v}++) {`, ...body, '}'];
  }
  return body;
}

/**
 * Statements and value of ONE output element whose index variables are already bound
 * (a gpu.js kernel body: the caller derives i0, i1, ... from the thread index).
 */
export function renderElement(f: F, ctx: RenderCtx): { stmts: string[]; value: string } {
  const root = scope();
  const value = new Renderer(ctx, root).expr(viewFor(f, ctx));
  return { stmts: root.stmts, value };
}
