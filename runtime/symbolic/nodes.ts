/**
 * Expression node classes. Nodes are immutable and hash-consed: never call these
 * constructors directly, use the interning makers in `make.ts` (or the public
 * constructors `num`, `sym`, `add`, `mul`, ...), which return an existing node when a
 * structurally identical one is alive. Structural equality is therefore `===` (except
 * for loose products, below).
 *
 * Invariants (kept by the makers):
 * - Num: `value` is a canonical Coef: a float other than -0, or a normalised Rational
 *   (never an integer in the safe range, which is a float).
 * - Add: constant + sum of coef_i * term_i, n >= 1 terms, no zero coefficient, terms are
 *   neither Num, Add, nor Mul with coefficient != 1; terms sorted by `compare`; and not
 *   (constant 0, one term) which is a Mul or the term itself.
 * - Mul: coef * prod base_i ^ exp_i, numeric non-zero exponents, coef != 0, bases are not
 *   Num, sorted by `compare`, unique; a base is a Mul only with a non-integer exponent
 *   ("opaque" power like (x*y)^0.5); not (coef 1, one base, exponent 1); not
 *   (coef != 1, single Add base with exponent 1), which is distributed instead.
 * - Pow: base ^ exponent where the exponent is not a number (numeric exponents live in Mul).
 * - Fn: named function; max/min args are flattened, deduplicated, sorted, >= 2 of them,
 *   with at most one (leading) Num.
 *
 * Loose products: `mul(c, x)` for a number c returns a Mul `c*x` that is not yet in the
 * intern table (`loose`), because such products are almost always consumed at once by a
 * sum (`addAll(products)`), which keeps only x and c. A loose node is interned the moment
 * it becomes a child of another node or a key (see `intern` in make.ts), so every node
 * reachable from another node is canonical. See index.ts for what this means for `===`.
 */

import type { Coef } from './coef.js';
import type { FnName } from './fnTable.js';

export type Expr = Num | Sym | Add | Mul | Pow | Fn;

let nextId = 1;
let lastMark = 0;

/** A fresh value for the builders' `mark` scratch field (unique per builder). */
export function newMark(): number {
  return ++lastMark;
}

/**
 * The fields every node has. They are initialised by each concrete class (the same four
 * lines in each): stores in a shared base constructor would see six object shapes and go
 * megamorphic, which made node creation several times slower.
 */
abstract class Node {
  /** Unique per node (creation order); not used for canonical ordering. */
  abstract readonly id: number;
  /** Structural hash (built from child ids, so only meaningful within this process). */
  abstract readonly hash: number;
  /** 0 for leaves, 1 + max child height otherwise. */
  abstract readonly height: number;
  /** Rank of the kind in the canonical order: Num < Sym < Mul < Pow < Fn < Add. */
  abstract readonly rank: number;
  /**
   * Scratch for the builders (add.ts, mul.ts): the builder that last indexed this node and
   * the index it got there. Builders never interleave, so one pair suffices. Internal.
   */
  abstract mark: number;
  abstract slot: number;
  /** The most recent loose product `c * this` (make.ts). Internal. */
  abstract scaled: Mul | undefined;
}

export class Num extends Node {
  declare readonly kind: 'num';
  readonly id: number = nextId++;
  mark = 0;
  slot = 0;
  scaled: Mul | undefined = undefined;
  declare readonly rank: 0;
  declare readonly height: 0;
  constructor(readonly value: Coef, readonly hash: number) {
    super();
  }
}

export class Sym extends Node {
  declare readonly kind: 'sym';
  readonly id: number = nextId++;
  mark = 0;
  slot = 0;
  scaled: Mul | undefined = undefined;
  declare readonly rank: 1;
  declare readonly height: 0;
  constructor(
    readonly name: string,
    /** Natural-order sort key: digit runs compare numerically (x2 < x10). */
    readonly sortKey: string,
    readonly hash: number,
  ) {
    super();
  }
}

export class Mul extends Node {
  declare readonly kind: 'mul';
  readonly id: number = nextId++;
  mark = 0;
  slot = 0;
  scaled: Mul | undefined = undefined;
  declare readonly rank: 2;
  /** Cached coefficient-free version (coef 1); see `unitOf` in make.ts. */
  unitCache: Expr | undefined = undefined;
  /** Not (yet) in the intern table; see "Loose products" above. Internal. */
  loose = false;
  /** For a loose node found to duplicate an interned one: that node. Internal. */
  canonical: Mul | undefined = undefined;
  constructor(
    readonly coef: Coef,
    readonly bases: readonly Expr[],
    readonly exps: readonly Coef[],
    /** Hash of the factor list alone, so rescaled copies hash in O(1). */
    readonly factorsHash: number,
    readonly hash: number,
    readonly height: number,
  ) {
    super();
  }
}

export class Pow extends Node {
  declare readonly kind: 'pow';
  readonly id: number = nextId++;
  mark = 0;
  slot = 0;
  scaled: Mul | undefined = undefined;
  declare readonly rank: 3;
  constructor(
    readonly base: Expr,
    readonly exponent: Expr,
    readonly hash: number,
    readonly height: number,
  ) {
    super();
  }
}

export class Fn extends Node {
  declare readonly kind: 'fn';
  readonly id: number = nextId++;
  mark = 0;
  slot = 0;
  scaled: Mul | undefined = undefined;
  declare readonly rank: 4;
  constructor(
    readonly name: FnName,
    readonly args: readonly Expr[],
    readonly hash: number,
    readonly height: number,
  ) {
    super();
  }
}

export class Add extends Node {
  declare readonly kind: 'add';
  readonly id: number = nextId++;
  mark = 0;
  slot = 0;
  scaled: Mul | undefined = undefined;
  declare readonly rank: 5;
  constructor(
    readonly constant: Coef,
    readonly terms: readonly Expr[],
    readonly coefs: readonly Coef[],
    readonly hash: number,
    readonly height: number,
  ) {
    super();
  }
}

/** Per-class constants live on the prototypes (saves memory on millions of nodes). */
function classConstants(cls: { prototype: object }, kind: string, rank: number, leaf: boolean): void {
  Object.defineProperty(cls.prototype, 'kind', { value: kind });
  Object.defineProperty(cls.prototype, 'rank', { value: rank });
  if (leaf) Object.defineProperty(cls.prototype, 'height', { value: 0 });
}
classConstants(Num, 'num', 0, true);
classConstants(Sym, 'sym', 1, true);
classConstants(Mul, 'mul', 2, false);
classConstants(Pow, 'pow', 3, false);
classConstants(Fn, 'fn', 4, false);
classConstants(Add, 'add', 5, false);

export function isExpr(x: unknown): x is Expr {
  return x instanceof Node;
}

/** The children of a node, in stored order (Add terms, Mul bases, Pow base+exponent, Fn args). */
export function childrenOf(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'num':
    case 'sym':
      return NO_CHILDREN;
    case 'add':
      return e.terms;
    case 'mul':
      return e.bases;
    case 'pow':
      return [e.base, e.exponent];
    case 'fn':
      return e.args;
  }
}

const NO_CHILDREN: readonly Expr[] = Object.freeze([]);

export function maxHeight(xs: readonly Expr[]): number {
  let h = 0;
  for (const x of xs) if (x.height > h) h = x.height;
  return h;
}
