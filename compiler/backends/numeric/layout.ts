/**
 * How a numeric module is laid out: its steps grouped into compute functions (runs of small
 * steps, contractions, loops, scans), the values kept in buffers, the block size, the tensors the
 * code reads, and whether WebAssembly kernels (and so one heap) are used, with the weights they read.
 */
import { isConst, type Graph } from '../../ir/graph.js';
import { outputNodes, type AnyStep, type Plan, type ScanStep, type Step } from '../plan.js';
import type { Contraction } from './contraction.js';
import { matchContraction } from './contraction.js';
import { scanUnrollable } from './scan.js';
import { contractionOf, stepCost, unrollable, UNROLL_MAX } from './steps.js';
import { INLINE_MAX } from './weights.js';

/** Multiply-adds per example from which a contraction with small weights still runs in the WebAssembly kernels. */
const KERNEL_WORK_MIN = 4096;

/** Examples per block: intermediates for a block stay within this many elements. */
const BLOCK_ELEMENTS = 1 << 18;
const BLOCK_MAX = 32;

export type Group =
  | { readonly kind: 'run'; readonly steps: readonly Step[]; readonly from: number }
  | { readonly kind: 'gemm'; readonly step: Step; readonly c: Contraction }
  | { readonly kind: 'loops'; readonly step: Step }
  | { readonly kind: 'scan'; readonly step: ScanStep; readonly unrolled: boolean };

/** Steps grouped into compute functions: runs of small steps, tiled contractions, loops, scans. */
export function groupSteps(p: Plan): Group[] {
  const groups: Group[] = [];
  let run: { from: number; steps: Step[]; cost: number } | null = null;
  const flush = (): void => {
    if (run) groups.push({ kind: 'run', steps: run.steps, from: run.from });
    run = null;
  };
  p.steps.forEach((s, k) => {
    if (s.kind === 'formula' && unrollable(s)) {
      const cost = stepCost(s);
      if (run && run.cost + cost > UNROLL_MAX) flush();
      run ??= { from: k, steps: [], cost: 0 };
      run.steps.push(s);
      run.cost += cost;
      return;
    }
    flush();
    if (s.kind === 'scan') {
      groups.push({ kind: 'scan', step: s, unrolled: scanUnrollable(s) });
      return;
    }
    const c = contractionOf(s);
    groups.push(c ? { kind: 'gemm', step: s, c } : { kind: 'loops', step: s });
  });
  flush();
  return groups;
}

const cellSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export interface Layout {
  readonly groups: readonly Group[];
  /** Node values written to arrays by each group (outputs of a run that leave it). */
  written(gr: Group): number[];
  /** Intermediate values kept in module buffers (block × size each). */
  readonly buffers: readonly number[];
  readonly block: number;
  readonly consts: ReadonlySet<number>;
  isIo(node: number): boolean;
  /** Ids of the parameter and constant tensors the code reads from module constants. */
  readonly tensors: ReadonlySet<string>;
  /** Scratch buffers of looped scans: [id, elements]. */
  readonly scratch: readonly (readonly [string, number])[];
  /** WebAssembly kernels (a large contraction reads a stored weight). */
  readonly heap: boolean;
  /** The weights the kernels read, by tensor id, with their [N, K] (stored transposed). */
  readonly kernelWeights: ReadonlyMap<string, { readonly N: number; readonly K: number }>;
  /** Elements of the staging buffers for kernel inputs outside the heap and net outputs. */
  readonly stageX: number;
  readonly stageY: number;
}

export function layout(g: Graph, p: Plan): Layout {
  const groups = groupSteps(p);
  const outs = outputNodes(p);
  const consts = new Set(g.nodes.filter(isConst).map((n) => n.id));
  const isIo = (u: number): boolean => outs.has(u) || g.inputs.includes(u);
  const consumers = new Map<number, number[]>();
  p.steps.forEach((s, k) => s.node.inputs.forEach((u) => consumers.set(u, [...(consumers.get(u) ?? []), k])));
  const written = (gr: Group): number[] => {
    if (gr.kind !== 'run') return [gr.step.node.id];
    const inside = (k: number): boolean => k >= gr.from && k < gr.from + gr.steps.length;
    return gr.steps.map((s) => s.node.id).filter((u) => outs.has(u) || (consumers.get(u) ?? []).some((k) => !inside(k)));
  };
  const buffers = [...new Set(groups.flatMap(written))].filter((u) => !isIo(u));
  const perExample = buffers.reduce((a, u) => a + p.sizes.get(u)!, 0);
  let block = BLOCK_MAX;
  while (block > 1 && block * perExample > BLOCK_ELEMENTS) block >>= 1;
  const tensors = new Set<string>();
  const scratch: [string, number][] = [];
  for (const gr of groups) {
    if (gr.kind === 'run') continue;
    const looped = gr.kind !== 'scan' || !gr.unrolled;
    if (looped) Object.values(gr.step.params).forEach((r) => tensors.add(r.id));
    if (gr.kind === 'scan' && looped) {
      const s = gr.step;
      scratch.push(...s.body.states.map((st) => [s.stateIds[st.name]!, st.size] as [string, number]));
      scratch.push(...s.body.cells.map((c) => [s.cellIds[c.name]!, c.shape.reduce((a, b) => a * b, 1)] as [string, number]));
    }
    for (const u of gr.step.node.inputs) if (consts.has(u)) tensors.add(p.value.get(u)!);
  }
  const big = (s: AnyStep, w: string): boolean => s.params[w]!.tensor.data.length > INLINE_MAX;
  // the kernels: large contractions whose input is in the heap (a scan's x is when it is a buffer)
  const kernelWeights = new Map<string, { N: number; K: number }>();
  for (const gr of groups) {
    // a contraction runs in the kernels when its weight is large, or its work per example is
    // (a recurrent layer's input projection: few weights, one product per time step)
    const work = (c: Contraction): number => c.rows * c.N * c.K;
    if (gr.kind === 'gemm' && (big(gr.step, gr.c.weight) || work(gr.c) >= KERNEL_WORK_MIN)) kernelWeights.set(gr.step.params[gr.c.weight]!.id, { N: gr.c.N, K: gr.c.K });
    if (gr.kind !== 'scan' || gr.unrolled) continue;
    const s = gr.step;
    const paramShapes = Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, v.tensor.shape]));
    for (const { cell, formula, inShapes } of s.cells) {
      const c = matchContraction(formula, cell.shape, inShapes, paramShapes);
      const resident = cell.inputs[c?.slot ?? 0]!.kind !== 'x' || buffers.includes(s.node.inputs[0]!);
      if (c && big(s, c.weight) && resident) kernelWeights.set(s.params[c.weight]!.id, { N: c.N, K: c.K });
    }
  }
  const heap = kernelWeights.size > 0;
  const stage = (f: (gr: Extract<Group, { kind: 'gemm' }>) => number): number =>
    Math.max(0, ...groups.map((gr) => (gr.kind === 'gemm' ? f(gr) : 0)));
  return {
    groups,
    written,
    buffers,
    block,
    consts,
    isIo,
    tensors,
    scratch,
    heap,
    kernelWeights,
    stageX: stage((gr) => (buffers.includes(gr.step.node.inputs[gr.c.slot]!) ? 0 : block * gr.c.rows * gr.c.K)),
    stageY: stage((gr) => (outs.has(gr.step.node.id) ? block * gr.c.rows * gr.c.N : 0)),
  };
}
