/**
 * A readable text dump of an IR graph (`layergen explain`, `compile --dump-after PASS`): one row
 * per node with its op, inputs, shape and parameters; fused nodes also print their formula.
 */
import type { F, Ix } from './ir/formula.js';
import { fmtShape, isFused, isScan, size, type Graph } from './ir/graph.js';
import { renderIx } from './backends/render.js';

/** Index expressions as the renderer spells them, with `//` and `%` for floor division and modulo. */
const ixText = (x: Ix): string =>
  renderIx(x, (slot, at) => `in${slot}[${at.map(ixText).join(', ')}]`, {
    ixDiv: (a, c) => `(${a})//${c}`,
    ixMod: (a, c) => `(${a})%${c}`,
  });

const INFIX: Readonly<Record<string, string>> = { add: '+', sub: '-', mul: '*', div: '/' };

/** A formula in compact text: `max(0, sum[r0<784](weight[i0, r0] * in0[r0]) + bias[i0])`. */
export function formulaText(f: F): string {
  switch (f.k) {
    case 'num':
      return String(f.v);
    case 'input':
      return `in${f.slot}[${f.at.map(ixText).join(', ')}]`;
    case 'param':
      return `${f.name}[${f.at.map(ixText).join(', ')}]`;
    case 'prim': {
      const args = f.args.map(formulaText);
      const op = INFIX[f.op];
      return op ? `(${args.join(` ${op} `)})` : `${f.op}(${args.join(', ')})`;
    }
    case 'reduce':
      return `${f.op}[${f.v}<${f.n}](${formulaText(f.body)})`;
    case 'shift':
      return `shift(${formulaText(f.body)})`;
    case 'alt':
      return formulaText(f.numeric);
    case 'guard':
      return `(${f.bounds.map((b) => `0<=${ixText(b.ix)}<${b.lt}`).join(' && ')} ? ${formulaText(f.body)} : ${formulaText(f.otherwise)})`;
  }
}

export function dumpGraph(g: Graph): string {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const outputs = new Map(g.outputs.map((o) => [o.node, o.name]));
  const rows: string[][] = [['#', 'node', 'op', 'inputs', 'shape', 'params']];
  const notes: string[] = [];
  for (const n of g.nodes) {
    const params = Object.entries(n.params).map(([k, t]) => `${k}${fmtShape(t.shape)}`);
    const op = isFused(n) ? `fused(${String(n.attrs.ops)})` : isScan(n) ? `scan(${n.attrs.steps} steps${n.attrs.reverse ? ', reversed' : ''})` : n.op;
    const shape = n.type ? fmtShape(n.type.shape) + (n.type.dtype === 'int' ? ' int' : '') : '?';
    const out = outputs.has(n.id) ? ` -> ${outputs.get(n.id)}` : '';
    rows.push([String(n.id), n.name + out, op, n.inputs.map((i) => byId.get(i)?.name ?? `#${i}`).join(', ') || '-', shape, params.join(' ') || '-']);
    if (n.formula) notes.push(`  ${n.name} = ${formulaText(n.formula)}`);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  const total = g.nodes.reduce((a, n) => a + Object.values(n.params).reduce((b, t) => b + size(t.shape), 0), 0);
  return [
    line(rows[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
    ...(notes.length ? ['', 'formulas:', ...notes] : []),
    '',
    `${g.nodes.length} nodes, ${total} parameters`,
  ].join('\n');
}

/** The IR after each pass of the pipeline (or only after the named ones). */
export function explainPasses(trace: readonly { pass: string; graph: Graph }[], only?: readonly string[]): string {
  return trace
    .map((t, i) => ({ ...t, i }))
    .filter((t) => !only || only.includes(t.pass) || only.includes('all'))
    .map((t) => `== after ${t.pass} (pass ${t.i + 1}) ==\n${dumpGraph(t.graph)}`)
    .join('\n\n');
}
