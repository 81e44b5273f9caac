/** Emitted TypeScript type-checks under `tsc --strict` (plus noUncheckedIndexedAccess) as a user's build would. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../compiler/index.js';
import { repo, tempDir } from './helpers.js';

const NETS = ['samples/seed-linear.yaml', 'samples/mlp.yaml', 'test/fixtures/nets/multi_output.yaml', 'test/fixtures/nets/softmax_axis0.yaml'];

test('emitted .ts of every target passes tsc --strict', async () => {
  const dir = tempDir('tsc');
  const files: string[] = [];
  for (const net of NETS) {
    for (const precision of ['float64', 'float32'] as const) {
      const sub = `${precision}`;
      for (const f of await compile(repo(net), { lang: 'ts', precision })) {
        const name = `${sub}_${f.path}`;
        writeFileSync(join(dir, name), f.text);
        files.push(name);
      }
    }
  }
  // A user module that uses the generated API.
  writeFileSync(
    join(dir, 'use.ts'),
    `import { predict, predictBatch, inputShapes } from './float64_seed_linear.numeric.js';
import * as sym from './float64_seed_linear.symbolic.js';
const y: Float64Array = predict({ x: [1, 2, 3] }).fc;
const z: Float64Array = predictBatch({ x: [[1, 2, 3], [4, 5, 6]] }, 2).fc;
const s: string = sym.format(sym.predict({ x: ['s1', 's2', 3] }).fc, 'mathematica');
const n: readonly number[] = inputShapes.x;
export { y, z, s, n };
`,
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noUncheckedIndexedAccess: true,
        noEmit: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        lib: ['ES2022'],
        types: ['node'],
        skipLibCheck: true,
      },
      files: [...files, 'use.ts'],
    }),
  );
  const r = spawnSync(process.execPath, [repo('node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
});

test('--lang js: the .d.ts beside each .js types a user module under tsc --strict', async () => {
  const dir = tempDir('dts');
  for (const net of ['samples/seed-linear.yaml', 'samples/lstm.yaml']) {
    for (const f of await compile(repo(net), { lang: 'js', targets: ['numeric', 'symbolic', 'gpu', 'jacobian'] })) writeFileSync(join(dir, f.path), f.bytes ?? f.text);
  }
  writeFileSync(
    join(dir, 'use.ts'),
    `import { predict, inputShapes, ready } from './seed_linear.numeric.js';
import * as sym from './seed_linear.symbolic.js';
import * as gpu from './lstm.gpu.js';
import * as jac from './lstm.jacobian.js';
await ready;
const y: Float64Array = predict({ x: [1, 2, 3] }).fc;
const s: string = sym.format(sym.predict({ x: ['s1', 's2', 3] }).fc, 'mathematica');
const n: readonly number[] = inputShapes.x;
const g: Promise<Record<string, Float32Array>> = gpu.predict({ x: new Array(40).fill(0) });
const j = jac.predict({ x: new Array(40).fill(0) });
// @ts-expect-error: outputs are typed, a misspelt one is an error
predict({ x: [1, 2, 3] }).fcc;
export { y, s, n, g, j };
`,
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022'], types: ['node'], skipLibCheck: true },
      files: ['use.ts'],
    }),
  );
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const r = spawnSync(process.execPath, [repo('node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
});

test.run();
