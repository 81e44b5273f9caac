/**
 * What a predictBatchParallel call of the float32 MLP 784-256-256-10 at batch 1024 spends, on two
 * workers: the call, against predictBatch of the whole batch and of half of it in this thread,
 * with the calls back to back, with 16 MB of other memory traffic between calls, and with 20 ms
 * idle between calls. Medians of 60 calls each, the three patterns in turn, twice.
 *
 *   node dist/bench/workers.js
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { activeWorkers, closeWorkers } from '@layergen/runtime';
import { inputs, layergenModule, median, type NumericModule } from './harness.js';
import { NETS, writeNet } from './models.js';

const B = 1024;
const CALLS = 60;

async function main(): Promise<void> {
  const net = NETS.find((n) => n.name === 'mlp784')!;
  const dir = join(process.cwd(), '.tmp-bench-out', 'workers');
  mkdirSync(dir, { recursive: true });
  const { file } = writeNet(net, dir);
  const m = await layergenModule<NumericModule>(net, file, dir, 'numeric', 'float32');
  const x = inputs(B * 784, 3);
  const half = x.slice(0, (B / 2) * 784);
  const traffic = new Float32Array((16 << 20) / 4);
  const time = async (f: () => unknown): Promise<number> => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  for (let i = 0; i < 20; i++) await m.predictBatchParallel({ x }, B, { workers: 2 });
  if (activeWorkers() !== 2) throw new Error(`workers: expected 2 workers, ${activeWorkers()} started`);
  const rows: [string, number][] = [];
  const between: Record<string, () => Promise<void>> = {
    'back to back': async () => undefined,
    '16 MB of other memory traffic between calls': async () => {
      for (let i = 0; i < traffic.length; i += 16) traffic[i]! += 1;
    },
    '20 ms idle between calls': () => new Promise((r) => setTimeout(r, 20)),
  };
  for (let pass = 0; pass < 2; pass++) {
    const single: number[] = [];
    const halves: number[] = [];
    for (let i = 0; i < CALLS; i++) single.push(await time(() => m.predictBatch({ x }, B)));
    for (let i = 0; i < CALLS; i++) halves.push(await time(() => m.predictBatch({ x: half }, B / 2)));
    rows.push([`predictBatch, batch 1024, this thread (pass ${pass + 1})`, median(single)]);
    rows.push([`predictBatch, batch 512, this thread (pass ${pass + 1})`, median(halves)]);
    for (const [what, gap] of Object.entries(between)) {
      const t: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        await gap();
        t.push(await time(() => m.predictBatchParallel({ x }, B, { workers: 2 })));
      }
      rows.push([`predictBatchParallel ×2 workers, batch 1024, ${what} (pass ${pass + 1})`, median(t)]);
    }
  }
  await closeWorkers();
  console.log(`Node ${process.version}; MLP 784-256-256-10 float32; median ms of ${CALLS} calls.\n`);
  console.log('| call | ms |\n|---|---:|');
  for (const [what, ms] of rows) console.log(`| ${what} | ${ms.toFixed(2)} |`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
