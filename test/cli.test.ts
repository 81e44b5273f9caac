/** The CLI as a user runs it: exit codes, messages, files written (or not). */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repo, tempDir } from './helpers.js';

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [repo('bin/layergen.js'), ...args], { cwd: repo(), encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const SEED = 'samples/seed-linear.yaml';

test('eval --symbolic --format mathematica prints both output expressions', () => {
  const r = cli('eval', SEED, '--symbolic', '--input', 'x=s1,s2,s3', '--format', 'mathematica');
  assert.is(r.code, 0, r.err);
  const line = r.out.trim();
  assert.match(line, /^\{.*,.*\}$/);
  for (const s of ['s1', 's2', 's3']) assert.ok(line.includes(s), `mentions ${s}: ${line}`);
  assert.not.match(line, /e-\d/, 'Mathematica numbers use *^, never e');
});

test('eval with numbers equals the symbolic expressions evaluated', () => {
  const sym = cli('eval', SEED, '--symbolic', '--input', 'x=s1,s2,s3', '--format', 'js', '--json');
  const num = cli('eval', SEED, '--input', 'x=1,2,3', '--json');
  assert.is(sym.code, 0, sym.err);
  assert.is(num.code, 0, num.err);
  const exprs = JSON.parse(sym.out).fc as string[];
  const vals = JSON.parse(num.out).fc as number[];
  exprs.forEach((e, i) => {
    const f = new Function('s1', 's2', 's3', `return ${e};`) as (...a: number[]) => number;
    const v = f(1, 2, 3);
    assert.ok(Math.abs(v - vals[i]!) <= 1e-12 * Math.max(1, Math.abs(vals[i]!)), `${e} at (1,2,3) = ${v}, eval gave ${vals[i]}`);
  });
});

test('eval: mixed symbols and numbers, s* expansion, every format', () => {
  const mixed = cli('eval', SEED, '--symbolic', '--input', 'x=a,2,b');
  assert.is(mixed.code, 0, mixed.err);
  assert.ok(mixed.out.includes('a') && mixed.out.includes('b') && !mixed.out.includes('2,'));
  const star = cli('eval', SEED, '--symbolic', '--input', 'x=s*', '--format', 'sympy');
  assert.ok(['s1', 's2', 's3'].every((s) => star.out.includes(s)), star.out);
  for (const f of ['text', 'sympy', 'mathematica', 'latex', 'js']) {
    const r = cli('eval', 'samples/mlp.yaml', '--symbolic', '--input', 'x=a,b,c,d', '--format', f);
    assert.is(r.code, 0, `${f}: ${r.err}`);
    assert.ok(r.out.length > 100, f);
  }
});

test('user errors exit 1 with a located message and no stack trace', () => {
  const dir = tempDir('cli-err');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'name: t\ninputs:\n  x: [3]\nlayers:\n  - name: fc\n    type: linear\n    units: -2\n');
  const r = cli('check', bad);
  assert.is(r.code, 1);
  assert.match(r.err, /bad\.yaml:7:12: layer "fc": units: expected an integer >= 1, got -2/);
  assert.not.match(r.err, /at .*\.js:\d+/);
  const e2 = cli('eval', SEED, '--input', 'x=1,2');
  assert.is(e2.code, 1);
  assert.match(e2.err, /--input "x": expected 3 values \(shape \[3\]\), got 2/);
  const e3 = cli('eval', SEED, '--input', 'x=a,b,c');
  assert.is(e3.code, 1);
  assert.match(e3.err, /"a" is not a number \(use --symbolic for symbols\)/);
  const e4 = cli('check', join(dir, 'missing.yaml'));
  assert.is(e4.code, 1);
  assert.match(e4.err, /missing\.yaml: cannot read net: ENOENT/);
});

test('usage errors exit 2', () => {
  assert.is(cli().code, 2);
  assert.is(cli('compile', SEED).code, 2, '--out is required');
  assert.is(cli('compile', SEED, '--out', 'x', '--target', 'cuda').code, 2);
  assert.is(cli('frobnicate').code, 2);
  const help = cli('--help');
  assert.is(help.code, 0);
  assert.match(help.out, /compile <net>/);
});

test('check prints layers, shapes and parameter counts', () => {
  const r = cli('check', 'samples/mlp.yaml');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /fc1\s+linear\s+x\s+\[16\]\s+80/);
  assert.match(r.out, /probs\s+softmax\s+fc3\s+\[3\]\s+0/);
  assert.match(r.out, /mlp: 6 layers, 403 parameters; outputs: probs/);
});

test('compile writes every target; a failing compile leaves existing files untouched', () => {
  const dir = tempDir('cli-compile');
  const r = cli('compile', 'samples/mlp.yaml', '--out', dir);
  assert.is(r.code, 0, r.err);
  assert.equal(readdirSync(dir).sort(), ['mlp.gpu.ts', 'mlp.numeric.ts', 'mlp.symbolic.ts']);
  const before = readFileSync(join(dir, 'mlp.numeric.ts'), 'utf8');
  const js = cli('compile', 'samples/mlp.yaml', '--out', dir, '--lang', 'js', '--target', 'numeric');
  assert.is(js.code, 0, js.err);
  assert.ok(existsSync(join(dir, 'mlp.numeric.js')) && existsSync(join(dir, 'mlp.numeric.d.ts')));
  const broken = join(dir, 'mlp.yaml');
  writeFileSync(broken, readFileSync(repo('samples/mlp.yaml'), 'utf8').replace('units: 3', 'units: 3\n    bogus: 1'));
  writeFileSync(join(dir, 'mlp.weights.json'), readFileSync(repo('samples/mlp.weights.json')));
  const f = cli('compile', broken, '--out', dir);
  assert.is(f.code, 1);
  assert.match(f.err, /mlp\.yaml:\d+:5: layer "fc3": layer: unknown key "bogus"/);
  assert.is(readFileSync(join(dir, 'mlp.numeric.ts'), 'utf8'), before, 'untouched');
  assert.ok(!readdirSync(dir).some((n) => n.includes('.tmp')), 'no temporary files left');
});

test.run();
