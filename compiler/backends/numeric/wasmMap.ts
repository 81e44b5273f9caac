/**
 * Elementwise steps in WebAssembly: a formula with no reduction, whose loads are affine in one
 * index variable, becomes a kernel `map_<i>(rows, yp, ...operand byte offsets)` of the module's
 * kernel instance:
 *
 *   for r < rows, j < n:  Y[r * n + j] = f(j)      (operands advance by their row strides)
 *
 * Numeric modules in heap mode use maps for a recurrent cell's gates and state updates, the bias
 * (and activation) epilogues of kernel products, and keep the JS loops they replace for engines
 * without WebAssembly. A map computes what the JS loop computes, operation for operation: float32
 * modules in wasm `f32` (each instruction rounds as `Math.fround` of the float64 operation does),
 * float64 ones in `f64`; each primitive as its row in ir/prims.ts says (`wasm`): an instruction, a
 * helper below, or an imported JS function. The helpers are the runtime's `expNum`, `tanhNum` and
 * `sigmoidNum` (runtime/scalar.ts) instruction for instruction, with its constants and its 2^(j/64)
 * table (a data segment at `tableAt` in the heap), so results are equal bit for bit; float32
 * modules widen a helper's argument to float64 and round its result, as `Math.fround(R.tanhNum(x))`.
 */
import { EXP2_64, INV_LN2_64, LN2_64_HI, LN2_64_LO } from '@layergen/runtime';
import type { F, Ix } from '../../ir/formula.js';
import { flatIndex } from '../../ir/formula.js';
import { PRIMS, type PrimName } from '../../ir/prims.js';
import { numericView } from '../../ir/traverse.js';
import type { Precision } from './flavor.js';
import type { Elem } from './weights.js';
import { F64, GEMM_TYPE, I32, gemmBody, loop, op, section, str, uleb, vec, type KernelKind } from './wasmKernel.js';

/** Bytes of the 2^(j/64) table the exp helper reads (64 float64). */
export const TABLE_BYTES = EXP2_64.byteLength;

export interface MapOperand {
  /** Shape the formula indexes it with. */
  readonly shape: readonly number[];
  /** Elements between its rows (0: every row reads the same elements). */
  readonly rowStride: number;
}

export interface MapSpec {
  readonly formula: F;
  /** The element index variable (0 <= j < n); any other free variable rejects the formula. */
  readonly v: string;
  readonly n: number;
  readonly precision: Precision;
  /** The input slots the formula reads (arrays of the module's precision). */
  readonly inputs: ReadonlyMap<number, MapOperand>;
  /** The parameters it reads, with the element type of their heap arrays. */
  readonly params: Readonly<Record<string, { readonly elem: Elem; readonly shape: readonly number[] }>>;
}

/** A compiled map: its arguments after (rows, yp) are the byte offsets of `slots`, then of `params`. */
export interface MapKernelCode {
  readonly slots: readonly number[];
  readonly params: readonly string[];
  /** Function body (locals, code, end), calls naming helpers and imports by name. */
  readonly code: readonly Code[];
  readonly arity: number;
  /** Elements computed at once (1: scalar code only; 4 f32x4 or 2 f64x2 lanes, then the rest one by one). */
  readonly lanes?: number;
  /** Its export name (default `map_<i>`): other kernel functions of i32 arguments use the same assembly. */
  readonly name?: string;
}

type Helper = 'exp' | 'tanh' | 'sigmoid';
type JsFn = 'exp' | 'log' | 'sin' | 'cos' | 'log1p' | 'erf';
/** Bytes, or a call resolved when the module is assembled. */
export type Code = number | { readonly call: Helper } | { readonly callJs: JsFn };

interface Affine {
  readonly c: number;
  readonly d: number;
}

function affine(x: Ix, v: string): Affine | null {
  switch (x.k) {
    case 'var':
      return x.name === v ? { c: 1, d: 0 } : null;
    case 'lit':
      return { c: 0, d: x.v };
    case 'add': {
      const a = affine(x.a, v), b = affine(x.b, v);
      return a && b ? { c: a.c + b.c, d: a.d + b.d } : null;
    }
    case 'scale': {
      const a = affine(x.a, v);
      return a ? { c: a.c * x.c, d: a.d * x.c } : null;
    }
    case 'div':
    case 'mod':
    case 'load':
      return null;
  }
}

export const f32Const = (v: number): number[] => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)];
export const f64Const = (v: number): number[] => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)];
const PROMOTE = 0xbb;
const DEMOTE = 0xb6;

/**
 * Primitive `op` on its arguments, already on the stack (`where`: a, b, then c), as its row in
 * ir/prims.ts says: in f32 (float32 modules; helpers and imports widened and rounded) or f64.
 */
export function primCode(op: PrimName, f32: boolean): Code[] {
  const w = PRIMS[op].wasm;
  if ('select' in w) return [...(f32 ? f32Const(0) : f64Const(0)), f32 ? 0x5e : 0x64, 0x1b];
  if ('ins' in w) return [f32 ? w.ins.f32 : w.ins.f64];
  return [...(f32 ? [PROMOTE] : []), 'helper' in w ? { call: w.helper } : { callJs: w.js }, ...(f32 ? [DEMOTE] : [])];
}

// map function locals: 0 rows, 1 yp, then the operand pointers, then r and j
/**
 * The map kernel of `spec`, or null when the formula is outside what maps compute (a reduction,
 * a guard, a load not affine in `v`, a float64 parameter in a float32 module).
 */
export function compileMap(spec: MapSpec): MapKernelCode | null {
  const f = numericView(spec.formula);
  const f32 = spec.precision === 'float32';
  const B = f32 ? 4 : 8;
  const slots = [...spec.inputs.keys()].sort((a, b) => a - b);
  const params = Object.keys(spec.params).sort();
  const arg = (k: number): number => 2 + k;
  const R = 2 + slots.length + params.length;
  const J = R + 1;
  const code: Code[] = [];
  const emit = (...b: number[]): void => void code.push(...b);
  /** Pushes base + j * c * eb, leaving the constant part d * eb to the memarg offset when it is not negative. */
  const address = (base: number[], a: Affine, eb: number): number => {
    emit(...base);
    if (a.c !== 0) emit(...op.get(J), ...(a.c * eb === 1 ? [] : [...op.i32(a.c * eb), ...op.mul]), ...op.add);
    const off = a.d * eb;
    if (off >= 0) return off;
    emit(...op.i32(off), ...op.add);
    return 0;
  };
  /**
   * Code of `g` for one element (`vector` false) or for L at once in f32x4 / f64x2 lanes
   * (`vector` true), appended to `code`; false where the formula is outside what maps compute,
   * or, in lanes, where a primitive has no lane-wise instruction (helpers, imports) or a load
   * strides (c > 1): then only the scalar loop runs. In lanes, loads with c = 1 read L
   * consecutive elements and c = 0 one element splat to every lane; each operation is the scalar
   * one lane by lane (prims.ts `lanes`), so every element is what the scalar loop computes.
   */
  const splat = f32 ? op.simd(19) : op.simd(20);
  const load = (vector: boolean, a: Affine, off: number, elem: Elem): number[] => {
    const own = elem === (f32 ? 'f32' : 'f64');
    const scalar = op.mem([elem === 'f32' ? 0x2a : 0x2b], elem === 'f32' ? 2 : 3, off);
    if (!vector) return own ? scalar : [...scalar, PROMOTE];
    if (a.c === 1) return own ? op.mem(op.simd(0), 0, off) : [...op.mem(op.simd(93), 0, off), ...op.simd(95)]; // float32 pairs widened
    return own ? op.mem(op.simd(f32 ? 9 : 10), f32 ? 2 : 3, off) : [...scalar, PROMOTE, ...splat];
  };
  const compile = (g: F, vector: boolean): boolean => {
    const sub = (h: F): boolean => compile(h, vector);
    const lanesOk = (a: Affine | null | undefined): a is Affine => !!a && (!vector || a.c === 0 || a.c === 1);
    switch (g.k) {
      case 'num':
        emit(...(f32 ? f32Const(g.v) : f64Const(g.v)), ...(vector ? splat : []));
        return true;
      case 'input': {
        const operand = spec.inputs.get(g.slot);
        const a = operand && affine(flatIndex(g.at, operand.shape), spec.v);
        if (!lanesOk(a)) return false;
        emit(...load(vector, a, address(op.get(arg(slots.indexOf(g.slot))), a, B), f32 ? 'f32' : 'f64'));
        return true;
      }
      case 'param': {
        const p = spec.params[g.name];
        const a = p && affine(flatIndex(g.at, p.shape), spec.v);
        if (!p || !lanesOk(a) || (f32 && p.elem === 'f64')) return false;
        emit(...load(vector, a, address(op.get(arg(slots.length + params.indexOf(g.name))), a, p.elem === 'f32' ? 4 : 8), p.elem));
        return true;
      }
      case 'prim': {
        const w = PRIMS[g.op].wasm;
        // where(c, a, b) takes its operands as select does: a, b, then c (in lanes: bitselect(a, b, c > 0))
        const args = 'select' in w ? [g.args[1]!, g.args[2]!, g.args[0]!] : g.args;
        if (vector && !('select' in w) && !('lanes' in w && w.lanes)) return false;
        if (!args.every(sub)) return false;
        if (!vector) code.push(...primCode(g.op, f32));
        else if ('select' in w) emit(...op.simd(12), ...new Array<number>(16).fill(0), ...op.simd(f32 ? 0x44 : 0x4a), ...op.simd(0x52));
        else if ('lanes' in w && w.lanes) emit(...op.simd(f32 ? w.lanes.f32x4 : w.lanes.f64x2));
        return true;
      }
      case 'shift':
        return sub(g.body);
      case 'alt':
        return sub(g.numeric);
      case 'reduce':
      case 'guard':
        return false;
    }
  };
  const store = (): number[] => [...op.get(1), ...op.get(J), ...op.i32(B), ...op.mul, ...op.add];
  code.push(...store());
  if (!compile(f, false)) return null;
  code.push(...op.mem([f32 ? 0x38 : 0x39], f32 ? 2 : 3));
  const element = code.splice(0);
  const L = 16 / B;
  const full = spec.n - (spec.n % L);
  code.push(...store());
  const vector = full > 0 && compile(f, true) ? [...code.splice(0), ...op.mem(op.simd(11), 0)] : null;
  code.splice(0);
  const advance = (local: number, stride: number): number[] =>
    stride === 0 ? [] : [...op.get(local), ...op.i32(stride * B), ...op.add, ...op.set(local)];
  // the loops wrap the element code; calls stay symbolic inside it
  const inner = [...op.i32(0), ...op.set(J)];
  const rowEnd = [
    ...advance(1, spec.n),
    ...slots.flatMap((s, k) => advance(arg(k), spec.inputs.get(s)!.rowStride)),
  ];
  // L elements at a time up to `full`, then the rest one by one (j carries on from the vector loop)
  const elements = [...(vector ? loop(J, op.i32(full), op.i32(L), vector) : []), ...loop(J, op.i32(spec.n), op.i32(1), element)];
  const body: Code[] = [
    ...op.i32(0), ...op.set(R),
    ...loop(R, op.get(0), op.i32(1), [...inner, ...elements, ...rowEnd]),
  ];
  return { slots, params, code: [...vec([[2, I32]]), ...body, 0x0b], arity: R, lanes: vector ? L : 1 };
}

// helper locals: 0 x; exp: 1 t, 2 r, 3 p, 4 s, 5 v, 6 fl (f64), 7 k (i32); tanh: 1 a, 2 u, 3 q, 4 t
const fop = {
  add: 0xa0, sub: 0xa1, mul: 0xa2, div: 0xa3, abs: 0x99, neg: 0x9a, floor: 0x9c,
  lt: 0x63, gt: 0x64, ge: 0x66, select: 0x1b,
} as const;

/** expNum (runtime/scalar.ts), with Math.round(v) as floor(v) + (v - floor(v) >= 0.5). */
function expHelper(tableAt: number): Code[] {
  const [x, t, r, p, s, v, fl, k] = [0, 1, 2, 3, 4, 5, 6, 7];
  const g = op.get, st = op.set;
  return [
    ...vec([[6, F64], [1, I32]]),
    // outside (-708, 709), NaN included: Math.exp
    ...g(x), ...f64Const(-708), fop.gt, ...g(x), ...f64Const(709), fop.lt, 0x71, 0x45,
    0x04, 0x40, ...g(x), { callJs: 'exp' }, 0x0f, 0x0b,
    ...g(x), ...f64Const(INV_LN2_64), fop.mul, 0x22, ...uleb(v), fop.floor, 0x22, ...uleb(fl),
    ...f64Const(1), fop.add, ...g(fl), ...g(v), ...g(fl), fop.sub, ...f64Const(0.5), fop.ge, fop.select, ...st(t),
    ...g(x), ...g(t), ...f64Const(LN2_64_HI), fop.mul, fop.sub, ...g(t), ...f64Const(LN2_64_LO), fop.mul, fop.sub, ...st(r),
    ...g(t), 0xaa, ...st(k),
    // p = r + r * r * (1/2 + r * (1/6 + r * (1/24 + r * (1/120))))
    ...g(r), ...g(r), ...g(r), fop.mul,
    ...f64Const(1 / 2), ...g(r), ...f64Const(1 / 6), ...g(r), ...f64Const(1 / 24), ...g(r), ...f64Const(1 / 120),
    fop.mul, fop.add, fop.mul, fop.add, fop.mul, fop.add, fop.mul, fop.add, ...st(p),
    // s = EXP2_64[k & 63]
    ...g(k), ...op.i32(63), 0x71, ...op.i32(3), 0x74, ...op.mem([0x2b], 3, tableAt), ...st(s),
    // (s + s * p) * 2^(k >> 6), the power of two from its exponent bits
    ...g(s), ...g(s), ...g(p), fop.mul, fop.add,
    ...g(k), ...op.i32(6), 0x75, ...op.i32(1023), 0x6a, 0xad, 0x42, 52, 0x86, 0xbf, fop.mul,
    0x0b,
  ];
}

/** tanhNum (runtime/scalar.ts). */
function tanhHelper(): Code[] {
  const [x, a, u, q, t] = [0, 1, 2, 3, 4];
  const g = op.get, st = op.set;
  return [
    ...vec([[4, F64]]),
    ...g(x), fop.abs, ...st(a),
    ...g(a), ...f64Const(1e-8), fop.lt, 0x04, 0x40, ...g(x), 0x0f, 0x0b,
    ...g(a), ...f64Const(0.55), fop.lt, 0x04, 0x40,
    ...g(x), ...g(x), fop.mul, ...st(u),
    // q = 1 + u * (7/15 + u * (1/39 + u * (2/6435 + u / 2027025)))
    ...f64Const(1), ...g(u), ...f64Const(7 / 15), ...g(u), ...f64Const(1 / 39), ...g(u), ...f64Const(2 / 6435), ...g(u), ...f64Const(2027025),
    fop.div, fop.add, fop.mul, fop.add, fop.mul, fop.add, fop.mul, fop.add, ...st(q),
    // x - ((x * u) * (1/3 + u * (1/45 + u * (2/6825 + u / 2027025)))) / q
    ...g(x), ...g(x), ...g(u), fop.mul,
    ...f64Const(1 / 3), ...g(u), ...f64Const(1 / 45), ...g(u), ...f64Const(2 / 6825), ...g(u), ...f64Const(2027025),
    fop.div, fop.add, fop.mul, fop.add, fop.mul, fop.add, fop.mul, ...g(q), fop.div, fop.sub, 0x0f,
    0x0b,
    // 1 - 2 / (e^(2|x|) + 1), signed
    ...f64Const(1), ...f64Const(2), ...f64Const(2), ...g(a), fop.mul, { call: 'exp' }, ...f64Const(1), fop.add, fop.div, fop.sub, ...st(t),
    ...g(t), fop.neg, ...g(t), ...g(x), ...f64Const(0), fop.lt, fop.select,
    0x0b,
  ];
}

/** sigmoidNum (runtime/scalar.ts). */
function sigmoidHelper(): Code[] {
  const g = op.get;
  return [
    ...vec([]),
    ...g(0), ...f64Const(-700), fop.lt,
    0x04, F64, ...g(0), { call: 'exp' },
    0x05, ...f64Const(1), ...f64Const(1), ...g(0), fop.neg, { call: 'exp' }, fop.add, fop.div,
    0x0b,
    0x0b,
  ];
}

const HELPERS: Record<Helper, { readonly needs: readonly Helper[] }> = {
  exp: { needs: [] },
  tanh: { needs: ['exp'] },
  sigmoid: { needs: ['exp'] },
};

/**
 * The kernel module: `gemm_<kind>` for each kind, then `map_<i>` for each map, with the helpers
 * and imports the maps call and, when the exp helper is in, the table as a data segment at `tableAt`.
 */
export function wasmModule(kinds: readonly KernelKind[], maps: readonly MapKernelCode[], tableAt: number): Uint8Array {
  const calls = (code: readonly Code[]): Code[] => code.filter((c) => typeof c !== 'number');
  const helpers = new Set<Helper>();
  const want = (h: Helper): void => {
    if (helpers.has(h)) return;
    HELPERS[h].needs.forEach(want);
    helpers.add(h);
  };
  for (const m of maps) for (const c of calls(m.code)) if (typeof c !== 'number' && 'call' in c) want(c.call);
  const helperList = (['exp', 'tanh', 'sigmoid'] as const).filter((h) => helpers.has(h));
  const helperCode: Record<Helper, () => Code[]> = { exp: () => expHelper(tableAt), tanh: tanhHelper, sigmoid: sigmoidHelper };
  const bodies = helperList.map((h) => helperCode[h]());
  const jsFns = [...new Set([...bodies, ...maps.map((m) => m.code)].flatMap(calls).flatMap((c) => (typeof c !== 'number' && 'callJs' in c ? [c.callJs] : [])))].sort();
  // function indices: imports, gemms, helpers, maps
  const helperIndex = (h: Helper): number => jsFns.length + kinds.length + helperList.indexOf(h);
  const resolve = (code: readonly Code[]): number[] =>
    code.flatMap((c) => (typeof c === 'number' ? [c] : [0x10, ...uleb('call' in c ? helperIndex(c.call) : jsFns.indexOf(c.callJs))]));
  const entry = (code: readonly Code[]): number[] => {
    const b = resolve(code);
    return [...uleb(b.length), ...b];
  };
  const arities = [...new Set(maps.map((m) => m.arity))];
  const types = [GEMM_TYPE, [0x60, ...vec([[F64]]), ...vec([[F64]])], ...arities.map((a) => [0x60, ...vec(new Array<number[]>(a).fill([I32])), ...vec([])])];
  const mapType = (a: number): number => 2 + arities.indexOf(a);
  const imports = [
    [...str('env'), ...str('mem'), 0x02, 0x00, ...uleb(1)],
    ...jsFns.map((fn) => [...str('math'), ...str(fn), 0x00, 1]),
  ];
  const funcTypes = [...kinds.map(() => [0]), ...helperList.map(() => [1]), ...maps.map((m) => uleb(mapType(m.arity)))];
  const first = jsFns.length;
  const exports = [
    ...kinds.map((kd, i) => [...str(`gemm_${kd}`), 0x00, ...uleb(first + i)]),
    ...maps.map((m, i) => [...str(m.name ?? `map_${i}`), 0x00, ...uleb(first + kinds.length + helperList.length + i)]),
  ];
  const table = new Uint8Array(EXP2_64.buffer, EXP2_64.byteOffset, EXP2_64.byteLength);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcTypes)),
    ...section(7, vec(exports)),
    ...section(10, [...uleb(funcTypes.length), ...kinds.flatMap(gemmBody), ...bodies.flatMap(entry), ...maps.flatMap((m) => entry(m.code))]),
    ...(helpers.has('exp') ? section(11, vec([[0x00, ...op.i32(tableAt), 0x0b, ...uleb(table.length), ...table]])) : []),
  ];
  return Uint8Array.from(bytes);
}

/** Browsers compile modules up to 4 KiB synchronously on the main thread (and refuse larger ones there). */
const MODULE_MAX = 4096;

/** The maps of one numeric module: compiled once each (identical formulas share one), named `map_<i>`. */
export class MapRegistry {
  private readonly codes: MapKernelCode[] = [];
  private readonly keys = new Map<string, number>();
  /** The name of `spec`'s map, or undefined when it does not compile. */
  add(spec: MapSpec): string | undefined {
    const m = compileMap(spec);
    if (!m) return undefined;
    const key = JSON.stringify(m.code);
    let i = this.keys.get(key);
    if (i === undefined) {
      i = this.codes.length;
      this.codes.push(m);
      this.keys.set(key, i);
    }
    return `map_${i}`;
  }
  /** Every name handed out. */
  names(): string[] {
    return this.codes.map((_, i) => `map_${i}`);
  }
  /**
   * The kernel module with the gemms and as many maps (in order) as fit under MODULE_MAX; the
   * maps left out are absent from the instance, so their calls run the JS loops.
   */
  module(kinds: readonly KernelKind[], tableAt: number): { readonly bytes: Uint8Array; readonly maps: readonly string[] } {
    let keep = this.codes.length;
    let bytes = wasmModule(kinds, this.codes, tableAt);
    while (keep > 0 && bytes.length >= MODULE_MAX) bytes = wasmModule(kinds, this.codes.slice(0, --keep), tableAt);
    return { bytes, maps: this.names().slice(0, keep) };
  }
}
