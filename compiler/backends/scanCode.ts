/**
 * Loop code of a scan step, shared by the numeric and symbolic backends: initial states, then per
 * time step every cell rendered by the shared formula renderer, the emitted row, the state update.
 * A backend supplies its flavour and how buffers are declared and states advanced.
 */
import type { Flavor } from './render.js';
import { renderLoops } from './render.js';
import { describe, type Plan, type ScanStep } from './plan.js';

export interface ScanStyle {
  /** The backend's flavour around the given loads. */
  flavor(load: Pick<Flavor, 'input' | 'param'>): Flavor;
  /** Statements setting state buffer `id` (of `size`) to zeros, or to `from(j)` element-wise. */
  initState(id: string, size: number, from: ((j: string) => string) | null): string[];
  /** Statements run before a cell's loops (e.g. allocating its buffer). */
  beginCell(id: string, size: number): string[];
  /** Statement making state `state` take the value of cell `cell` after a step. */
  advance(state: string, cell: string): string;
}

/** `at(node)` gives the code of element `o` of a node's value (with its offset). */
export function scanLines(p: Plan, s: ScanStep, at: (node: number, o: string) => string, style: ScanStyle): string[] {
  const { body, steps: T, stateIds, cellIds } = s;
  const F = s.inTypes[0]!.shape[1]!;
  const seq = s.node.inputs[0]!;
  const lines = [`// ${describe(s)}`, '{'];
  for (const st of body.states) {
    const from = st.init !== undefined ? (j: string) => at(s.node.inputs[st.init!]!, j) : null;
    lines.push(...style.initState(stateIds[st.name]!, st.size, from));
  }
  lines.push(`for (let step = 0; step < ${T}; step++) {`, `const t = ${s.reverse ? `${T - 1} - step` : 'step'};`);
  for (const { cell, formula, inShapes } of s.cells) {
    const flavor = style.flavor({
      input: (slot, o) => {
        const r = cell.inputs[slot]!;
        if (r.kind === 'x') return at(seq, `t * ${F} + ${o}`);
        return `${r.kind === 'state' ? stateIds[r.name] : cellIds[r.name]}[${o}]!`;
      },
      param: (name, o) => `${s.params[name]!.id}[${o}]!`,
    });
    const ctx = { flavor, inShapes, paramShapes: Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, v.tensor.shape])) };
    const id = cellIds[cell.name]!;
    const size = cell.shape.reduce((a, b) => a * b, 1);
    lines.push(...style.beginCell(id, size), '{', ...renderLoops(formula, cell.shape, ctx, (flat, v) => `${id}[${flat}] = ${v};`), '}');
  }
  const emit = cellIds[body.emit]!;
  const E = s.out.shape[1]!;
  lines.push(`for (let j = 0; j < ${E}; j++) ${at(s.node.id, `t * ${E} + j`).replace(/!$/, '')} = ${emit}[j]!;`);
  for (const st of body.states) lines.push(style.advance(stateIds[st.name]!, cellIds[body.next[st.name]!]!));
  lines.push('}', '}');
  return lines;
}
