/**
 * Compile times (`npm run bench` runs this after run.ts): the wall time of `layergen compile`
 * (a fresh process, as a user runs it) for the 784-256-256-10 MLP and a 10.5M-parameter MLP
 * (1024-2048-2048-2048-10, seeded), all targets and numeric alone; median of 3 runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NETS } from './models.js';

const OUT = join(process.cwd(), '.tmp-bench-out', 'compile');
const BIN = join(process.cwd(), 'bin', 'layergen.js');

const BIG =
  'name: mlp10m\ninputs:\n  x: [1024]\nlayers:\n' +
  ['fc1', 'fc2', 'fc3'].map((n) => `  - {name: ${n}, type: linear, units: 2048}\n  - {type: relu}\n`).join('') +
  '  - {name: fc4, type: linear, units: 10}\nseed: 1\n';

function wall(net: string, target: string): number {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [BIN, 'compile', net, '--out', join(OUT, 'out'), '--target', target], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return times.sort((a, b) => a - b)[1]!;
}

mkdirSync(OUT, { recursive: true });
const mlp = join(OUT, 'mlp784.yaml');
writeFileSync(mlp, NETS.find((n) => n.name === 'mlp784')!.yaml);
const big = join(OUT, 'mlp10m.yaml');
writeFileSync(big, BIG);
console.log('\n| compile (`layergen compile`, wall time) | all targets | numeric only |\n|---|---:|---:|');
for (const [label, file] of [['MLP 784-256-256-10 (269,322 parameters)', mlp], ['MLP 1024-2048-2048-2048-10 (10,512,394 parameters)', big]] as const) {
  console.log(`| ${label} | ${wall(file, 'numeric,gpu,symbolic').toFixed(2)} s | ${wall(file, 'numeric').toFixed(2)} s |`);
}
