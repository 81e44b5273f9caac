/** The README's layer table is the one generated from the op registry. */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { layerTable } from '../compiler/layerTable.js';
import { repo } from './helpers.js';

test('README layer table matches the registry', () => {
  const readme = readFileSync(repo('README.md'), 'utf8');
  const m = /<!-- layer-table:start[^>]*-->\n([\s\S]*?)\n<!-- layer-table:end -->/.exec(readme);
  assert.ok(m, 'README has the layer-table markers');
  assert.fixture(m![1]!, layerTable());
});

test.run();
