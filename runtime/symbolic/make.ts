/**
 * Interning makers: the only place nodes are instantiated. Each takes already-canonical
 * parts (see the invariants in nodes.ts) and returns the unique live node with them.
 */

import { cEquals, cIsOne, cIsZero, cMul, coefOf, type Coef } from './coef.js';
import type { FnName } from './fnTable.js';
import { hashCoef, hashFloat, hashString, mix } from './hash.js';
import { InternTable } from './InternTable.js';
import { Add, Fn, maxHeight, Mul, Num, Pow, Sym, type Expr } from './nodes.js';
import { symbolSortKey } from './order.js';

const numTable = new InternTable<number, Num>();
const symTable = new InternTable<string, Sym>();
const addTable = new InternTable<number, Add>();
const mulTable = new InternTable<number, Mul>();
const powTable = new InternTable<number, Pow>();
const fnTable = new InternTable<number, Fn>();

const KIND_ADD = 0x1a2b3c4d;
const KIND_MUL = 0x2b3c4d5e;
const KIND_POW = 0x3c4d5e6f;
const KIND_FN = 0x4d5e6f70;

const always = (): boolean => true;

export function makeNum(value: number): Num {
  const v = coefOf(value);
  return numTable.find(v, always) ?? numTable.add(v, new Num(v, hashFloat(v)));
}

export function makeSym(name: string): Sym {
  return symTable.find(name, always) ?? symTable.add(name, new Sym(name, symbolSortKey(name), hashString(name)));
}

function sameList(a: readonly Expr[], b: readonly Expr[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameCoefs(a: readonly Coef[], b: readonly Coef[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!cEquals(a[i]!, b[i]!)) return false;
  return true;
}

function hashPairs(seed: number, xs: readonly Expr[], cs: readonly Coef[]): number {
  let h = seed;
  for (let i = 0; i < xs.length; i++) {
    h = mix(h, xs[i]!.id);
    const c = cs[i]!;
    h = mix(h, c === 1 ? 1 : hashCoef(c));
  }
  return h;
}

/** Drops zero coefficients (which can appear after rescaling underflows). */
function dropZeros(terms: readonly Expr[], coefs: readonly Coef[]): [readonly Expr[], readonly Coef[]] {
  if (!coefs.some(cIsZero)) return [terms, coefs];
  const keep = coefs.map((c) => !cIsZero(c));
  return [terms.filter((_, i) => keep[i]), coefs.filter((_, i) => keep[i])];
}

/** Add node from canonical parts (terms sorted and unique; zero coefficients are dropped). */
export function makeAdd(constant: Coef, terms0: readonly Expr[], coefs0: readonly Coef[]): Expr {
  const [terms, coefs] = dropZeros(terms0, coefs0);
  if (terms.length === 0) return makeNum(constant);
  if (terms.length === 1 && cIsZero(constant)) return scale(coefs[0]!, terms[0]!);
  const h = mix(hashPairs(KIND_ADD, terms, coefs), hashCoef(constant));
  const found = addTable.find(h, (n) =>
    cEquals(n.constant, constant) && sameList(n.terms, terms) && sameCoefs(n.coefs, coefs));
  return found ?? addTable.add(h, new Add(constant, terms, coefs, h, 1 + maxHeight(terms)));
}

export function factorsHash(bases: readonly Expr[], exps: readonly Coef[]): number {
  return hashPairs(KIND_MUL, bases, exps);
}

/**
 * Mul node from canonical parts (bases sorted and unique, exponents non-zero). Handles the
 * degenerate cases: no factor -> Num, coef 1 and a single base^1 -> the base, coef != 1
 * times a single Add -> distributed Add.
 */
export function makeMul(coef: Coef, bases: readonly Expr[], exps: readonly Coef[], fh?: number): Expr {
  if (cIsZero(coef) || bases.length === 0) return makeNum(coef);
  if (bases.length === 1 && cIsOne(exps[0]!)) {
    const b = bases[0]!;
    if (cIsOne(coef)) return b;
    if (b.kind === 'add') return scale(coef, b);
  }
  const fhash = fh ?? factorsHash(bases, exps);
  const h = mix(fhash, hashCoef(coef));
  const found = mulTable.find(h, (n) =>
    cEquals(n.coef, coef) && sameList(n.bases, bases) && sameCoefs(n.exps, exps));
  return found ?? mulTable.add(h, new Mul(coef, bases, exps, fhash, h, 1 + maxHeight(bases)));
}

export function makePow(base: Expr, exponent: Expr): Pow {
  const h = mix(mix(KIND_POW, base.id), exponent.id);
  const found = powTable.find(h, (n) => n.base === base && n.exponent === exponent);
  return found ?? powTable.add(h, new Pow(base, exponent, h, 1 + Math.max(base.height, exponent.height)));
}

export function makeFn(name: FnName, args: readonly Expr[]): Fn {
  let h = mix(KIND_FN, hashString(name));
  for (const a of args) h = mix(h, a.id);
  const found = fnTable.find(h, (n) => n.name === name && sameList(n.args, args));
  return found ?? fnTable.add(h, new Fn(name, args, h, 1 + maxHeight(args)));
}

const ONE_EXP: readonly Coef[] = Object.freeze([1]);

/** The coefficient-free part of an expression: `unitOf(3*x*y)` is `x*y`. */
export function unitOf(m: Mul): Expr {
  if (m.unitCache !== undefined) return m.unitCache;
  const u = cIsOne(m.coef) ? m : makeMul(1, m.bases, m.exps, m.factorsHash);
  m.unitCache = u;
  return u;
}

/** `c * e` in canonical form, in O(1) except for an Add (whose coefficients are rescaled). */
export function scale(c: Coef, e: Expr): Expr {
  if (cIsOne(c)) return e;
  if (cIsZero(c)) return makeNum(0);
  switch (e.kind) {
    case 'num':
      return makeNum(cMul(c, e.value));
    case 'add':
      return makeAdd(cMul(c, e.constant), e.terms, e.coefs.map((k) => cMul(c, k)));
    case 'mul': {
      const r = makeMul(cMul(c, e.coef), e.bases, e.exps, e.factorsHash);
      if (r.kind === 'mul' && r.unitCache === undefined) r.unitCache = unitOf(e);
      return r;
    }
    default: {
      const r = makeMul(c, [e], ONE_EXP);
      if (r.kind === 'mul') r.unitCache = e;
      return r;
    }
  }
}
