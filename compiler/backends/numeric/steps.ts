/**
 * The numeric module's compute functions, one per step or per run of small steps. Each takes the
 * example count `n`, then (array, offset) for every value it reads and every value it writes;
 * example e of a value starts at offset + e * (its per-example size). Three kinds:
 *  - unrolled: consecutive small steps as straight-line code with literal weights (straight.ts),
 *    values passed between them in locals;
 *  - gemm: contractions too large to unroll, as register-tiled loops (gemm.ts);
 *  - loops: everything else, the shared renderer's loops once per example.
 * Scans are in scan.ts.
 */
import type { F } from '../../ir/formula.js';
import { formulaCost, outVar } from '../../ir/formula.js';
import { evalFormula } from '../../ir/interpret.js';
import { substVars } from '../../ir/substitute.js';
import { renderElement, renderLoops, type RenderCtx } from '../render.js';
import { describe, type Plan, type Step } from '../plan.js';
import { hasIndexLoad, matchContraction, numericView, type Contraction } from './contraction.js';
import { walk } from '../../ir/traverse.js';
import type { MapSpec } from './wasmMap.js';
import type { ScanCode } from './wasmScan.js';
import { gemmLines } from './gemm.js';
import { numericFlavor, type Precision } from './flavor.js';
import { bulkArray, CodeDag } from './straight.js';
import type { KernelKind } from './wasmKernel.js';
import type { Elem } from './weights.js';

/** A generated compute function: `name(n, a0, a0o, ..., y0, y0o, ...)`. */
export interface StepFn {
  readonly name: string;
  readonly doc: string;
  /** Nodes read, as parameters a0, a1, ... (each with an offset a0o, ...). */
  readonly ins: readonly number[];
  /** Nodes written, as parameters y0, y1, ... */
  readonly outs: readonly number[];
  readonly body: readonly string[];
  /** Parameter and constant tensors the body reads from module constants. */
  readonly tensors: readonly string[];
  /** WebAssembly kernels it calls. */
  readonly kernels?: readonly KernelKind[];
  /** Module-level statements it needs (its bulk-argument array). */
  readonly prelude?: readonly string[];
}

/** The WebAssembly kernels of a module that has them (heap mode). */
export interface KernelCtx {
  /** The kernels' exports. */
  readonly id: string;
  /** Element type of a weight the kernels read (stored transposed in the heap); undefined for other tensors. */
  elem(tensor: string): Elem | undefined;
  /** Heap buffers for inputs not in the heap and outputs written outside it. */
  readonly stageX: string;
  readonly stageY: string;
  /** Whether a node's value arrays are views of the heap (intermediates). */
  resident(node: number): boolean;
  /** The element type of any tensor's heap array. */
  paramElem(tensor: string): Elem | undefined;
  /** Registers an elementwise kernel; its name in the kernel instance, or undefined when the formula does not compile. */
  map(spec: MapSpec): string | undefined;
}

/** An operand of a map call: the shape the formula indexes, its row stride, and its byte-offset expression. */
export interface MapArg {
  readonly shape: readonly number[];
  readonly rowStride: number;
  readonly ptr: string;
}

/**
 * `formula` over rows x n elements (element variable `v`) as a WebAssembly map where the module
 * has kernels and the formula compiles, keeping `js` for engines without WebAssembly:
 * `if (K.map_i) { K.map_i(rows, y, ...); after } else { js }`. `inputs(slot)` is undefined
 * for an input outside the heap (the JS then runs always).
 */
export function mapOr(
  ctx: NumericCtx,
  m: {
    readonly formula: F;
    readonly v: string;
    readonly n: number;
    readonly rows: string;
    readonly y: string;
    readonly inputs: (slot: number) => MapArg | undefined;
    readonly params: Readonly<Record<string, { readonly id: string; readonly tensor: { readonly shape: readonly number[] } }>>;
    readonly after?: readonly string[];
  },
  js: readonly string[],
): string[] {
  const k = ctx.kernels;
  if (!k) return [...js];
  const slots = new Set<number>();
  const names = new Set<string>();
  walk(numericView(m.formula), (g) => void (g.k === 'input' ? slots.add(g.slot) : g.k === 'param' && names.add(g.name)));
  const inputs = new Map<number, MapArg>();
  for (const slot of slots) {
    const a = m.inputs(slot);
    if (!a) return [...js];
    inputs.set(slot, a);
  }
  const params: Record<string, { elem: Elem; shape: readonly number[] }> = {};
  for (const name of names) {
    const p = m.params[name];
    const elem = p && k.paramElem(p.id);
    if (!p || !elem) return [...js];
    params[name] = { elem, shape: p.tensor.shape };
  }
  const fn = k.map({ formula: m.formula, v: m.v, n: m.n, precision: ctx.precision, inputs, params });
  if (!fn) return [...js];
  const args = [m.rows, m.y, ...[...slots].sort((a, b) => a - b).map((s) => inputs.get(s)!.ptr), ...Object.keys(params).sort().map((n) => `${m.params[n]!.id}.byteOffset`)];
  return [`if (${k.id}.${fn}) {`, `${k.id}.${fn}(${args.join(', ')});`, ...(m.after ?? []), '} else {', ...js, '}'];
}

export interface NumericCtx {
  readonly plan: Plan;
  readonly precision: Precision;
  /** Per-example stride of a node's value in the arrays passed around (0 for constants). */
  stride(node: number): number;
  isConst(node: number): boolean;
  /** A fresh function name. */
  claim(base: string): string;
  readonly kernels?: KernelCtx;
  /**
   * Scans of straight-line cells as WebAssembly (wasmScan.ts): registers one, given its input and
   * output shapes per example; its staging arrays (module statements) and its call, which runs
   * `js` where the instance lacks it.
   */
  readonly scans?: { add(c: ScanCode, inShape: readonly number[], outShape: readonly number[]): { prelude: string[]; call(js: readonly string[]): string[] } };
}

/** Straight-line code is emitted for runs of steps costing at most this many scalar operations. */
export const UNROLL_MAX = 3000;

export function stepCost(s: Step): number {
  return s.out.shape.reduce((a, b) => a * b, 1) * formulaCost(numericView(s.formula));
}

export function unrollable(s: Step): boolean {
  return !hasIndexLoad(s.formula) && s.out.dtype === 'float' && stepCost(s) <= UNROLL_MAX;
}

const paramShapes = (s: Step): Record<string, readonly number[]> =>
  Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, v.tensor.shape]));

export function contractionOf(s: Step): Contraction | undefined {
  return matchContraction(s.formula, s.out.shape, s.inTypes.map((t) => t.shape), paramShapes(s));
}

/** Parameters (a0, a0o), ... for `ins`, and the per-example loop advancing every offset. */
function exampleLoop(ctx: NumericCtx, ins: readonly number[], outs: readonly number[], body: readonly string[]): string[] {
  const steps = [
    ...ins.map((u, k) => [`a${k}o`, ctx.stride(u)] as const),
    ...outs.map((u, k) => [`y${k}o`, ctx.stride(u)] as const),
  ].filter(([, s]) => s > 0);
  return [`for (let e = 0; e < n; e++${steps.map(([o, s]) => `, ${o} += ${s}`).join('')}) {`, ...body, '}'];
}

/** A run of small formula steps as one straight-line function. */
export function unrolledFn(ctx: NumericCtx, steps: readonly Step[], needed: (node: number) => boolean): StepFn {
  const dag = new CodeDag(ctx.precision);
  const vals = new Map<number, number[]>();
  const ins: number[] = [];
  const single = new Set(steps.flatMap((s) => s.node.inputs)).size === 1;
  const external = (u: number): number[] => {
    const node = ctx.plan.graph.nodes.find((m) => m.id === u)!;
    if (ctx.isConst(u)) return Array.from(node.params.value!.data, (v) => dag.num(v));
    const k = ins.length;
    ins.push(u);
    const n = ctx.plan.sizes.get(u)!;
    return Array.from({ length: n }, (_, j) => dag.load(`a${k}[${j === 0 ? `a${k}o` : `a${k}o + ${j}`}]!`, single ? `x${j}` : `x${k}_${j}`));
  };
  for (const s of steps) {
    const inputs = s.node.inputs.map((u, slot) => {
      if (!vals.has(u)) vals.set(u, external(u));
      return { shape: s.inTypes[slot]!.shape, data: vals.get(u)! };
    });
    const params = Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, v.tensor]));
    vals.set(s.node.id, evalFormula(s.formula, s.out.shape, inputs, params, dag.algebra()));
  }
  const outs = steps.map((s) => s.node.id).filter(needed);
  const sinks = outs.flatMap((u, k) => vals.get(u)!.map((value, j) => ({ target: `y${k}[${j === 0 ? `y${k}o` : `y${k}o + ${j}`}]`, value })));
  let t = 0;
  const names = steps.map((s) => s.node.name);
  const name = ctx.claim(`f_${names.join('_')}`);
  const bulk = { name: ctx.claim(`g_${name}`), size: 0 };
  const body = dag.print(sinks, () => `t${t++}`, [], bulk);
  return {
    prelude: bulkArray(ctx.precision, bulk),
    name,
    doc: `${steps.map(describe).join('; ')} (straight-line)`,
    ins,
    outs,
    body: exampleLoop(ctx, ins, outs, body),
    tensors: [],
  };
}

/** The kernel for a weight array of element type `w` in a module of `precision`. */
export function kernelKind(precision: Precision, w: Elem): KernelKind {
  return precision === 'float32' ? 'f32' : w === 'f32' ? 'f64w32' : 'f64w64';
}

/**
 * Code of a contraction's epilogue at output index `o` (an expression), given the accumulator
 * `acc`; null when the epilogue is the accumulator itself.
 */
export function epilogueCode(
  precision: Precision,
  c: Contraction,
  rank: number,
  inShapes: readonly (readonly number[])[],
  params: Readonly<Record<string, { readonly id: string; readonly tensor: { readonly shape: readonly number[] } }>>,
): ((acc: string, o: string) => string) | null {
  if (c.epilogue.k === 'input') return null;
  const last = outVar(rank - 1);
  const shapes = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.tensor.shape]));
  return (acc, o) => {
    const flavor = numericFlavor(precision, {
      input: (slot) => {
        if (slot !== c.acc) throw new Error('internal: epilogue reads an input');
        return acc;
      },
      param: (name, off) => `${params[name]!.id}[${off}]!`,
    });
    const f = substVars(c.epilogue, new Map([[last, { k: 'var', name: o.includes(' ') ? `(${o})` : o }]]));
    const { stmts, value } = renderElement(f, { flavor, inShapes: [...inShapes, [c.N]], paramShapes: shapes });
    if (stmts.length) throw new Error('internal: epilogue with a reduction');
    return value;
  };
}

/** A contraction step: the WebAssembly kernel when its weight is a kernel weight, else register-tiled loops. */
export function gemmFn(ctx: NumericCtx, s: Step, c: Contraction): StepFn {
  const w = s.params[c.weight]!.id;
  const inShapes = s.inTypes.map((t) => t.shape);
  const epi = epilogueCode(ctx.precision, c, s.out.shape.length, inShapes, s.params);
  const common = { name: ctx.claim(`f_${s.node.name}`), ins: [s.node.inputs[c.slot]!], outs: [s.node.id], tensors: Object.values(s.params).map((p) => p.id) };
  const elem = ctx.kernels?.elem(w);
  if (ctx.kernels && elem) {
    const kind = kernelKind(ctx.precision, elem);
    const B = ctx.precision === 'float32' ? 4 : 8;
    const xIn = ctx.kernels.resident(s.node.inputs[c.slot]!);
    const yIn = ctx.kernels.resident(s.node.id);
    const { stageX, stageY } = ctx.kernels;
    const body = [
      `const rows = ${c.rows === 1 ? 'n' : `n * ${c.rows}`};`,
      ...(xIn ? [] : [`${stageX}.set(a0.subarray(a0o, a0o + rows * ${c.K}));`]),
      `${ctx.kernels.id}.gemm_${kind}(${w}.byteOffset, ${xIn ? `a0.byteOffset + a0o * ${B}` : `${stageX}.byteOffset`}, ` +
        `${yIn ? `y0.byteOffset + y0o * ${B}` : `${stageY}.byteOffset`}, rows, ${c.N}, ${c.K});`,
    ];
    if (epi || !yIn) {
      const src = yIn ? 'y0' : stageY;
      const js = [
        `for (let m = 0, p = y0o, q = ${yIn ? 'y0o' : '0'}; m < rows; m++) {`,
        `for (let o = 0; o < ${c.N}; o++, p++, q++) y0[p] = ${epi ? epi(`${src}[q]!`, 'o') : `${src}[q]!`};`,
        '}',
      ];
      if (!epi) body.push(`y0.set(${stageY}.subarray(0, rows * ${c.N}), y0o);`);
      else {
        // the epilogue in place where the kernel wrote, then out of the staging buffer
        const at = yIn ? `y0.byteOffset + y0o * ${B}` : `${stageY}.byteOffset`;
        const after = yIn ? [] : [`y0.set(${stageY}.subarray(0, rows * ${c.N}), y0o);`];
        const acc = (slot: number): MapArg | undefined => (slot === c.acc ? { shape: [c.N], rowStride: c.N, ptr: at } : undefined);
        body.push(...mapOr(ctx, { formula: c.epilogue, v: outVar(s.out.shape.length - 1), n: c.N, rows: 'rows', y: at, inputs: acc, params: s.params, after }, js));
      }
    }
    return { ...common, doc: `${describe(s)} (WebAssembly SIMD inner products)`, body, kernels: [kind] };
  }
  const body = gemmLines(c, { n: 'n', x: 'a0', xo: 'a0o', y: 'y0', yo: 'y0o', w, epilogue: epi ?? ((acc) => acc) }, ctx.precision);
  return { ...common, doc: `${describe(s)} (tiled inner products)`, body };
}

/** Any formula step: the shared renderer's loops, once per example. */
export function loopsFn(ctx: NumericCtx, s: Step): StepFn {
  const flavor = numericFlavor(ctx.precision, {
    input: (slot, o) => `a${slot}[a${slot}o + ${o}]!`,
    param: (name, o) => `${s.params[name]!.id}[${o}]!`,
  });
  const rctx: RenderCtx = { flavor, inShapes: s.inTypes.map((t) => t.shape), paramShapes: paramShapes(s) };
  const body = renderLoops(s.formula, s.out.shape, rctx, (flat, v) => `y0[y0o + ${flat}] = ${v};`);
  return {
    name: ctx.claim(`f_${s.node.name}`),
    doc: describe(s),
    ins: s.node.inputs,
    outs: [s.node.id],
    body: exampleLoop(ctx, s.node.inputs, [s.node.id], body),
    tensors: Object.values(s.params).map((p) => p.id),
  };
}
