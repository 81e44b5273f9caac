/** eval --symbolic options: --jacobian, --exact, --prune, --inline-max, --out. */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from '../compiler/index.js';
import { repo, tempDir } from './helpers.js';

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [repo('bin/layergen.js'), ...args], { cwd: repo(), encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
const SEED = 'samples/seed-linear.yaml';

test('--jacobian of a linear layer is its weight matrix, with a layout comment', () => {
  const r = cli('eval', SEED, '--symbolic', '--jacobian', '--input', 'x=s1,s2,s3', '--format', 'js');
  assert.is(r.code, 0, r.err);
  const [head, body] = r.out.trim().split('\n');
  assert.is(head, '// d fc / d (s1, s2, s3): 2 x 3, row-major');
  const W = Array.from(build(repo(SEED)).graph.nodes.find((n) => n.name === 'fc')!.params.weight!.data);
  assert.equal(JSON.parse(body!), W);
});

test('--exact prints exact rationals that equal the float weights', () => {
  const r = cli('eval', SEED, '--symbolic', '--exact', '--input', 'x=1,0,0', '--format', 'mathematica');
  assert.is(r.code, 0, r.err);
  // fc = W[:, 0] + b exactly: rationals with power-of-two denominators
  const parts = r.out.trim().slice(1, -1).split(', ');
  assert.is(parts.length, 2);
  const g = build(repo(SEED)).graph.nodes.find((n) => n.name === 'fc')!;
  parts.forEach((p, i) => {
    const m = /^(-?\d+)\/(\d+)$/.exec(p);
    assert.ok(m, `exact rational: ${p}`);
    const want = g.params.weight!.data[i * 3]! + g.params.bias!.data[i]!;
    assert.is(Number(m![1]) / Number(m![2]), want);
  });
});

test('--exact keeps divisions by a window size or an axis length exact (avgpool, layernorm)', () => {
  const dir = tempDir('exact-div');
  const net = join(dir, 'mean.yaml');
  writeFileSync(
    net,
    'name: mean\ninputs:\n  x: [1, 6]\nlayers:\n  - name: p\n    type: avgpool1d\n    kernel: 3\n' +
      '  - name: n\n    type: layernorm\n    params:\n      weight: [1, 1]\n      bias: [0, 0]\n',
  );
  const pool = cli('eval', net, '--symbolic', '--exact', '--input', 'x=a,b,c,d,e,f', '--format', 'sympy', '--inline-max', '1000');
  assert.is(pool.code, 0, pool.err);
  assert.not.ok(/0\.333/.test(pool.out), pool.out);
  // at a point: pooled values 2 and 5, mean 7/2, deviations -3/2 and 3/2 exactly (only the sqrt stays)
  const at = cli('eval', net, '--symbolic', '--exact', '--input', 'x=1,2,3,4,5,6', '--format', 'mathematica');
  assert.is(at.code, 0, at.err);
  assert.ok(!/\d\.\d/.test(at.out), `no float in ${at.out}`);
  assert.ok(at.out.includes('{-3/2/t1, 3/2/t1}'), at.out);
});

test('--prune drops small terms only when asked; --inline-max shapes the printout; --out writes a file', () => {
  const full = cli('eval', SEED, '--symbolic', '--input', 'x=s1,s2,s3');
  const pruned = cli('eval', SEED, '--symbolic', '--prune', '0.1', '--input', 'x=s1,s2,s3');
  assert.ok(full.out.includes('0.023406442254781723*s2'), full.out);
  for (const small of ['0.023406442254781723*s2', '0.05615261569619179*s1']) assert.not.ok(pruned.out.includes(small), pruned.out);
  for (const kept of ['0.13538843393325806*s2', '0.20049533247947693*s3', '0.5260975956916809']) assert.ok(pruned.out.includes(kept), pruned.out);
  const shared = cli('eval', 'samples/mlp.yaml', '--symbolic', '--input', 'x=a,b,c,d', '--format', 'text');
  const inlined = cli('eval', 'samples/mlp.yaml', '--symbolic', '--input', 'x=a,b,c,d', '--format', 'text', '--inline-max', '1000000');
  assert.match(shared.out, /^t1 = /m);
  assert.not.match(inlined.out, /^t1 = /m);
  assert.ok(inlined.out.length > shared.out.length);
  const dir = tempDir('cli-out');
  const w = cli('eval', SEED, '--symbolic', '--input', 'x=s1,s2,s3', '--out', join(dir, 'fc.txt'));
  assert.is(w.code, 0, w.err);
  assert.is(readFileSync(join(dir, 'fc.txt'), 'utf8'), full.out);
  const bad = cli('eval', SEED, '--jacobian', '--input', 'x=1,2,3');
  assert.is(bad.code, 1);
  assert.match(bad.err, /--jacobian needs --symbolic/);
});

test.run();
