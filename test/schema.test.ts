/**
 * schema/net.schema.json: generated from the validator's own definitions (compiler/schema.ts) and
 * committed in sync; every sample and fixture net validates against it (ajv, as editors' YAML
 * language servers do); what the validator rejects for keys and types, the schema rejects too.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { buildText } from '../compiler/index.js';
import { schemaText } from '../compiler/schema.js';
import { LayergenError } from '../compiler/errors.js';
import { repo } from './helpers.js';

const committed = readFileSync(repo('schema/net.schema.json'), 'utf8');
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(committed) as object);

test('the committed schema is what compiler/schema.ts generates (npm run schema)', () => {
  assert.is(committed, schemaText());
});

const nets = [
  ...readdirSync(repo('samples')).filter((f) => f.endsWith('.yaml')).map((f) => `samples/${f}`),
  ...readdirSync(repo('test/fixtures/nets')).filter((f) => f.endsWith('.yaml')).map((f) => `test/fixtures/nets/${f}`),
];

test('every sample and fixture net validates', () => {
  assert.ok(nets.length > 200, `${nets.length} nets`);
  for (const f of nets) {
    const ok = validate(parse(readFileSync(repo(f), 'utf8')));
    assert.ok(ok, `${f}: ${ajv.errorsText(validate.errors)}`);
  }
  // and the samples point editors at it
  for (const f of nets.filter((n) => n.startsWith('samples/'))) assert.match(readFileSync(repo(f), 'utf8'), /^# yaml-language-server: \$schema=\.\.\/schema\/net\.schema\.json\n/, f);
});

const NET = 'name: t\ninputs:\n  x: [3]\nlayers:\n  - name: fc\n    type: linear\n    units: 2\nseed: 1\n';

test('what the validator rejects (unknown keys, wrong types, missing keys, bad enums), the schema rejects', () => {
  const cases: [string, string][] = [
    ['an unknown layer key', NET.replace('units: 2', 'units: 2\n    unitz: 3')],
    ['an unknown top-level key', NET + 'extra: 1\n'],
    ['an unknown layer type', NET.replace('linear', 'linaer')],
    ['a string for an int', NET.replace('units: 2', 'units: two')],
    ['an int below its minimum', NET.replace('units: 2', 'units: 0')],
    ['a missing required key', NET.replace('    units: 2\n', '')],
    ['a bad enum value', NET.replace('type: linear\n    units: 2', 'type: conv1d\n    channels: 2\n    kernel: 1\n    padding_mode: mirror')],
    ['a bad input dtype', NET.replace('x: [3]', 'x: {shape: [3], dtype: complex}')],
    ['__proto__ as a layer name', NET.replace('name: fc', 'name: __proto__')],
  ];
  for (const [what, text] of cases) {
    assert.throws(() => buildText(text, 'net.yaml'), (e: unknown) => e instanceof LayergenError, `the validator rejects ${what}`);
    assert.not.ok(validate(parse(text)), `the schema rejects ${what}`);
  }
  assert.ok(validate(parse(NET)));
});

test('descriptions and defaults come from the op definitions', () => {
  const s = JSON.parse(committed) as { definitions: { layer: { allOf: { if: { properties: { type: { const: string } } }; then: { properties: Record<string, { default?: unknown; description?: string }>; required: string[] } }[] } } };
  const conv = s.definitions.layer.allOf.find((c) => c.if.properties.type.const === 'conv2d')!.then;
  assert.equal(conv.required.sort(), ['channels', 'kernel']);
  assert.is(conv.properties.stride!.default !== undefined, true);
  assert.match(conv.properties.padding_mode!.description!, /.+/);
});

test.run();
