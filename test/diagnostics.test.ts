/**
 * Compiler conventions of the CLI: every problem of a file in one run with code frames and
 * suggestions, JSON diagnostics, colour only when asked for by the terminal or FORCE_COLOR,
 * did-you-mean for commands and options, unchanged outputs left untouched, --watch.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo, tempDir } from './helpers.js';

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = spawnSync(process.execPath, [repo('bin/layergen.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

const TWO_MISTAKES = `name: two
inputs:
  x: [3]
layers:
  - name: fc1
    type: linaer
    units: 4
  - name: act
    type: relu
  - name: fc2
    type: linear
    unitz: 3
seed: 1
`;

test('a file with two mistakes: both reported in one run, each with a code frame, a caret and a suggestion', () => {
  const dir = tempDir('diag');
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, TWO_MISTAKES);
  const r = cli(['check', file]);
  assert.is(r.code, 1);
  const want = [
    `layergen: ${file}:6:11: layer "fc1": unknown layer type "linaer"; did you mean "linear"? (\`layergen layers\` lists them all)`,
    '  5 |   - name: fc1',
    '> 6 |     type: linaer',
    '    |           ^',
    '  7 |     units: 4',
    '',
    `layergen: ${file}:12:5: layer "fc2": layer: unknown key "unitz" (did you mean "units"?) (allowed: name, type, input, inputs, params, units, bias)`,
    '  11 |     type: linear',
    '> 12 |     unitz: 3',
    '     |     ^',
    '  13 | seed: 1',
    '',
    '',
  ].join('\n');
  assert.is(r.err, want);
  assert.not.match(r.err, /\x1b\[/, 'no colour when stderr is not a terminal');
  // the misspelt key is not also reported as a missing "units"
  assert.not.match(r.err, /missing required key/);
});

test('--error-format json: the same problems as JSON diagnostics', () => {
  const dir = tempDir('diag-json');
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, TWO_MISTAKES);
  const r = cli(['check', file, '--error-format', 'json']);
  assert.is(r.code, 1);
  const d = JSON.parse(r.err) as { diagnostics: { severity: string; file: string; line: number; column: number; layer: string; message: string }[] };
  assert.equal(
    d.diagnostics.map((x) => [x.severity, x.file, x.line, x.column, x.layer]),
    [
      ['error', file, 6, 11, 'fc1'],
      ['error', file, 12, 5, 'fc2'],
    ],
  );
  assert.match(d.diagnostics[1]!.message, /^layer: unknown key "unitz" \(did you mean "units"\?\)/);
});

test('an importer\'s problems: one summary in text, one diagnostic each in JSON', () => {
  const model = repo('test/fixtures/keras/unsupported.keras');
  const text = cli(['import', model, '--out', tempDir('diag-import')]);
  assert.is(text.code, 1);
  assert.match(text.err, /^layergen: .*unsupported\.keras: cannot import: 3 problems \(unsupported layers: Masking, TimeDistributed, LocallyConnected1D\)\n  layer "masking" \(Masking\): unsupported layer Masking\n/);
  const json = JSON.parse(cli(['import', model, '--out', tempDir('diag-import'), '--error-format', 'json']).err) as { diagnostics: { file: string; message: string }[] };
  assert.equal(json.diagnostics.map((d) => d.message), [
    'layer "masking" (Masking): unsupported layer Masking',
    'layer "time_distributed" (TimeDistributed): unsupported layer TimeDistributed',
    'layer "locally_connected1d" (LocallyConnected1D): unsupported layer LocallyConnected1D',
  ]);
  assert.ok(json.diagnostics.every((d) => d.file === model));
});

test('colour with FORCE_COLOR, none with NO_COLOR or without a terminal', () => {
  const dir = tempDir('diag-color');
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, TWO_MISTAKES);
  assert.match(cli(['check', file], { FORCE_COLOR: '1' }).err, /\x1b\[31mlayer "fc1": unknown layer type/);
  assert.not.match(cli(['check', file], { NO_COLOR: '1' }).err, /\x1b\[/);
});

test('every problem is collected: bad values of several layers, up to a limit', () => {
  const dir = tempDir('diag-many');
  const file = join(dir, 'many.yaml');
  const layers = Array.from({ length: 80 }, (_, i) => `  - {name: l${i}, type: linear, units: ${i % 2 ? 'x' : -1}}`).join('\n');
  writeFileSync(file, `name: many\ninputs:\n  x: [3]\nlayers:\n${layers}\nseed: 1\n`);
  const d = JSON.parse(cli(['check', file, '--error-format', 'json']).err) as { diagnostics: { message: string; layer?: string }[] };
  assert.is(d.diagnostics.length, 51, '50 problems and a note');
  assert.equal(d.diagnostics.slice(0, 2).map((x) => x.layer), ['l0', 'l1']);
  assert.match(d.diagnostics[50]!.message, /too many problems; stopped after 50/);
});

test('did-you-mean for commands and options', () => {
  const c = cli(['compil', 'samples/mlp.yaml']);
  assert.is(c.code, 2);
  assert.match(c.err, /Did you mean compile\?/);
  const o = cli(['compile', repo('samples/mlp.yaml'), '--out', tempDir('diag-opt'), '--tagret', 'numeric']);
  assert.is(o.code, 2);
  assert.match(o.err, /^layergen: Unknown argument: tagret \(did you mean --target\?\)\n/);
  assert.match(cli(['compile', '--help']).out, /Examples:[\s\S]*--watch/);
});

test('a second compile of an unchanged net leaves every file untouched (modification times kept)', () => {
  const out = tempDir('diag-unchanged');
  const first = cli(['compile', repo('samples/mlp.yaml'), '--out', out]);
  assert.is(first.code, 0, first.err);
  const files = first.out.trim().split('\n').map((l) => l.replace(/^wrote /, ''));
  assert.ok(files.length >= 3);
  const old = new Date('2020-01-01T00:00:00Z');
  for (const f of files) utimesSync(f, old, old);
  const second = cli(['compile', repo('samples/mlp.yaml'), '--out', out]);
  assert.is(second.code, 0);
  assert.equal(second.out.trim().split('\n'), files.map((f) => `unchanged ${f}`));
  for (const f of files) assert.is(statSync(f).mtimeMs, old.getTime(), f);
  // a change rewrites only what changed
  const third = cli(['compile', repo('samples/mlp.yaml'), '--out', out, '--target', 'numeric', '--precision', 'float32']);
  assert.match(third.out, /^wrote .*mlp\.numeric\.ts\n$/);
});

/** Collects a child's stdout until `pattern` appears (or the child exits), then resolves with it. */
function until(child: ReturnType<typeof spawn>, pattern: RegExp, seen: { text: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    // not a timing assertion: a bound so that a missed change fails the test instead of hanging CI
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within 60 s; output:\n${seen.text}`)), 60_000);
    const check = () => {
      if (pattern.test(seen.text)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    const onData = (d: Buffer) => {
      seen.text += d.toString();
      check();
    };
    child.stdout!.on('data', onData);
    child.once('exit', () => reject(new Error(`exited before ${pattern}; output:\n${seen.text}`)));
    check();
  });
}

test('--watch: compiles, recompiles on a change, reports an error and keeps watching', async () => {
  const dir = tempDir('diag-watch');
  const net = join(dir, 'net.yaml');
  const out = join(dir, 'out');
  const yaml = 'name: w\ninputs:\n  x: [3]\nlayers:\n  - name: fc\n    type: linear\n    units: 2\nseed: 1\n';
  writeFileSync(net, yaml);
  const child = spawn(process.execPath, [repo('bin/layergen.js'), 'compile', net, '--out', out, '--target', 'numeric', '--watch'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const seen = { text: '' };
  try {
    await until(child, /compiled .*; watching for changes\n/, seen);
    assert.match(seen.text, /wrote .*w\.numeric\.ts/);
    const before = readFileSync(join(out, 'w.numeric.ts'), 'utf8');
    seen.text = '';
    writeFileSync(net, yaml.replace('units: 2', 'units: 5'));
    await until(child, /compiled .*; watching for changes\n/, seen);
    assert.match(seen.text, /wrote .*w\.numeric\.ts/);
    assert.is.not(readFileSync(join(out, 'w.numeric.ts'), 'utf8'), before);
    seen.text = '';
    writeFileSync(net, yaml.replace('units: 2', 'units: -5'));
    await until(child, /errors in .*; watching for changes\n/, seen);
    assert.match(err, /net\.yaml:7:12: layer "fc": units: expected an integer >= 1, got -5/);
    assert.is(child.exitCode, null, 'still watching');
  } finally {
    child.kill();
  }
});

test.run();
