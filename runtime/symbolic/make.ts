/**
 * Interning makers: the only place nodes are instantiated. Each takes already-canonical
 * parts (see the invariants in nodes.ts) and returns the unique live node with them.
 * Children passed to the makers must be interned (not loose); `intern` makes them so.
 */

import { cEquals, cIsOne, cIsZero, cMul, coefOf, type Coef } from './coef.js';
import type { FnName } from './fnTable.js';
import { hashCoef, hashFactors, hashTerms, hashString, mix } from './hash.js';
import { InternTable } from './InternTable.js';
import { Add, Fn, maxHeight, Mul, Num, Pow, Sym, type Expr } from './nodes.js';
import { symbolSortKey } from './order.js';

const numTable = new InternTable<Num>();
const symTable = new InternTable<Sym>();
const addTable = new InternTable<Add>();
const mulTable = new InternTable<Mul>();
const powTable = new InternTable<Pow>();
const fnTable = new InternTable<Fn>();

const KIND_ADD = 0x1a2b3c4d;
const KIND_MUL = 0x2b3c4d5e;
const KIND_POW = 0x3c4d5e6f;
const KIND_FN = 0x4d5e6f70;

const sameNum = (n: Num, v: Coef): boolean => cEquals(n.value, v);
const sameSym = (n: Sym, name: string): boolean => n.name === name;

export function makeNum(value: Coef): Num {
  const v = typeof value === 'number' ? coefOf(value) : value;
  const h = hashCoef(v);
  return numTable.find(h, sameNum, v, 0, 0) ?? numTable.add(h, new Num(v, h));
}

export function makeSym(name: string): Sym {
  const h = hashString(name);
  return symTable.find(h, sameSym, name, 0, 0) ?? symTable.add(h, new Sym(name, symbolSortKey(name), h));
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

/** Drops zero coefficients (which can appear after rescaling underflows). */
function dropZeros(terms: readonly Expr[], coefs: readonly Coef[]): [readonly Expr[], readonly Coef[]] {
  let zeros = false;
  for (let i = 0; i < coefs.length; i++) if (coefs[i] === 0) zeros = true;
  if (!zeros) return [terms, coefs];
  const keep = coefs.map((c) => !cIsZero(c));
  return [terms.filter((_, i) => keep[i]), coefs.filter((_, i) => keep[i])];
}

const sameAdd = (n: Add, constant: Coef, terms: readonly Expr[], coefs: readonly Coef[]): boolean =>
  cEquals(n.constant, constant) && sameList(n.terms, terms) && sameCoefs(n.coefs, coefs);

/** Add node from canonical parts (terms sorted and unique; zero coefficients are dropped). */
export function makeAdd(constant: Coef, terms0: readonly Expr[], coefs0: readonly Coef[]): Expr {
  const [terms, coefs] = dropZeros(terms0, coefs0);
  if (terms.length === 0) return makeNum(constant);
  if (terms.length === 1 && cIsZero(constant)) return scale(coefs[0]!, terms[0]!);
  const h = mix(hashTerms(KIND_ADD, terms, coefs), hashCoef(constant));
  return addTable.find(h, sameAdd, constant, terms, coefs)
    ?? addTable.add(h, new Add(constant, terms, coefs, h, 1 + maxHeight(terms)));
}

export function factorsHash(bases: readonly Expr[], exps: readonly Coef[]): number {
  return hashFactors(KIND_MUL, bases, exps);
}

const sameMul = (n: Mul, coef: Coef, bases: readonly Expr[], exps: readonly Coef[]): boolean =>
  cEquals(n.coef, coef) && sameList(n.bases, bases) && sameCoefs(n.exps, exps);

/**
 * A Bloom filter over the factor hashes of interned products with a coefficient other than
 * 1: when a factor hash's bit is clear, `scaleLoose` knows without a table lookup that no
 * interned `c * u` exists (the dense-layer products, never interned, all take this path).
 * Bits are never cleared; a stale bit only costs a lookup.
 */
const SCALED_BITS = new Uint32Array(1 << 15);
const scaledBit = (fh: number): number => (fh ^ (fh >>> 15)) & 0xfffff;

function noteScaled(m: Mul): Mul {
  if (!cIsOne(m.coef)) {
    const b = scaledBit(m.factorsHash);
    SCALED_BITS[b >>> 5]! |= 1 << (b & 31);
  }
  return m;
}

function maybeScaled(fh: number): boolean {
  const b = scaledBit(fh);
  return (SCALED_BITS[b >>> 5]! & (1 << (b & 31))) !== 0;
}

/** The loose product `coef * u` of the unit u, if there is one to adopt into the table. */
function adoptable(u: Expr, coef: Coef): Mul | undefined {
  const s = u.scaled;
  return s !== undefined && s.loose && s.canonical === undefined && cEquals(s.coef, coef) ? s : undefined;
}

/**
 * Mul node from canonical parts (bases sorted and unique, exponents non-zero). Handles the
 * degenerate cases: no factor -> Num, coef 1 and a single base^1 -> the base, coef != 1
 * times a single Add -> distributed Add.
 */
export function makeMul(coef: Coef, bases: readonly Expr[], exps: readonly Coef[], fh?: number): Expr {
  if (cIsZero(coef) || bases.length === 0) return makeNum(coef);
  const single = bases.length === 1 && cIsOne(exps[0]!);
  if (single) {
    const b = bases[0]!;
    if (cIsOne(coef)) return b;
    if (b.kind === 'add') return scale(coef, b);
  }
  const fhash = fh ?? factorsHash(bases, exps);
  const h = mix(fhash, hashCoef(coef));
  const found = mulTable.find(h, sameMul, coef, bases, exps);
  if (found !== undefined) return found;
  const loose = single ? adoptable(bases[0]!, coef) : undefined;
  if (loose !== undefined) {
    loose.loose = false;
    return mulTable.add(h, noteScaled(loose));
  }
  return mulTable.add(h, noteScaled(new Mul(coef, bases, exps, fhash, h, 1 + maxHeight(bases))));
}

const samePow = (n: Pow, base: Expr, exponent: Expr): boolean => n.base === base && n.exponent === exponent;

export function makePow(base0: Expr, exponent0: Expr): Pow {
  const base = intern(base0);
  const exponent = intern(exponent0);
  const h = mix(mix(KIND_POW, base.id), exponent.id);
  return powTable.find(h, samePow, base, exponent, 0)
    ?? powTable.add(h, new Pow(base, exponent, h, 1 + Math.max(base.height, exponent.height)));
}

const sameFn = (n: Fn, name: FnName, args: readonly Expr[]): boolean => n.name === name && sameList(n.args, args);

export function makeFn(name: FnName, args0: readonly Expr[]): Fn {
  const args = args0.some(isLoose) ? args0.map(intern) : args0;
  let h = mix(KIND_FN, hashString(name));
  for (const a of args) h = mix(h, a.id);
  return fnTable.find(h, sameFn, name, args, 0) ?? fnTable.add(h, new Fn(name, args, h, 1 + maxHeight(args)));
}

/** Shared `[1]` exponent list (not frozen: a frozen array has its own elements kind). */
const ONE_EXP: readonly Coef[] = [1];

/** The coefficient-free part of a product: `unitOf(3*x*y)` is `x*y`. */
export function unitOf(m: Mul): Expr {
  if (m.unitCache !== undefined) return m.unitCache;
  const u = cIsOne(m.coef) ? m : makeMul(1, m.bases, m.exps, m.factorsHash);
  m.unitCache = u;
  return u;
}

/** `c * e` in canonical form and interned, in O(1) except for an Add (coefficients rescaled). */
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

/**
 * `c * e` like `scale`, except that a product of a unit (a symbol, function, power or
 * coefficient-1 product) is returned loose when it is not in the table: no table insertion,
 * so the garbage collector takes it as soon as a sum has absorbed it.
 */
export function scaleLoose(c: Coef, e: Expr): Expr {
  if (cIsOne(c) || cIsZero(c) || e.kind === 'num' || e.kind === 'add') return scale(c, e);
  const u = e.kind === 'mul' ? unitOf(e) : e;
  const k = e.kind === 'mul' ? cMul(c, e.coef) : c;
  if (cIsOne(k) || cIsZero(k)) return scale(k, u);
  const last = u.scaled;
  const unitMul = u.kind === 'mul';
  // The factor list of c*u depends on u only: take it from the previous product of u.
  const bases = unitMul ? u.bases : last !== undefined ? last.bases : [u];
  const exps = unitMul ? u.exps : ONE_EXP;
  const fhash = unitMul ? u.factorsHash : last !== undefined ? last.factorsHash : mix(mix(KIND_MUL, u.id), 1);
  const h = mix(fhash, hashCoef(k));
  const found = maybeScaled(fhash) ? mulTable.find(h, sameMul, k, bases, exps) : undefined;
  if (found !== undefined) return found;
  if (last !== undefined && cEquals(last.coef, k)) return last.canonical ?? last;
  const m = new Mul(k, bases, exps, fhash, h, u.kind === 'mul' ? u.height : 1 + u.height);
  m.loose = true;
  m.unitCache = u;
  u.scaled = m;
  return m;
}

function isLoose(e: Expr): boolean {
  return e.kind === 'mul' && e.loose;
}

/**
 * The interned node structurally equal to `e`: `e` itself, except for a loose product (see
 * nodes.ts), which is put into the table, or replaced by the equal node already there.
 */
export function intern(e: Expr): Expr {
  if (e.kind !== 'mul' || !e.loose) return e;
  if (e.canonical !== undefined) return e.canonical;
  const found = mulTable.find(e.hash, sameMul, e.coef, e.bases, e.exps);
  if (found !== undefined) {
    e.canonical = found;
    return found;
  }
  e.loose = false;
  return mulTable.add(e.hash, noteScaled(e));
}
