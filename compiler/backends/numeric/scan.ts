/**
 * Scans (recurrent layers) in the numeric module, one function per scan: for each example, the
 * states start from zeros or the initial-state input, then each time step runs the cells and
 * writes the emitted cell into the output row. Small cells are straight-line code with the
 * weights as literals and the states in local variables (`h_0 = ...`); larger ones run the
 * renderer's loops over preallocated buffers, with tiled inner products for the gate affines.
 * A straight-line scan that reads only its sequence also runs as one WebAssembly function
 * (wasmScan.ts: float32 in native f32, no Math.fround), its JS kept for engines without it.
 */
import { formulaCost, outVar } from '../../ir/formula.js';
import { evalFormula } from '../../ir/interpret.js';
import type { CellRef } from '../../ir/scan.js';
import { renderLoops } from '../render.js';
import { describe, type ScanStep } from '../plan.js';
import type { KernelKind } from './wasmKernel.js';
import { hasIndexLoad, matchContraction, numericView } from './contraction.js';
import { numericFlavor } from './flavor.js';
import { gemmLines } from './gemm.js';
import { epilogueCode, kernelKind, mapOr, UNROLL_MAX, type MapArg, type NumericCtx, type StepFn } from './steps.js';
import { bulkArray, CodeDag, type BulkArray } from './straight.js';
import type { ScanCode } from './wasmScan.js';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function scanUnrollable(s: ScanStep): boolean {
  const cost = s.cells.reduce((a, c) => a + size(c.cell.shape) * formulaCost(numericView(c.formula)), 0);
  return cost <= UNROLL_MAX && s.cells.every((c) => !hasIndexLoad(c.formula));
}

/** Initial values of state `st`: the initial-state input (slot `init`) or zeros. */
function initial(s: ScanStep, st: ScanStep['body']['states'][number], j: string): string {
  return st.init !== undefined ? `a${st.init}[a${st.init}o + ${j}]!` : '0';
}

export function scanFn(ctx: NumericCtx, s: ScanStep, unrolled: boolean): StepFn {
  const T = s.steps;
  const F = s.inTypes[0]!.shape[1]!;
  const E = s.out.shape[1]!;
  const time = [
    `for (let step = 0; step < ${T}; step++) {`,
    `const t = ${s.reverse ? `${T - 1} - step` : 'step'};`,
    `const xt = a0o + t * ${F}, yt = y0o + t * ${E};`,
  ];
  const kernels: KernelKind[] = [];
  const name = ctx.claim(`f_${s.node.name}`);
  const bulk = { name: ctx.claim(`g_${name}`), size: 0 };
  const built = unrolled ? unrolledBody(ctx, s, time, bulk) : { lines: loopBody(ctx, s, time, kernels), wasm: undefined };
  const ins = s.node.inputs;
  const strides = ins.map((u, k) => [`a${k}o`, ctx.stride(u)] as const).filter(([, d]) => d > 0);
  const js = [
    `for (let e = 0; e < n; e++${strides.map(([o, d]) => `, ${o} += ${d}`).join('')}, y0o += ${ctx.stride(s.node.id)}) {`,
    ...built.lines,
    '}',
  ];
  // straight-line cells as one WebAssembly function (wasmScan.ts) when the scan reads only its sequence
  const wasm = built.wasm && ctx.scans && ins.length === 1 && !ctx.isConst(ins[0]!) ? ctx.scans.add(built.wasm, s.inTypes[0]!.shape, s.out.shape) : undefined;
  return {
    prelude: [...bulkArray(ctx.precision, bulk), ...(wasm?.prelude ?? [])],
    name,
    doc: `${describe(s)}${unrolled ? ' (straight-line cells)' : ''}`,
    ins,
    outs: [s.node.id],
    body: wasm ? wasm.call(js) : js,
    tensors: unrolled ? [] : Object.values(s.params).map((p) => p.id),
    kernels,
  };
}

function unrolledBody(ctx: NumericCtx, s: ScanStep, time: string[], bulk: BulkArray): { lines: string[]; wasm: ScanCode } {
  const { body } = s;
  const F = s.inTypes[0]!.shape[1]!;
  const stateVar = (name: string, j: number): string => `${name.replace(/[^A-Za-z0-9_$]/g, '_')}_${j}`;
  const lines = body.states.map(
    (st) => `let ${Array.from({ length: st.size }, (_, j) => `${stateVar(st.name, j)} = ${initial(s, st, String(j))}`).join(', ')};`,
  );
  const dag = new CodeDag(ctx.precision);
  const x = Array.from({ length: F }, (_, j) => dag.load(`a0[${j === 0 ? 'xt' : `xt + ${j}`}]!`, `x${j}`));
  const states = new Map(body.states.map((st) => [st.name, Array.from({ length: st.size }, (_, j) => dag.variable(stateVar(st.name, j)))]));
  const cells = new Map<string, number[]>();
  const value = (r: CellRef): number[] => (r.kind === 'x' ? x : r.kind === 'state' ? states.get(r.name)! : cells.get(r.name)!);
  const params = Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, v.tensor]));
  for (const { cell, formula, inShapes } of s.cells) {
    const inputs = cell.inputs.map((r, slot) => ({ shape: inShapes[slot]!, data: value(r) }));
    cells.set(cell.name, evalFormula(formula, cell.shape, inputs, params, dag.algebra()));
  }
  const emit = cells.get(body.emit)!;
  const next = body.states.map((st) => ({ st, vals: cells.get(body.next[st.name]!)! }));
  const sinks = [
    ...emit.map((value, j) => ({ target: `y0[${j === 0 ? 'yt' : `yt + ${j}`}]`, value })),
    ...next.flatMap(({ st, vals }) => vals.map((value, j) => ({ target: stateVar(st.name, j), value }))),
  ];
  let t = 0;
  const code = dag.print(sinks, () => `t${t++}`, next.flatMap((n) => n.vals), bulk);
  const wasm: ScanCode = {
    nodes: dag.view,
    x,
    states: body.states.map((st) => states.get(st.name)!),
    emit,
    next: next.map((n) => n.vals),
    steps: s.steps,
    reverse: s.reverse,
    precision: ctx.precision,
  };
  return { lines: [...lines, ...time, ...code, '}'], wasm };
}

function loopBody(ctx: NumericCtx, s: ScanStep, time: string[], kernels: KernelKind[]): string[] {
  const { body, stateIds, cellIds } = s;
  const lines = body.states.map((st) =>
    st.init !== undefined
      ? `for (let j = 0; j < ${st.size}; j++) ${stateIds[st.name]}[j] = ${initial(s, st, 'j')};`
      : `${stateIds[st.name]}.fill(0);`,
  );
  const source = (r: CellRef): [string, string] =>
    r.kind === 'x' ? ['a0', 'xt'] : [r.kind === 'state' ? stateIds[r.name]! : cellIds[r.name]!, '0'];
  const paramShapes = Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, v.tensor.shape]));
  const B = ctx.precision === 'float32' ? 4 : 8;
  const steps: string[] = [];
  for (const { cell, formula, inShapes } of s.cells) {
    const id = cellIds[cell.name]!;
    const param = (name: string, o: string): string => `${s.params[name]!.id}[${o}]!`;
    const c = matchContraction(formula, cell.shape, inShapes, paramShapes);
    if (c) {
      const [x, xo] = source(cell.inputs[c.slot]!);
      const epi = epilogueCode(ctx.precision, c, cell.shape.length, inShapes, s.params);
      const w = s.params[c.weight]!.id;
      // a kernel weight (layout.ts): its input is in the heap
      const elem = ctx.kernels?.elem(w);
      if (ctx.kernels && elem) {
        const kind = kernelKind(ctx.precision, elem);
        kernels.push(kind);
        steps.push(`${ctx.kernels.id}.gemm_${kind}(${w}.byteOffset, ${x}.byteOffset${xo === '0' ? '' : ` + ${xo} * ${B}`}, ${id}.byteOffset, 1, ${c.N}, ${c.K});`);
        if (!epi) continue;
        const js = [`for (let o = 0; o < ${c.N}; o++) ${id}[o] = ${epi(`${id}[o]!`, 'o')};`];
        const acc = (slot: number): MapArg | undefined => (slot === c.acc ? { shape: [c.N], rowStride: 0, ptr: `${id}.byteOffset` } : undefined);
        steps.push(...mapOr(ctx, { formula: c.epilogue, v: outVar(0), n: c.N, rows: '1', y: `${id}.byteOffset`, inputs: acc, params: s.params }, js));
        continue;
      }
      const io = { n: '1', x, xo, y: id, yo: '0', w, epilogue: epi ?? ((acc: string) => acc) };
      steps.push('{', ...gemmLines(c, io, ctx.precision, true), '}');
      continue;
    }
    const flavor = numericFlavor(ctx.precision, {
      input: (slot, o) => {
        const [arr, off] = source(cell.inputs[slot]!);
        return `${arr}[${off === '0' ? '' : `${off} + `}${o}]!`;
      },
      param,
    });
    const js = ['{', ...renderLoops(formula, cell.shape, { flavor, inShapes, paramShapes }, (flat, v) => `${id}[${flat}] = ${v};`), '}'];
    if (cell.shape.length !== 1) {
      steps.push(...js);
      continue;
    }
    // a map, when every operand is in the heap (x is when the scan's input is a buffer)
    const operand = (slot: number): MapArg | undefined => {
      const r = cell.inputs[slot]!;
      if (r.kind === 'x' && !ctx.kernels?.resident(s.node.inputs[0]!)) return undefined;
      const [arr, off] = source(r);
      return { shape: inShapes[slot]!, rowStride: 0, ptr: `${arr}.byteOffset${off === '0' ? '' : ` + ${off} * ${B}`}` };
    };
    steps.push(...mapOr(ctx, { formula, v: outVar(0), n: cell.shape[0]!, rows: '1', y: `${id}.byteOffset`, inputs: operand, params: s.params }, js));
  }
  const E = s.out.shape[1]!;
  steps.push(`for (let j = 0; j < ${E}; j++) y0[yt + j] = ${cellIds[body.emit]}[j]!;`);
  for (const st of body.states) steps.push(`${stateIds[st.name]}.set(${cellIds[body.next[st.name]!]});`);
  return [...lines, ...time, ...steps, '}'];
}
