/**
 * Printing a DAG with named shared subexpressions.
 *
 * One bottom-up pass in topological order: each node is printed from its children's texts;
 * when a node is used more than once (by other nodes or as an output) and its text is longer
 * than the inline budget, the text becomes a definition and the node is printed as a fresh
 * name from then on. Every node is printed once and a named node's text is never copied,
 * so the output is linear in the DAG size (tree printing can be exponential); shared nodes
 * within the budget are repeated, at most `inlineMax` characters per use.
 *
 * Definitions come out in dependency order (a definition only uses earlier ones). Names are
 * `<prefix><k>` (t1, t2, ...), skipping any whose spelling in the target language is taken
 * by a symbol of the expressions, a caller-given name, or a reserved word of the layout.
 */

import { intern } from '../make.js';
import { childrenOf, type Expr } from '../nodes.js';
import { topoOrder } from '../traverse.js';
import { Printer } from './Printer.js';
import { SubSums } from './subsums.js';
import { atom, type Printed, type Syntax } from './syntax.js';

export interface Definition {
  readonly name: string;
  readonly text: string;
}

export interface SharedPrint {
  readonly definitions: readonly Definition[];
  /** The outputs, each its text or the name of its definition. */
  readonly outputs: readonly Printed[];
}

export interface SharedOptions {
  readonly syntax: Syntax;
  /** Spelling of a symbol name in the target language (for collision checks). */
  readonly spellSymbol: (name: string) => string;
  /** Spelling of a definition name (`t12`, or `t_{12}` in LaTeX). */
  readonly spellName: (name: string) => string;
  /** Words the layout uses (`result`, imported functions, ...): never given to definitions. */
  readonly reserved: ReadonlySet<string>;
  readonly names?: ReadonlyMap<Expr, string>;
  readonly inlineMax: number;
  readonly prefix: string;
}

/** How many times each node is used: as a child (per occurrence) or as an output. */
function countUses(order: readonly Expr[], roots: readonly Expr[]): Map<Expr, number> {
  const uses = new Map<Expr, number>();
  const bump = (n: Expr): void => void uses.set(n, (uses.get(n) ?? 0) + 1);
  roots.forEach(bump);
  for (const n of order) childrenOf(n).forEach(bump);
  return uses;
}

/** Allocates definition names that collide with nothing the output already uses. */
export class NameAllocator {
  private next = 1;

  constructor(
    private readonly prefix: string,
    private readonly taken: ReadonlySet<string>,
    private readonly spell: (name: string) => string,
  ) {}

  claim(): string {
    for (;;) {
      const name = `${this.prefix}${this.next++}`;
      if (!this.taken.has(this.spell(name)) && !this.taken.has(name)) return name;
    }
  }
}

/** Prints `roots` (interned) with shared subexpressions above the budget as definitions. */
export function printShared(roots0: readonly Expr[], o: SharedOptions): SharedPrint {
  const roots = roots0.map(intern);
  const rootSet = new Set(roots);
  const external = o.names;
  const order = topoOrder(roots, (n) => external?.has(n) === true && !rootSet.has(n));
  const uses = countUses(order, roots);
  const subsums = new SubSums();
  for (const n of order) {
    const m = n.kind === 'add' ? subsums.scan(n) : undefined;
    if (m !== undefined) uses.set(m, (uses.get(m) ?? 0) + 1);
  }
  const taken = new Set<string>(o.reserved);
  for (const n of order) if (n.kind === 'sym') taken.add(o.spellSymbol(n.name));
  if (external !== undefined) for (const v of external.values()) taken.add(o.spellSymbol(v));
  const alloc = new NameAllocator(o.prefix, taken, o.spellName);
  const printer = new Printer(o.syntax, external, subsums);
  const definitions: Definition[] = [];
  for (const n of order) {
    if (external?.has(n) === true && !rootSet.has(n)) continue;
    const p = printer.body(n);
    const leaf = n.kind === 'num' || n.kind === 'sym';
    if (!leaf && (uses.get(n) ?? 0) > 1 && p.s.length > o.inlineMax && external?.has(n) !== true) {
      const name = alloc.claim();
      definitions.push({ name, text: p.s });
      printer.memo.set(n, atom(o.spellName(name)));
      printer.named.add(n);
    } else {
      printer.memo.set(n, p);
    }
  }
  return { definitions, outputs: roots.map((r) => printer.memo.get(r)!) };
}
