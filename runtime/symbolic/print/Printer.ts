/**
 * The generic printer: walks canonical nodes and asks a `Syntax` to spell them. Signs are
 * pulled out of coefficients (`a - 2*b`, never `a + -2*b`), negative exponents become
 * denominators (`x/y`, `1/x`), sum constants print last.
 *
 * The DAG is printed bottom-up in topological order (no recursion): each node's text is
 * built once from its children's texts. A child whose text has been replaced by a name
 * (a shared subexpression given a definition, see format.ts, or a node named by the
 * caller through `names`) is printed as that name.
 */

import { cAbs, cIsNegative, cIsOne, cIsZero, cToFloat, isRational, type Coef } from '../coef.js';
import type { Add, Expr } from '../nodes.js';
import type { SubSums } from './subsums.js';
import type { Printed, SumPart, Syntax } from './syntax.js';

export interface PrintOptions {
  /**
   * Nodes to print as a symbol of the given name instead of expanding them (spelled like a
   * symbol of the target language; no definition is emitted: the caller defines them).
   * A root is still expanded even when named.
   */
  readonly names?: ReadonlyMap<Expr, string>;
  /**
   * Inline budget in printed characters (default 20): a subexpression used more than once
   * whose own text (with its shared parts already named) is longer than this is printed
   * once as a definition `t1 = ...` and referred to by name. `Infinity` prints a tree.
   */
  readonly inlineMax?: number;
  /**
   * Stem of the definition names (default `t`: t1, t2, ...; letters and digits, starting
   * with a letter, so that it is an identifier in every language). Numbers that would make
   * a name collide with a symbol of the expressions (as spelt in the language) are skipped.
   */
  readonly prefix?: string;
}

export class Printer {
  /** Printed text (or name) of every node done so far. */
  readonly memo = new Map<Expr, Printed>();
  /** Nodes whose memo is a definition's name (set by the caller). */
  readonly named = new Set<Expr>();

  constructor(
    private readonly syntax: Syntax,
    private readonly names?: ReadonlyMap<Expr, string>,
    private readonly subsums?: SubSums,
  ) {}

  private isNamed(e: Expr): boolean {
    return this.named.has(e) || this.names?.has(e) === true;
  }

  /** A child as printed inside its parent: its caller-given name if any, else its text. */
  private node(e: Expr): Printed {
    const name = this.names?.get(e);
    return name !== undefined ? this.syntax.symbol(name) : this.memo.get(e)!;
  }

  /** The text of `e` itself (children must have been printed, or be named). */
  body(e: Expr): Printed {
    switch (e.kind) {
      case 'num':
        return this.signedNumber(e.value);
      case 'sym':
        return this.syntax.symbol(e.name);
      case 'add':
        return this.sum(e);
      case 'mul':
        return this.product(e.coef, e.bases, e.exps);
      case 'pow':
        return this.syntax.power(this.node(e.base), this.node(e.exponent));
      case 'fn':
        return this.syntax.call(e.name, e.args.map((a) => this.node(a)));
    }
  }

  /** A non-negative coefficient: a float, an exact integer or a fraction. */
  private magnitude(c: Coef): Printed {
    if (!isRational(c)) return this.syntax.number(cToFloat(c));
    return this.syntax.rational(String(c.num), c.den === 1n ? null : String(c.den));
  }

  private signedNumber(v: Coef): Printed {
    return cIsNegative(v) ? this.syntax.negate(this.magnitude(cAbs(v))) : this.magnitude(v);
  }

  /** |coef| * term as a product (an unnamed Mul term's factors are spliced in). */
  private magnitudeTimes(coef: Coef, term: Expr): Printed {
    const c = cAbs(coef);
    return term.kind === 'mul' && !this.isNamed(term)
      ? this.product(c, term.bases, term.exps)
      : this.product(c, [term], [1]);
  }

  private product(coef: Coef, bases: readonly Expr[], exps: readonly Coef[]): Printed {
    const numer: Printed[] = [];
    const denom: Printed[] = [];
    const c = cAbs(coef);
    if (!cIsOne(c)) numer.push(this.magnitude(c));
    bases.forEach((b, i) => {
      const e = exps[i]!;
      const into = cIsNegative(e) ? denom : numer;
      const k = cAbs(e);
      into.push(cIsOne(k) ? this.node(b) : this.syntax.power(this.node(b), this.magnitude(k)));
    });
    const body = denom.length === 0
      ? this.syntax.product(numer)
      : this.syntax.quotient(numer.length === 0 ? null : this.syntax.product(numer), denom);
    return cIsNegative(coef) ? this.syntax.negate(body) : body;
  }

  /** Printed terms (no constant) of sums that later sums contain (see print/subsums.ts). */
  private readonly subParts = new Map<Add, readonly SumPart[]>();

  private part(c: Coef, t: Expr): SumPart {
    return { minus: cIsNegative(c), term: this.magnitudeTimes(c, t) };
  }

  /**
   * The terms of a sum: in full; or, when it contains an earlier sum, that sum's name (if
   * it has a definition) or its already printed terms (coefficient 1), then the others.
   */
  private sumParts(e: Add): { parts: SumPart[]; constant: Coef } {
    const { terms, coefs } = e;
    const sub = this.subsums?.within.get(e);
    let parts: SumPart[] | undefined;
    let constant = e.constant;
    if (sub !== undefined) {
      const rest = sub.rest.map((i) => this.part(coefs[i]!, terms[i]!));
      const inner = this.subParts.get(sub.sum);
      if (this.named.has(sub.sum)) {
        parts = [this.part(sub.lambda, sub.sum), ...rest];
        constant = sub.constant;
      } else if (inner !== undefined && cIsOne(sub.lambda)) {
        parts = [...inner, ...rest];
      }
    }
    parts ??= terms.map((t, i) => this.part(coefs[i]!, t));
    if (this.subsums?.isSub(e) === true) this.subParts.set(e, parts.slice());
    return { parts, constant };
  }

  private sum(e: Add): Printed {
    const { parts, constant } = this.sumParts(e);
    if (!cIsZero(constant)) parts.push({ minus: cIsNegative(constant), term: this.magnitude(cAbs(constant)) });
    const [first, ...rest] = parts;
    const head = first!.minus ? this.syntax.negate(first!.term) : first!.term;
    return this.syntax.sum(head, rest);
  }
}
