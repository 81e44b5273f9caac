/** Data flows one way: the IR (compiler/ir) imports nothing from the ops, passes, backends or frontends. */
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repo } from '../helpers.js';

test('compiler/ir imports only itself, the error type and the runtime', () => {
  const bad: string[] = [];
  for (const f of readdirSync(repo('compiler/ir')).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(repo('compiler/ir', f), 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('./') || spec === '../errors.js' || spec === '@layergen/runtime' || spec.startsWith('node:')) continue;
      bad.push(`${f}: ${spec}`);
    }
  }
  assert.equal(bad, []);
});

/** Every .ts file under a folder of the repo. */
function sources(dir: string): string[] {
  return readdirSync(repo(dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [],
  );
}

test('structural node kinds are asked through kindOf and its guards, never by comparing op strings', () => {
  const bad = sources('compiler')
    .filter((f) => f !== 'compiler/ir/graph.ts')
    .flatMap((f) => [...readFileSync(repo(f), 'utf8').matchAll(/\.op\s*[!=]==?\s*'(input|const|scan|fused)'/g)].map((m) => `${f}: ${m[0]}`));
  assert.equal(bad, []);
});

test.run();
