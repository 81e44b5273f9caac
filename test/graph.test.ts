/** `layergen graph`: every sample as SVG (Graphviz), DOT and Mermaid, naming every layer and drawing every input edge. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadNet } from '../compiler/frontend/index.js';
import { toDot, toMermaid, toSvg } from '../compiler/graph.js';
import { repo, tempDir } from './helpers.js';

const samples = readdirSync(repo('samples')).filter((f) => f.endsWith('.yaml'));

/** XML well-formedness at the level of tags: every element closed in order, one root <svg>. */
function wellFormed(xml: string): string | null {
  const body = xml.replace(/<\?xml[^>]*\?>/, '').replace(/<!DOCTYPE[^>]*>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const stack: string[] = [];
  let roots = 0;
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:.-]*)([^>]*?)(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (close) {
      if (stack.pop() !== name) return `</${name}> does not close the open element`;
    } else if (!self) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    }
  }
  if (stack.length) return `unclosed <${stack.at(-1)}>`;
  return roots === 1 && /^\s*<svg[\s>]/.test(body) ? null : 'not one <svg> root';
}

for (const f of samples) {
  test(`${f}: SVG, DOT and Mermaid name every layer and draw every edge`, async () => {
    const g = loadNet(repo('samples', f)).graph;
    const edges = g.nodes.reduce((a, n) => a + n.inputs.length, 0);
    const svg = await toSvg(g);
    assert.is(wellFormed(svg), null);
    const dot = toDot(g);
    const mermaid = toMermaid(g);
    for (const n of g.nodes) {
      assert.ok(svg.includes(`>${n.name}</text>`), `svg names ${n.name}`);
      assert.ok(dot.includes(`label="${n.name}\\n`), `dot names ${n.name}`);
      assert.ok(mermaid.includes(`["${n.name}<br/>`), `mermaid names ${n.name}`);
    }
    assert.is(dot.match(/ -> /g)?.length ?? 0, edges, 'dot edges');
    assert.is(mermaid.match(/ -->/g)?.length ?? 0, edges, 'mermaid edges');
    assert.is(svg.match(/class="edge"/g)?.length ?? 0, edges, 'svg edges');
    for (const o of g.outputs) assert.match(dot, new RegExp(`n${o.node} \\[.*peripheries=2`), `output ${o.name} marked`);
  });
}

test('the CLI writes a file or stdout; the README picture is what it draws', () => {
  const out = join(tempDir('graph'), 'b.svg');
  const r = spawnSync(process.execPath, [repo('bin/layergen.js'), 'graph', repo('samples/branching.yaml'), '--out', out], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(readFileSync(out, 'utf8'), readFileSync(repo('docs/branching.svg'), 'utf8'), 'docs/branching.svg is up to date (layergen graph samples/branching.yaml --out docs/branching.svg)');
  const m = spawnSync(process.execPath, [repo('bin/layergen.js'), 'graph', repo('samples/mlp.yaml'), '-f', 'mermaid'], { encoding: 'utf8' });
  assert.match(m.stdout, /^flowchart TD\n/);
});

test.run();
