/** The intern tables hold nodes weakly: unreachable nodes can be garbage-collected. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { add, isWeakInterning, mul, sym } from '@layergen/runtime';

const INDEX = fileURLToPath(import.meta.resolve('@layergen/runtime'));

const CHILD = `
const S = await import(${JSON.stringify(INDEX)});
const tick = () => new Promise((r) => setTimeout(r, 0));
function build() {
  const x = S.sym('gc_probe_x');
  return new WeakRef(S.add(S.mul(1234.5, x), S.exp(x), 0.25));
}
const ref = build();
for (let i = 0; i < 5 && ref.deref() !== undefined; i++) { await tick(); globalThis.gc(); }
const collected = ref.deref() === undefined;
const again = S.add(S.mul(1234.5, S.sym('gc_probe_x')), S.exp(S.sym('gc_probe_x')), 0.25);
console.log(JSON.stringify({ collected, rebuilt: S.format(again, 'text') }));
`;

test('weak interning is on by default', () => {
  assert.ok(isWeakInterning());
});

test('an unreachable node is collected and can be rebuilt', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { collected: boolean; rebuilt: string };
  assert.ok(out.collected, 'the node was kept alive by the intern table');
  assert.is(out.rebuilt, '1234.5*gc_probe_x + exp(gc_probe_x) + 0.25');
});

test('a live node is still found after sweeps', async () => {
  const keep = add(mul(3, sym('keep_me')), 1);
  for (let i = 0; i < 20000; i++) add(mul(i, sym('churn')), i);
  await new Promise((r) => setTimeout(r, 0));
  assert.ok(add(1, mul(sym('keep_me'), 3)) === keep);
});

test.run();
