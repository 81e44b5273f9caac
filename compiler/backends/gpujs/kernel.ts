/**
 * One gpu.js kernel per compute step. The kernel computes a chunk of n examples at once: its
 * output is flat, `size * n` threads, thread.x = b * size + e. The body is the op's formula
 * rendered by the shared renderer for one element whose index variables i0, i1, ... are
 * derived here from the thread index.
 *
 * Written for what gpu.js can translate to GLSL, WGSL and WebAssembly: the source starts with
 * `function`, no closures, object literals or destructuring; every float literal has a decimal
 * point (GLSL has no implicit int->float); loops have constant bounds (gpu.js silently caps
 * loops bounded by arguments at 1000 iterations); index arithmetic avoids `%` and integer
 * division, whose float emulation is inexact on some GPUs: floor((a + 0.5) / c) lands half a
 * step from every integer boundary, so it is floor(a / c) unless the division is off by more
 * than 0.5 / c (GLSL allows 2.5 ulp: fine for |a| < 2^20, per-example indices); the thread index,
 * up to 2^24, is also corrected by its exact remainder.
 */
import { freeVars, outVar, type F } from '../../ir/formula.js';
import { numericView, walk } from '../../ir/traverse.js';
import { PRIMS } from '../../ir/prims.js';
import type { ParamRef, Plan, Step } from '../plan.js';
import { renderElement, type Flavor, type RenderCtx } from '../render.js';
import { isConst } from '../../ir/graph.js';
import { substVars } from '../../ir/substitute.js';
import type { Contraction } from '../numeric/contraction.js';
import { LANES } from './schedule.js';

/** Where a formula's input slot comes from. */
export type SlotSource =
  /**
   * A per-example value passed as kernel argument `x<slot>` (flat, batch-major, `size` elements
   * per example). With `row`, the slot is row `step` (a kernel argument) of width `row` of it:
   * a scan cell reading the current time step of its sequence.
   */
  | { readonly kind: 'value'; readonly size: number; readonly row?: number }
  /** A compile-time constant tensor, shared by every example, passed as a kernel constant. */
  | { readonly kind: 'const'; readonly id: string; readonly row?: number };

export interface KernelSpec {
  /** gpu.js kernel source. */
  readonly source: string;
  /** Kernel argument names, in order, with the slot each one reads. */
  readonly args: readonly { readonly name: string; readonly slot: number }[];
  /** Whether the kernel takes the time step as a last, extra argument (a number). */
  readonly step: boolean;
  /** `this.constants` entries: kernel-side name -> module-level identifier of the data. */
  readonly constants: Readonly<Record<string, string>>;
}

/** What one kernel computes: a formula over an output of `outShape`, per example. */
export interface ElementJob {
  readonly formula: F;
  readonly outShape: readonly number[];
  readonly inShapes: readonly (readonly number[])[];
  readonly params: Readonly<Record<string, ParamRef>>;
  /** Where each input slot comes from. */
  readonly slots: readonly SlotSource[];
}

/**
 * A float literal GLSL accepts: a decimal point or exponent always, negatives parenthesised.
 * NaN (embedding's out-of-range rows) has no literal: 0/0 gives it on IEEE devices.
 */
export function gpuNum(v: number): string {
  if (Number.isNaN(v)) return '(0.0 / 0.0)';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '(-Infinity)';
  let s = String(Math.abs(v));
  if (!/[.eE]/.test(s)) s += '.0';
  return v < 0 || Object.is(v, -0) ? `(-${s})` : s;
}

/**
 * gpu.js flavour: helpers from PRIMS[op].gpu, accumulators as plain float loops. Integers are
 * floats here, so int-input reads are rounded (exact below 2^24) and div/mod avoid `%` and a
 * bare division: floor((a + 0.5) / c) is floor(a / c) for every integer a (of either sign,
 * |a| < 2^23) whatever the rounding of the division.
 */
export function gpuFlavor(load: Pick<Flavor, 'input' | 'param'>): Flavor {
  const div = (a: string, c: number): string => `Math.floor((${a} + 0.5) / ${gpuNum(c)})`;
  return {
    ...load,
    index: (slot, o) => `Math.floor(${load.input(slot, o)} + 0.5)`,
    ixDiv: div,
    ixMod: (a, c) => `(${a} - ${gpuNum(c)} * ${div(a, c)})`,
    num: gpuNum,
    prim: (op, args) => (PRIMS[op].gpu as (...a: string[]) => string)(...args),
    reduceDecl: (op, acc) => `let ${acc} = ${op === 'sum' ? '0.0' : '-Infinity'};`,
    reduceStep: (op, acc, v) => (op === 'sum' ? `${acc} += ${v};` : `${acc} = Math.max(${acc}, ${v});`),
    reduceResult: (_op, acc) => acc,
    symbolic: false,
  };
}

/** Identifiers usable in GLSL too: letters and digits, no `__`, no `$`. */
function kernelIdent(base: string, taken: Set<string>): string {
  let id = base.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'v';
  if (!/^[A-Za-z]/.test(id)) id = `v${id}`;
  let name = id;
  for (let n = 2; taken.has(name); n++) name = `${id}${n}`;
  taken.add(name);
  return name;
}

/**
 * Statements binding i0, i1, ... of an output of `shape` from the element index `e`:
 * i_d = floor((rest + 0.5) / stride_d), rest -= i_d * stride_d. Only axes the formula uses.
 */
function indexBindings(shape: readonly number[], used: ReadonlySet<string>): string[] {
  const lines: string[] = [];
  let rest = 'e';
  const last = Math.max(-1, ...shape.map((_, d) => (used.has(outVar(d)) ? d : -1)));
  for (let d = 0; d <= last; d++) {
    const stride = shape.slice(d + 1).reduce((a, b) => a * b, 1);
    if (stride === 1) {
      // every later axis has length 1
      lines.push(`const ${outVar(d)} = ${rest};`);
      rest = '0.0';
      continue;
    }
    lines.push(`const ${outVar(d)} = Math.floor((${rest} + 0.5) / ${gpuNum(stride)});`);
    if (d < last) {
      lines.push(`const e${d + 1} = ${rest} - ${outVar(d)} * ${gpuNum(stride)};`);
      rest = `e${d + 1}`;
    }
  }
  return lines;
}

/**
 * Statements binding t (the thread), b (the example) and e (the element) for `size` elements
 * per example. b = floor((t + 0.5) / size) can be one off for large t where the division is
 * approximate (GLSL allows 2.5 ulp), so it is corrected by the remainder, which is exact.
 */
export function threadBindings(size: number): string[] {
  const n = gpuNum(size);
  return [
    'const t = this.thread.x;',
    `const q = Math.floor((t + 0.5) / ${n});`,
    `const r = t - q * ${n};`,
    `const b = q + (r >= ${n} ? 1.0 : 0.0) - (r < 0.0 ? 1.0 : 0.0);`,
    `const e = t - b * ${n};`,
  ];
}

/** Names of the parameters a formula reads. */
export function paramsUsed(f: F, out: Set<string> = new Set()): Set<string> {
  walk(numericView(f), (n) => void (n.k === 'param' && out.add(n.name)));
  return out;
}

/** Indents brace-structured lines by two spaces per level. */
function indent(lines: readonly string[], depth: number): string[] {
  let d = depth;
  return lines.map((l) => {
    if (l.startsWith('}')) d--;
    const out = `${'  '.repeat(d)}${l}`;
    if (l.endsWith('{')) d++;
    return out;
  });
}

/** The kernel of one step; `slots[i]` says where input slot i comes from. */
export function stepKernel(s: Step, slots: readonly SlotSource[]): KernelSpec {
  return elementKernel({
    formula: s.formula,
    outShape: s.out.shape,
    inShapes: s.inTypes.map((t) => t.shape),
    params: s.params,
    slots,
  });
}

/**
 * The kernel computing `job.formula` for a chunk of examples: thread t = b * size + e. Value
 * slots are arguments read at `b * size` (plus `step * row` for a sequence row), constants and
 * parameters are `this.constants`; a `step` argument comes last when some slot reads a row.
 */
export function elementKernel(job: ElementJob): KernelSpec {
  const taken = new Set<string>(['t', 'q', 'r', 'b', 'e', 'step']);
  const args: { name: string; slot: number }[] = [];
  const constants: Record<string, string> = {};
  const rowOffset = (row: number | undefined): string | null => (row === undefined ? null : `step * ${gpuNum(row)}`);
  const slotExpr = job.slots.map((src, slot) => {
    const name = kernelIdent(`x${slot}`, taken);
    if (src.kind === 'value') {
      args.push({ name, slot });
      const base = kernelIdent(`o${slot}`, taken);
      const row = rowOffset(src.row);
      return { array: name, base, init: `const ${base} = b * ${gpuNum(src.size)}${row ? ` + ${row}` : ''};` };
    }
    constants[name] = src.id;
    const row = rowOffset(src.row);
    const base = row ? kernelIdent(`o${slot}`, taken) : null;
    return { array: `this.constants.${name}`, base, init: row ? `const ${base} = ${row};` : null };
  });
  const used = paramsUsed(job.formula);
  const params = Object.fromEntries(
    Object.entries(job.params).filter(([p]) => used.has(p)).map(([p, ref]) => {
      const name = kernelIdent(p, taken);
      constants[name] = ref.id;
      return [p, name];
    }),
  );
  const at = (arr: string, base: string | null, offset: string): string =>
    `${arr}[${base === null ? offset : offset === '0' ? base : `${base} + ${offset}`}]`;
  const flavor = gpuFlavor({
    input: (slot, o) => {
      const x = slotExpr[slot]!;
      return at(x.array, x.base, o);
    },
    param: (name, o) => at(`this.constants.${params[name]!}`, null, o),
  });
  const ctx: RenderCtx = {
    flavor,
    inShapes: job.inShapes,
    paramShapes: Object.fromEntries(Object.entries(job.params).map(([k, v]) => [k, v.tensor.shape])),
  };
  const { stmts, value } = renderElement(job.formula, ctx);
  const size = job.outShape.reduce((a, b) => a * b, 1);
  const step = job.slots.some((src) => src.row !== undefined);
  const body = [
    ...threadBindings(size),
    ...indexBindings(job.outShape, freeVars(job.formula)),
    ...slotExpr.flatMap((x) => (x.init ? [x.init] : [])),
    ...stmts,
    `return ${value};`,
  ];
  const names = [...args.map((a) => a.name), ...(step ? ['step'] : [])];
  return { source: kernelSource(names, body), args, step, constants };
}

/** A kernel source: `function (args) {` + indented body + `}`. */
export function kernelSource(args: readonly string[], body: readonly string[]): string {
  return [`function (${args.join(', ')}) {`, ...indent(body, 1), '}'].join('\n');
}

/** Value slots of a step: graph inputs and earlier steps are per-example values, consts are shared. */
export function stepSlots(p: Plan, s: Step): SlotSource[] {
  const byId = new Map(p.graph.nodes.map((n) => [n.id, n]));
  return s.node.inputs.map((id) =>
    isConst(byId.get(id)!)
      ? { kind: 'const', id: p.value.get(id)! }
      : { kind: 'value', size: p.sizes.get(id)! },
  );
}

/**
 * The tiled kernel of a contraction step (schedule.ts): thread t = b * N4 + q computes outputs
 * 4q .. 4q+3 of example b and returns them as one texel. `this.constants.w` is the weight packed
 * four outputs to a texel (`R.packColumns`), read at k * N4 + q; x is packed (four k to a texel,
 * by its producer or a pack kernel). Lanes past N are zero.
 */
export function tiledKernel(s: Pick<ElementJob, 'outShape' | 'inShapes' | 'params'>, c: Contraction): KernelSpec {
  const { N, K } = c;
  const N4 = Math.ceil(N / LANES);
  const K4 = Math.ceil(K / LANES);
  const full = Math.floor(K / LANES);
  const lanes = [0, 1, 2, 3];
  const taken = new Set<string>(['t', 'q', 'r', 'b', 'e', 'x', 'w', 'k', 'k4', 'xv', ...lanes.flatMap((l) => [`s${l}`, `w${l}`, `x${l}`, `o${l}`, `v${l}`])]);
  const used = paramsUsed(c.epilogue);
  const constants: Record<string, string> = { w: `R.packColumns(${s.params[c.weight]!.id}, ${N}, ${K})` };
  const params = Object.fromEntries(
    Object.entries(s.params).filter(([p]) => used.has(p)).map(([p, ref]) => {
      const name = kernelIdent(p, taken);
      constants[name] = ref.id;
      return [p, name];
    }),
  );
  const n = gpuNum;
  // k = kk(j) for j < count: lane j of x's texel k4, and the weight texel of k
  const terms = (count: number, k4: string, kk: (j: number) => string): string[] => {
    const js = lanes.slice(0, count);
    return [
      `const xv = x[b * ${n(K4)} + ${k4}];`,
      ...js.map((j) => `const x${j} = xv[${j}];`),
      ...js.map((j) => `const w${j} = this.constants.w[(${kk(j)}) * ${n(N4)} + e];`),
      ...lanes.map((l) => `s${l} += ${js.map((j) => `w${j}[${l}] * x${j}`).join(' + ')};`),
    ];
  };
  const loop = full > 0
    ? [`for (let k4 = 0; k4 < ${full}; k4++) {`, 'const k = k4 * 4.0;', ...terms(LANES, 'k4', (j) => (j === 0 ? 'k' : `k + ${n(j)}`)), '}']
    : [];
  const tail = K % LANES ? ['{', ...terms(K % LANES, n(full), (j) => n(full * LANES + j)), '}'] : [];
  const epilogue = lanes.flatMap((l) => {
    const value = laneValue(s, c, l, `s${l}`, (name, o) => `this.constants.${params[name]!}[${o}]`);
    const pad = N % LANES !== 0 && l >= N % LANES;
    return [`const o${l} = 4.0 * e${l ? ` + ${n(l)}` : ''};`, `const v${l} = ${pad ? `o${l} < ${n(N)} ? ${value} : 0.0` : value};`];
  });
  const body = [
    ...threadBindings(N4),
    ...lanes.map((l) => `let s${l} = 0.0;`),
    ...loop,
    ...tail,
    ...epilogue,
    'return [v0, v1, v2, v3];',
  ];
  return { source: kernelSource(['x'], body), args: [{ name: 'x', slot: c.slot }], step: false, constants };
}

/**
 * Lane l's epilogue of a tiled step (gpu.js snippet syntax): its output index is `o<l>`, its sum
 * `acc`; `param(name, index)` reads a parameter.
 */
export function laneValue(s: Pick<ElementJob, 'outShape' | 'inShapes' | 'params'>, c: Contraction, l: number, acc: string, param: (name: string, o: string) => string): string {
  const f = substVars(c.epilogue, new Map([[outVar(s.outShape.length - 1), { k: 'var', name: `o${l}` }]]));
  const flavor = gpuFlavor({
    input: (slot) => {
      if (slot !== c.acc) throw new Error('internal: epilogue reads an input');
      return acc;
    },
    param,
  });
  const paramShapes = Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, v.tensor.shape]));
  const { stmts, value } = renderElement(f, { flavor, inShapes: [...s.inShapes, [c.N]], paramShapes });
  if (stmts.length) throw new Error('internal: a tiled epilogue with a reduction');
  return value;
}

/**
 * A kernel packing a value of `size` floats per example four to a texel: thread t = b * S4 + j
 * returns elements 4j .. 4j + 3 of example b, zero past `size`.
 */
export function packKernel(size: number): string {
  const S4 = Math.ceil(size / LANES);
  const lane = (l: number): string => {
    const at = `x[b * ${gpuNum(size)} + 4.0 * e${l ? ` + ${gpuNum(l)}` : ''}]`;
    return size % LANES !== 0 && l >= size % LANES ? `4.0 * e + ${gpuNum(l)} < ${gpuNum(size)} ? ${at} : 0.0` : at;
  };
  return kernelSource(['x'], [...threadBindings(S4), `return [${[0, 1, 2, 3].map(lane).join(', ')}];`]);
}

/** The inverse of packKernel: thread t = b * size + e returns lane e mod 4 of texel floor(e / 4) of example b. */
export function unpackKernel(size: number): string {
  const S4 = Math.ceil(size / LANES);
  return kernelSource(['x'], [
    ...threadBindings(size),
    'const j = Math.floor((e + 0.5) / 4.0);',
    'const l = e - 4.0 * j;',
    `const v = x[b * ${gpuNum(S4)} + j];`,
    'if (l < 0.5) {', 'return v[0];', '}',
    'if (l < 1.5) {', 'return v[1];', '}',
    'if (l < 2.5) {', 'return v[2];', '}',
    'return v[3];',
  ]);
}
