/**
 * Names that are special as JavaScript object keys: `__proto__` (as a key it sets the prototype,
 * so an input or output under it would be lost) is refused with its place; `constructor` and
 * other Object.prototype names work as inputs and outputs, and a missing one is reported (not
 * found by inheritance).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { compileAndImport, repo, tempDir } from '../helpers.js';
import { errorOf } from '../ops/support.js';


test('__proto__ as an input or a layer name: an error at its place', () => {
  assert.match(errorOf('name: t\ninputs:\n  __proto__: [3]\nlayers:\n  - name: fc\n    type: linear\n    units: 2\nseed: 1\n'), /^net\.yaml:3:3: input "__proto__": the name __proto__ cannot be used/);
  assert.match(errorOf('name: t\ninputs:\n  x: [3]\nlayers:\n  - name: __proto__\n    type: linear\n    units: 2\nseed: 1\n'), /^net\.yaml:5:11: .*name: the name __proto__ cannot be used/);
});

test('inputs and outputs named constructor and toString work; a missing constructor input is reported', async () => {
  const dir = tempDir('names');
  writeFileSync(
    join(dir, 'names.yaml'),
    'name: names\ninputs:\n  constructor: [3]\n  toString: [3]\nlayers:\n  - name: hasOwnProperty\n    type: add\n    inputs: [constructor, toString]\n  - name: valueOf\n    type: relu\noutputs: [hasOwnProperty, valueOf]\n',
  );
  const m = await compileAndImport<{ predict(i: Record<string, unknown>): Record<string, Float64Array> }>(relative(repo(), join(dir, 'names.yaml')), 'numeric');
  const out = m.predict({ constructor: [1, -2, 3], toString: [0.5, 0.5, -4] });
  assert.ok(Object.prototype.hasOwnProperty.call(out, 'hasOwnProperty') && Object.prototype.hasOwnProperty.call(out, 'valueOf'));
  assert.equal(Array.from(out.hasOwnProperty as unknown as Float64Array), [1.5, -1.5, -1]);
  assert.equal(Array.from(out.valueOf as unknown as Float64Array), [1.5, 0, 0]);
  assert.throws(() => m.predict({ toString: [1, 2, 3] }), /missing input "constructor"/);
});

test.run();
