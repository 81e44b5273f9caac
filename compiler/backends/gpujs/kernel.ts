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
 * division, whose float emulation is inexact on some GPUs: floor((t + 0.5) / s) is exact for
 * integers t < 2^24 whatever the rounding of the division.
 */
import { freeVars, outVar } from '../../ir/formula.js';
import { PRIMS } from '../../ops/prims.js';
import type { Plan, Step } from '../plan.js';
import { renderElement, type Flavor, type RenderCtx } from '../render.js';

/** Where a step's input slot comes from. */
export type SlotSource =
  /** A per-example value passed as kernel argument `x<slot>` (flat, batch-major). */
  | { readonly kind: 'value'; readonly size: number }
  /** A compile-time constant tensor, shared by every example, passed as a kernel constant. */
  | { readonly kind: 'const'; readonly id: string };

export interface KernelSpec {
  /** gpu.js kernel source. */
  readonly source: string;
  /** Kernel argument names, in order, with the slot each one reads. */
  readonly args: readonly { readonly name: string; readonly slot: number }[];
  /** `this.constants` entries: kernel-side name -> module-level identifier of the data. */
  readonly constants: Readonly<Record<string, string>>;
}

/** A float literal GLSL accepts: a decimal point or exponent always, negatives parenthesised. */
export function gpuNum(v: number): string {
  if (Number.isNaN(v)) throw new Error('internal: NaN literal in a gpu kernel');
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '(-Infinity)';
  let s = String(Math.abs(v));
  if (!/[.eE]/.test(s)) s += '.0';
  return v < 0 || Object.is(v, -0) ? `(-${s})` : s;
}

/** gpu.js flavour: helpers from PRIMS[op].gpu, accumulators as plain float loops. */
export function gpuFlavor(load: Pick<Flavor, 'input' | 'param'>): Flavor {
  return {
    ...load,
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
  const taken = new Set<string>();
  const args: { name: string; slot: number }[] = [];
  const constants: Record<string, string> = {};
  const slotExpr = slots.map((src, slot) => {
    if (src.kind === 'value') {
      const name = kernelIdent(`x${slot}`, taken);
      args.push({ name, slot });
      return { kind: 'value' as const, name, size: src.size, base: kernelIdent(`o${slot}`, taken) };
    }
    const name = kernelIdent(`x${slot}`, taken);
    constants[name] = src.id;
    return { kind: 'const' as const, name };
  });
  const params = Object.fromEntries(
    Object.entries(s.params).map(([p, ref]) => {
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
      return x.kind === 'value' ? at(x.name, x.base, o) : at(`this.constants.${x.name}`, null, o);
    },
    param: (name, o) => at(`this.constants.${params[name]!}`, null, o),
  });
  const ctx: RenderCtx = {
    flavor,
    inShapes: s.inTypes.map((t) => t.shape),
    paramShapes: Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, v.tensor.shape])),
  };
  const { stmts, value } = renderElement(s.formula, ctx);
  const size = s.out.shape.reduce((a, b) => a * b, 1);
  const used = freeVars(s.formula);
  const bases = slotExpr.flatMap((x) =>
    x.kind === 'value' ? [`const ${x.base} = b * ${gpuNum(x.size)};`] : [],
  );
  const body = [
    'const t = this.thread.x;',
    `const b = Math.floor((t + 0.5) / ${gpuNum(size)});`,
    `const e = t - b * ${gpuNum(size)};`,
    ...indexBindings(s.out.shape, used),
    ...bases,
    ...stmts,
    `return ${value};`,
  ];
  const source = [`function (${args.map((a) => a.name).join(', ')}) {`, ...indent(body, 1), '}'].join('\n');
  return { source, args, constants };
}

/** Value slots of a step: graph inputs and earlier steps are per-example values, consts are shared. */
export function stepSlots(p: Plan, s: Step): SlotSource[] {
  const byId = new Map(p.graph.nodes.map((n) => [n.id, n]));
  return s.node.inputs.map((id) =>
    byId.get(id)!.op === 'const'
      ? { kind: 'const', id: p.value.get(id)! }
      : { kind: 'value', size: p.sizes.get(id)! },
  );
}
