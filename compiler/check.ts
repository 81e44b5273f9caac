/** `layergen check`: a table of layers, their input and output shapes and parameter counts. */
import { fmtShape, isConst, size, typeOf, type Graph } from './ir/graph.js';

export function checkTable(g: Graph): string {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const rows: string[][] = [['layer', 'type', 'inputs', 'output shape', 'params']];
  let total = 0;
  for (const n of g.nodes) {
    const count = Object.values(n.params).reduce((a, t) => a + size(t.shape), 0);
    if (!isConst(n)) total += count;
    const ins = n.inputs.map((i) => byId.get(i)!.name).join(', ');
    rows.push([n.name, n.op, ins || '-', fmtShape(typeOf(n).shape) + (typeOf(n).dtype === 'int' ? ' int' : ''), String(count)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 4 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const out = [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  out.push('', `${g.name}: ${plural(g.nodes.length - g.inputs.length, "layer")}, ${plural(total, "parameter")}; outputs: ${g.outputs.map((o) => o.name).join(', ')}`);
  return out.join('\n');
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
