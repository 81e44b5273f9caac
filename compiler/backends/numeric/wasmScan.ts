/**
 * Small recurrent layers whose cells are straight-line code (scan.ts `unrolledBody`) as one
 * WebAssembly function: the whole scan over a block of examples, the states in locals, every
 * value of the cell DAG (straight.ts, weights as literals) in a local, computed in the DAG's order
 * with the same operations as its JS: sums left to right from the first term, float32 modules in
 * wasm `f32` (so no `Math.fround` on the critical path), primitives as their rows in ir/prims.ts
 * say (the helpers of wasmMap.ts: bit for bit the runtime's). The module keeps the JS for engines
 * without WebAssembly; the inputs and outputs go through staging arrays in the scan heap.
 *
 *   scan_<i>(n, xp, yp):  for each of n examples, for each step t: the cells on row t of X,
 *                         the emitted cell into row t of Y, the states updated
 */
import type { Precision } from './flavor.js';
import type { CNode } from './straight.js';
import { f32Const, f64Const, primCode, TABLE_BYTES, wasmModule, type Code, type MapKernelCode } from './wasmMap.js';
import { F32, F64, I32, loop, op, vec } from './wasmKernel.js';

export interface ScanCode {
  /** The cell DAG's nodes (CodeDag.view). */
  readonly nodes: readonly CNode[];
  /** Node of x[j] (a load leaf) for each feature j, and of each state element (a variable leaf). */
  readonly x: readonly number[];
  readonly states: readonly (readonly number[])[];
  /** Node of emitted element j, and each state element's next value. */
  readonly emit: readonly number[];
  readonly next: readonly (readonly number[])[];
  readonly steps: number;
  readonly reverse: boolean;
  readonly precision: Precision;
}

// parameters n, xp, yp; i32 locals e, step, xrow, yrow; then the value locals
const [NP, XP, YP, E, STEP, XROW, YROW] = [0, 1, 2, 3, 4, 5, 6];
const FIRST_VALUE = 7;

/** The function `scan(n, xp, yp)` of a scan's straight-line cells (see the file comment). */
export function scanFunction(c: ScanCode, name: string): MapKernelCode {
  const f32 = c.precision === 'float32';
  const B = f32 ? 4 : 8;
  const F = c.x.length;
  const W = c.emit.length;
  const T = c.steps;
  // live nodes: reachable from the emitted and next values
  const live = new Array<boolean>(c.nodes.length).fill(false);
  const mark = (id: number): void => {
    if (live[id]) return;
    live[id] = true;
    const n = c.nodes[id]!;
    if (n.k === 'prim' || n.k === 'sum' || n.k === 'max') n.args.forEach(mark);
  };
  [...c.emit, ...c.next.flat()].forEach(mark);
  // uses of each live node; a node used once is computed where it is used, the others into locals
  const uses = new Array<number>(c.nodes.length).fill(0);
  c.nodes.forEach((n, id) => {
    if (live[id] && (n.k === 'prim' || n.k === 'sum' || n.k === 'max')) n.args.forEach((a) => uses[a]!++);
  });
  [...c.emit, ...c.next.flat()].forEach((id) => (uses[id]! += 2));
  const local = new Map<number, number>();
  let next = FIRST_VALUE;
  c.states.flat().forEach((id) => local.set(id, next++));
  c.nodes.forEach((n, id) => {
    if (live[id] && n.k !== 'num' && uses[id]! > 1 && !local.has(id)) local.set(id, next++);
  });
  const values = next - FIRST_VALUE;
  const konst = (v: number): number[] => (f32 ? f32Const(v) : f64Const(v));
  const xIndex = new Map(c.x.map((id, j) => [id, j]));
  const add = f32 ? 0x92 : 0xa0;
  const max = f32 ? 0x97 : 0xa5;
  const store = (offset: number): number[] => op.mem([f32 ? 0x38 : 0x39], f32 ? 2 : 3, offset);
  /** The code computing node `id` (operations in the order of the JS). */
  const expr = (id: number): Code[] => {
    const n = c.nodes[id]!;
    if (n.k === 'num') return konst(n.v);
    if (n.k === 'leaf') return [...op.get(XROW), ...op.mem([f32 ? 0x2a : 0x2b], f32 ? 2 : 3, xIndex.get(id)! * B)];
    if (n.k === 'prim') {
      const args = n.op === 'where' ? [n.args[1]!, n.args[2]!, n.args[0]!] : n.args;
      return [...args.flatMap(value), ...primCode(n.op, f32)];
    }
    const out: Code[] = value(n.args[0]!);
    for (const a of n.args.slice(1)) out.push(...value(a), n.k === 'sum' ? add : max);
    return out;
  };
  const value = (id: number): Code[] => (local.has(id) ? op.get(local.get(id)!) : expr(id));
  const compute: Code[] = [];
  c.nodes.forEach((n, id) => {
    // the shared values, in order (a state's local holds it already)
    if (!live[id] || !local.has(id) || (n.k === 'leaf' && !xIndex.has(id))) return;
    compute.push(...expr(id), ...op.set(local.get(id)!));
  });
  // the emitted row, then the states: every next value pushed before any state is set
  const emitCode = c.emit.flatMap((id, j) => [...op.get(YROW), ...value(id), ...store(j * B)]);
  const flatNext = c.next.flat();
  const flatStates = c.states.flat();
  const update = [...flatNext.flatMap(value), ...[...flatStates].reverse().flatMap((id) => op.set(local.get(id)!))];
  // row pointers: x + ((e * T + t) * F) * B, y likewise with W
  const t = c.reverse ? [...op.i32(T - 1), ...op.get(STEP), ...op.sub] : op.get(STEP);
  const row = (base: number, width: number, into: number): number[] => [
    ...op.get(base), ...op.get(E), ...op.i32(T), ...op.mul, ...t, ...op.add, ...op.i32(width * B), ...op.mul, ...op.add, ...op.set(into),
  ];
  const stepBody: Code[] = [...row(XP, F, XROW), ...row(YP, W, YROW), ...compute, ...emitCode, ...update];
  const init = flatStates.flatMap((id) => [...konst(0), ...op.set(local.get(id)!)]);
  const exampleBody: Code[] = [...init, ...op.i32(0), ...op.set(STEP), ...loop(STEP, op.i32(T), op.i32(1), stepBody)];
  const code: Code[] = [
    ...vec([[4, I32], [values, f32 ? F32 : F64]]),
    ...op.i32(0), ...op.set(E),
    ...loop(E, op.get(NP), op.i32(1), exampleBody),
    0x0b,
  ];
  return { slots: [], params: [], code, arity: 3, name };
}

/** The scan functions of one numeric module, in a heap of their own: the exp table, then staging arrays. */
export class ScanRegistry {
  private readonly fns: MapKernelCode[] = [];
  private end = TABLE_BYTES;
  /** Registers a scan; its export name. */
  add(c: ScanCode): string {
    const name = `scan_${this.fns.length}`;
    this.fns.push(scanFunction(c, name));
    return name;
  }
  /** Byte offset of a staging array of `n` elements of `bytes` each. */
  alloc(n: number, bytes: number): number {
    const at = this.end;
    this.end = Math.ceil((at + n * bytes) / 8) * 8;
    return at;
  }
  get names(): string[] {
    return this.fns.map((f) => f.name!);
  }
  get pages(): number {
    return Math.max(1, Math.ceil(this.end / 65536));
  }
  /** The module exporting every scan (the exp table at offset 0). */
  module(): Uint8Array {
    return wasmModule([], this.fns, 0);
  }
}
