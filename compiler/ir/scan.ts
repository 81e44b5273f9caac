/**
 * A scan: a recurrent loop over time whose step is a small program of per-element formulas.
 * Recurrent layers (rnn, lstm, gru) expand into scans (one per layer and direction) plus
 * ordinary ops (concat, take). Every backend runs a scan as: states <- initial values; for each
 * step t (reversed when `reverse`): evaluate the cells in order, emit one cell into row t of
 * the output, then copy each state's next cell into the state.
 */
import type { F } from './formula.js';

/** What a cell formula's input slot reads. */
export type CellRef =
  /** The sequence row of the current step (shape [features]). */
  | { readonly kind: 'x' }
  /** A state's value from the previous step. */
  | { readonly kind: 'state'; readonly name: string }
  /** An earlier cell of this step. */
  | { readonly kind: 'cell'; readonly name: string };

export interface Cell {
  readonly name: string;
  readonly inputs: readonly CellRef[];
  readonly shape: readonly number[];
  readonly formula: F;
}

export interface ScanBody {
  /** States, each a vector; `init` is the scan node's input slot holding it (absent: zeros). */
  readonly states: readonly { readonly name: string; readonly size: number; readonly init?: number }[];
  readonly cells: readonly Cell[];
  /** state name -> the cell whose value it takes after each step. */
  readonly next: Readonly<Record<string, string>>;
  /** The cell written to the output row of each step. */
  readonly emit: string;
}

/** Attributes of a `scan` node (the sequence is input slot 0, shape [steps, features]). */
export interface ScanAttrs {
  readonly steps: number;
  readonly reverse: boolean;
}

export function cellRefSize(body: ScanBody, features: number, r: CellRef): number {
  if (r.kind === 'x') return features;
  if (r.kind === 'state') return body.states.find((s) => s.name === r.name)!.size;
  return body.cells.find((c) => c.name === r.name)!.shape.reduce((a, b) => a * b, 1);
}

/** A scan node's output type: one emitted row per step. Checks its inputs against the body. */
export function scanShape(body: ScanBody, attrs: ScanAttrs, ins: readonly { shape: readonly number[] }[]): number[] {
  const seq = ins[0]!.shape;
  if (seq.length !== 2 || seq[0] !== attrs.steps) {
    throw new Error(`internal: scan expects a sequence [${attrs.steps}, features], got [${seq.join(', ')}]`);
  }
  for (const s of body.states) {
    if (s.init !== undefined && ins[s.init]!.shape.reduce((a, b) => a * b, 1) !== s.size) {
      throw new Error(`internal: scan state "${s.name}" expects ${s.size} initial values`);
    }
  }
  const emit = body.cells.find((c) => c.name === body.emit)!;
  return [attrs.steps, emit.shape.reduce((a, b) => a * b, 1)];
}
