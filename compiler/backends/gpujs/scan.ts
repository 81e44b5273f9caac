/**
 * A scan step for the gpu runtime (runtime/gpuScan.ts): one kernel per cell, computing that cell
 * for a whole chunk of examples at one time step. The step t is a kernel argument (`step`), so
 * each cell's source is fixed and compiled once; the sequence is read at row t, states and
 * earlier cells are per-example values the runtime keeps on the device between launches.
 */
import type { CellRef } from '../../ir/scan.js';
import { lit } from '../names.js';
import { describe, type Plan, type ScanStep } from '../plan.js';
import { elementKernel, type SlotSource } from './kernel.js';
import { isConst } from '../../ir/graph.js';

/** A kernel source the module declares as a constant. */
export interface KernelDecl {
  readonly id: string;
  readonly doc: string;
  readonly source: string;
}

const cellSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Whether cell `c` needs two kernels used on alternate steps: a state takes its value, and a
 * cell at or after it in step order reads that state, i.e. reads the previous step's value after
 * the cell has run again (a kernel overwrites its output, and may not read it).
 */
export function needsPair(s: ScanStep, c: number): boolean {
  const { body } = s;
  const name = body.cells[c]!.name;
  return body.states.some(
    (st) =>
      body.next[st.name] === name &&
      body.cells.some((cell, j) => j >= c && cell.inputs.some((r) => r.kind === 'state' && r.name === st.name)),
  );
}

/**
 * The `GpuScan` object literal of a scan step and the cell kernel sources it names.
 * `valueIndex` maps graph nodes to the runner's value indices; `claim` hands out module identifiers.
 */
export function scanEntry(
  p: Plan,
  s: ScanStep,
  valueIndex: ReadonlyMap<number, number>,
  claim: (base: string) => string,
): { kernels: KernelDecl[]; literal: string } {
  const { body } = s;
  const byId = new Map(p.graph.nodes.map((n) => [n.id, n]));
  const constant = (node: number): boolean => isConst(byId.get(node)!);
  const seq = s.node.inputs[0]!;
  const F = s.inTypes[0]!.shape[1]!;
  const stateIx = new Map(body.states.map((st, i) => [st.name, i]));
  const cellIx = new Map(body.cells.map((c, i) => [c.name, i]));
  const kernels: KernelDecl[] = [];
  const cells = s.cells.map(({ cell, formula, inShapes }, c) => {
    const source = (r: CellRef): { slot: SlotSource; arg: string | null } => {
      if (r.kind === 'x') {
        return constant(seq)
          ? { slot: { kind: 'const', id: p.value.get(seq)!, row: F }, arg: null }
          : { slot: { kind: 'value', size: s.steps * F, row: F }, arg: `{ value: ${valueIndex.get(seq)!} }` };
      }
      if (r.kind === 'state') {
        const i = stateIx.get(r.name)!;
        return { slot: { kind: 'value', size: body.states[i]!.size }, arg: `{ state: ${i} }` };
      }
      const i = cellIx.get(r.name)!;
      return { slot: { kind: 'value', size: cellSize(body.cells[i]!.shape) }, arg: `{ cell: ${i} }` };
    };
    const sources = cell.inputs.map(source);
    const k = elementKernel({ formula, outShape: cell.shape, inShapes, params: s.params, slots: sources.map((x) => x.slot) });
    const id = claim(`k_${s.node.name}_${cell.name}`);
    kernels.push({ id, doc: `${describe(s)}: cell ${JSON.stringify(cell.name)} [${cell.shape.join(', ')}] at step \`step\`; thread.x = example * size + element`, source: k.source });
    const args = [...k.args.map((a) => sources[a.slot]!.arg), ...(k.step ? ['{ step: true }'] : [])];
    const constants = Object.entries(k.constants).map(([name, ref]) => `${name}: ${ref}`);
    return (
      `{ name: ${lit(cell.name)}, source: ${id}, size: ${cellSize(cell.shape)}, args: [${args.join(', ')}], ` +
      `constants: { ${constants.join(', ')} }, pair: ${needsPair(s, c)} }`
    );
  });
  const states = body.states.map((st) => {
    if (st.init === undefined) return `{ size: ${st.size}, init: null }`;
    const node = s.node.inputs[st.init]!;
    const init = constant(node) ? `{ constant: ${p.value.get(node)!} }` : `{ value: ${valueIndex.get(node)!} }`;
    return `{ size: ${st.size}, init: ${init} }`;
  });
  const emit = cellIx.get(body.emit);
  if (emit === undefined) throw new Error(`internal: scan emits unknown cell "${body.emit}"`);
  const next = body.states.map((st) => cellIx.get(body.next[st.name]!)!);
  const literal = [
    `{ kind: 'scan', layer: ${lit(s.node.name)}, size: ${p.sizes.get(s.node.id)}, steps: ${s.steps}, reverse: ${s.reverse}, `,
    `width: ${s.out.shape[1]}, states: [${states.join(', ')}], cells: [\n${cells.join(',\n')}], `,
    `next: [${next.join(', ')}], emit: ${emit} }`,
  ].join('');
  return { kernels, literal };
}
