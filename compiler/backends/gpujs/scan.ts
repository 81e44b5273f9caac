/**
 * A scan step for the gpu runtime (runtime/gpuScan.ts): one kernel per cell, computing that cell
 * for a whole chunk of examples at one time step. The step t is a kernel argument (`step`), so
 * each cell's source is fixed and compiled once; the sequence is read at row t, states and
 * earlier cells are per-example values the runtime keeps on the device between launches.
 *
 * A cell that is a contraction over a state or an earlier cell (the recurrent product W_hh h + b)
 * runs tiled (schedule.ts): three cells, its x packed, the tiled kernel, its value unpacked under
 * the cell's own name, so the other cells read it as before; the tiled cell keeps its one-float
 * kernel for kernel kinds without tiles, where the pack and unpack cells pass values through.
 */
import type { CellRef } from '../../ir/scan.js';
import { lit } from '../names.js';
import { describe, type Plan, type ScanStep } from '../plan.js';
import { elementKernel, packKernel, tiledKernel, unpackKernel, type KernelSpec, type SlotSource } from './kernel.js';
import { LANES, tiledContraction } from './schedule.js';
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
  const cells: string[] = [];
  /** Each cell's index in the emitted list: where its value (one float per thread) is. */
  const cellAt = new Map<string, number>();
  s.cells.forEach(({ cell, formula, inShapes }, c) => {
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
      return { slot: { kind: 'value', size: cellSize(body.cells[i]!.shape) }, arg: `{ cell: ${cellAt.get(r.name)!} }` };
    };
    const sources = cell.inputs.map(source);
    const k = elementKernel({ formula, outShape: cell.shape, inShapes, params: s.params, slots: sources.map((x) => x.slot) });
    const id = claim(`k_${s.node.name}_${cell.name}`);
    kernels.push({ id, doc: `${describe(s)}: cell ${JSON.stringify(cell.name)} [${cell.shape.join(', ')}] at step \`step\`; thread.x = example * size + element`, source: k.source });
    const args = [...k.args.map((a) => sources[a.slot]!.arg), ...(k.step ? ['{ step: true }'] : [])];
    const fields = (spec: KernelSpec, kid: string, as: readonly (string | null)[]): string =>
      `source: ${kid}, args: [${as.join(', ')}], constants: { ${Object.entries(spec.constants).map(([name, ref]) => `${name}: ${ref}`).join(', ')} }`;
    const N = cellSize(cell.shape);
    // a contraction over a state or an earlier cell runs tiled: pack its x, the tiled kernel, unpack
    const c4 = needsPair(s, c) ? undefined : tiledContraction(formula, cell.shape, inShapes, s.params);
    const x = c4 && cell.inputs[c4.slot]!;
    if (!c4 || !x || x.kind === 'x') {
      cellAt.set(cell.name, cells.push(`{ name: ${lit(cell.name)}, size: ${N}, ${fields(k, id, args)}, pair: ${needsPair(s, c)} }`) - 1);
      return;
    }
    const K = c4.K;
    const packId = claim(`k_${s.node.name}_${cell.name}_pack`);
    kernels.push({ id: packId, doc: `${describe(s)}: the x of cell ${JSON.stringify(cell.name)} packed four floats to a texel`, source: packKernel(K) });
    const pack = cells.push(`{ name: ${lit(`${cell.name} (pack)`)}, size: ${K}, texels: ${Math.ceil(K / LANES)}, source: ${packId}, args: [${sources[c4.slot]!.arg}], constants: {}, pair: false, repack: true }`) - 1;
    const t = tiledKernel({ outShape: cell.shape, inShapes, params: s.params }, c4);
    const tiledId = claim(`k_${s.node.name}_${cell.name}_tiled`);
    kernels.push({ id: tiledId, doc: `${describe(s)}: cell ${JSON.stringify(cell.name)}, tiled: ${LANES} outputs per thread`, source: t.source });
    const tiled = cells.push(`{ name: ${lit(`${cell.name} (tiled)`)}, size: ${N}, texels: ${Math.ceil(N / LANES)}, ${fields(t, tiledId, [`{ cell: ${pack} }`])}, pair: false, untiled: { ${fields(k, id, args)} } }`) - 1;
    const unpackId = claim(`k_${s.node.name}_${cell.name}_unpack`);
    kernels.push({ id: unpackId, doc: `${describe(s)}: cell ${JSON.stringify(cell.name)} unpacked, one float per thread`, source: unpackKernel(N) });
    cellAt.set(cell.name, cells.push(`{ name: ${lit(cell.name)}, size: ${N}, source: ${unpackId}, args: [{ cell: ${tiled} }], constants: {}, pair: false, repack: true }`) - 1);
  });
  const states = body.states.map((st) => {
    if (st.init === undefined) return `{ size: ${st.size}, init: null }`;
    const node = s.node.inputs[st.init]!;
    const init = constant(node) ? `{ constant: ${p.value.get(node)!} }` : `{ value: ${valueIndex.get(node)!} }`;
    return `{ size: ${st.size}, init: ${init} }`;
  });
  const emit = cellAt.get(body.emit);
  if (emit === undefined) throw new Error(`internal: scan emits unknown cell "${body.emit}"`);
  const next = body.states.map((st) => cellAt.get(body.next[st.name]!)!);
  const literal = [
    `{ kind: 'scan', layer: ${lit(s.node.name)}, size: ${p.sizes.get(s.node.id)}, steps: ${s.steps}, reverse: ${s.reverse}, `,
    `width: ${s.out.shape[1]}, states: [${states.join(', ')}], cells: [\n${cells.join(',\n')}], `,
    `next: [${next.join(', ')}], emit: ${emit} }`,
  ].join('');
  return { kernels, literal };
}
