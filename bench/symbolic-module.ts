/**
 * Build time of the compiled symbolic module for LSTM(4 -> 128) x 50 with all 200 inputs symbolic
 * (median of 5 runs). Run: `npm run build && node dist/bench/symbolic-module.js`.
 */
import { pathToFileURL } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compile } from '../compiler/index.js';
import { pinRuntime } from '../compiler/backends/templates.js';
import { countNodes, type Expr } from '@layergen/runtime';

const root = resolve(import.meta.dirname, '..', '..');
const files = await compile(join(root, 'bench/nets/lstm128.yaml'), { targets: ['symbolic'], lang: 'js' });
const dir = mkdtempSync(join(root, '.tmp-bench-'));
let main = '';
for (const f of files) {
  writeFileSync(join(dir, f.path), pinRuntime(f.text));
  if (f.path.endsWith('.js')) main = join(dir, f.path);
}
const m = (await import(pathToFileURL(main).href)) as { predict(i: Record<string, unknown>): Record<string, Expr[]> };
const names = Array.from({ length: 200 }, (_, i) => `s${i + 1}`);
const times: number[] = [];
let nodes = 0;
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  const h = m.predict({ x: names }).rnn!;
  times.push(performance.now() - t0);
  nodes = countNodes(h);
}
times.sort((a, b) => a - b);
console.log(`LSTM(4->128)x50 symbolic module build: median ${times[2]!.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times[4]!.toFixed(0)}), ${nodes} DAG nodes`);
