/**
 * `layergen graph`: a net as a picture. One box per input and layer (name, type, output shape,
 * parameter count), an edge for every input a layer reads (labelled with the slot when a layer
 * reads several), outputs drawn with a double border. DOT and Mermaid text; SVG laid out by
 * Graphviz itself (@viz-js/viz, Graphviz compiled to WebAssembly).
 */
import { fmtShape, isInput, size, typeOf, type Graph, type Node } from './ir/graph.js';

export type GraphFormat = 'dot' | 'mermaid' | 'svg';

interface Box {
  readonly id: string;
  readonly lines: readonly string[];
  readonly input: boolean;
  readonly output: boolean;
}

function boxes(g: Graph): Box[] {
  const outputs = new Set(g.outputs.map((o) => o.node));
  return g.nodes.map((n: Node) => {
    const t = typeOf(n);
    const params = Object.values(n.params).reduce((a, p) => a + size(p.shape), 0);
    const shape = fmtShape(t.shape) + (t.dtype === 'int' ? ' int' : '');
    const lines = isInput(n) ? [n.name, `input ${shape}`] : [n.name, `${n.op} → ${shape}`, ...(params ? [`${params.toLocaleString('en-US')} params`] : [])];
    return { id: `n${n.id}`, lines, input: isInput(n), output: outputs.has(n.id) };
  });
}

function edges(g: Graph): { from: string; to: string; slot?: number }[] {
  return g.nodes.flatMap((n) => n.inputs.map((i, slot) => ({ from: `n${i}`, to: `n${n.id}`, ...(n.inputs.length > 1 ? { slot } : {}) })));
}

/** A DOT string literal. */
const dotString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export function toDot(g: Graph): string {
  const lines = [
    `digraph ${dotString(g.name)} {`,
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9, color="#556677"];',
  ];
  for (const b of boxes(g)) {
    const attrs = [`label=${dotString(b.lines.join('\n'))}`];
    if (b.input) attrs.push('shape=ellipse', 'fillcolor="#e7f6e7"');
    if (b.output) attrs.push('peripheries=2', 'fillcolor="#fdf1dc"');
    lines.push(`  ${b.id} [${attrs.join(', ')}];`);
  }
  for (const e of edges(g)) lines.push(`  ${e.from} -> ${e.to}${e.slot !== undefined ? ` [label=${dotString(String(e.slot))}]` : ''};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Mermaid label text: quotes and markup characters as entities. */
const mermaidText = (s: string): string => s.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');

export function toMermaid(g: Graph): string {
  const lines = ['flowchart TD'];
  for (const b of boxes(g)) {
    const label = `"${b.lines.map(mermaidText).join('<br/>')}"`;
    lines.push(`  ${b.id}${b.input ? `([${label}])` : b.output ? `[[${label}]]` : `[${label}]`}`);
  }
  for (const e of edges(g)) lines.push(`  ${e.from} -->${e.slot !== undefined ? `|${e.slot}|` : ''} ${e.to}`);
  return lines.join('\n') + '\n';
}

let viz: Promise<{ renderString(dot: string, o: { format: 'svg' }): string }> | undefined;

export async function toSvg(g: Graph): Promise<string> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  return (await viz).renderString(toDot(g), { format: 'svg' });
}

export async function renderGraph(g: Graph, format: GraphFormat): Promise<string> {
  return format === 'dot' ? toDot(g) : format === 'mermaid' ? toMermaid(g) : toSvg(g);
}
