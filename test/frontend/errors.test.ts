/** Bad nets give one clear error with file:line:col and the layer, never a stack trace. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildText, LayergenError } from '../../compiler/index.js';
import { tempDir } from '../helpers.js';

const NET = `name: t
inputs:
  x: [3]
layers:
  - name: fc
    type: linear
    units: 2
  - name: act
    type: relu
seed: 1
`;

function err(text: string, file = 'net.yaml'): string {
  try {
    buildText(text, file);
  } catch (e) {
    if (e instanceof LayergenError) return e.message;
    throw e;
  }
  throw new Error('expected a LayergenError');
}

test('a valid net builds', () => {
  const { graph } = buildText(NET, 'net.yaml', { disable: ['fuseElementwise'] });
  assert.equal(graph.nodes.map((n) => [n.name, n.type!.shape]), [
    ['x', [3]],
    ['fc', [2]],
    ['act', [2]],
  ]);
});

const cases: [string, string, RegExp][] = [
  ['unknown top-level key', NET + 'extra: 1\n', /^net\.yaml:11:1: net: unknown key "extra" \(allowed: name, inputs, layers, outputs, weights, seed\)$/],
  ['unknown layer key', NET.replace('units: 2', 'units: 2\n    unit: 3'), /^net\.yaml:8:5: layer "fc": layer: unknown key "unit"/],
  ['wrong value type', NET.replace('units: 2', 'units: two'), /^net\.yaml:7:12: layer "fc": units: expected a number, got the string "two"$/],
  ['non-positive units', NET.replace('units: 2', 'units: 0'), /^net\.yaml:7:12: layer "fc": units: expected an integer >= 1, got 0$/],
  ['missing required key', NET.replace('    units: 2\n', ''), /^net\.yaml:5:5: layer "fc": missing required key "units"/],
  ['unknown layer type', NET.replace('type: relu', 'type: relux'), /^net\.yaml:9:11: layer "act": unknown layer type "relux"; did you mean "relu"\? \(`layergen layers` lists them all\)$/],
  ['unknown layer type, nothing close', NET.replace('type: relu', 'type: wavelet'), /^net\.yaml:9:11: layer "act": unknown layer type "wavelet" \(known: linear,/],
  ['duplicate layer name', NET.replace('name: act', 'name: fc'), /^net\.yaml:8:5: layer "fc": duplicate layer name \(first defined at line 5\)$/],
  ['unknown reference', NET.replace('type: relu', 'type: relu\n    input: fc3'), /^net\.yaml:10:12: layer "act": unknown input "fc3" \(did you mean "fc"\?\) \(inputs and layers: x, fc, act\)$/],
  [
    'cycle',
    NET.replace('units: 2', 'units: 2\n    input: act').replace('type: relu', 'type: relu\n    input: fc'),
    /^net\.yaml:5:5: layer "fc": cycle in the layer graph: fc -> act -> fc$/,
  ],
  ['shape mismatch in params', NET.replace('units: 2', 'units: 2\n    params:\n      bias: [1, 2, 3]'), /^net\.yaml:9:7: layer "fc": params\.bias: expected shape \[2\], got \[3\]$/],
  ['unexpected param', NET.replace('units: 2', 'units: 2\n    params:\n      gamma: [1, 2]'), /^net\.yaml:9:7: layer "fc": params: unexpected parameter "gamma" \(linear has weight, bias\)$/],
  ['ragged params', NET.replace('units: 2', 'units: 2\n    params:\n      weight: [[1, 2, 3], [1, 2]]'), /layer "fc": params\.weight: ragged nested list/],
  ['missing parameter without seed', NET.replace('seed: 1\n', ''), /^net\.yaml:5:5: layer "fc": missing parameter "weight" \(shape \[2, 3\]\): give it under params:, as "fc\.weight" in a weights file, or set seed:$/],
  ['bad YAML', NET.replace('units: 2', 'units: [2'), /^net\.yaml:\d+:\d+: invalid YAML: /],
  ['bad net name', NET.replace('name: t', 'name: 9t'), /^net\.yaml:1:7: name: "9t" is not a valid module name/],
  ['bad layer name', NET.replace('name: fc', 'name: "f c"'), /^net\.yaml:5:11: name: "f c" is not a valid layer name/],
  ['bad input shape', NET.replace('x: [3]', 'x: [0]'), /^net\.yaml:3:7: input "x": shape: expected an integer >= 1, got 0$/],
  ['unknown output', NET + 'outputs: [nope]\n', /^net\.yaml:11:11: outputs: unknown layer "nope" \(layers: fc, act\)$/],
  ['output twice', NET + 'outputs: [fc, fc]\n', /^net\.yaml:11:15: outputs: "fc" is listed twice$/],
  ['softmax axis out of range', NET.replace('type: relu', 'type: softmax\n    axis: 2'), /^net\.yaml:8:5: layer "act": axis 2 is out of range for an input of rank 1 \(valid: -1\.\.0\)$/],
  ['int input to linear', NET.replace('x: [3]', 'x: {shape: [3], dtype: int}'), /layer "fc": expected a float input, got an int tensor of shape \[3\]/],
  ['too many inputs', NET.replace('type: relu', 'type: relu\n    inputs: [fc, x]'), /layer "act": relu takes 1 input, got 2$/],
  ['seed out of range', NET.replace('seed: 1', 'seed: -4'), /^net\.yaml:10:7: seed: expected an integer >= 0, got -4$/],
  ['missing weights file', NET + 'weights: nowhere.json\n', /^net\.yaml:11:10: weights: cannot read "[^"]*nowhere\.json": ENOENT$/],
  [
    'reverse with bidirectional',
    NET.replace('x: [3]', 'x: [5, 3]').replace('type: linear\n    units: 2', 'type: gru\n    units: 2\n    bidirectional: true\n    reverse: true'),
    /^net\.yaml:5:5: layer "fc": reverse: true and bidirectional: true cannot be combined/,
  ],
  ['reset_after on an lstm', NET.replace('x: [3]', 'x: [5, 3]').replace('type: linear', 'type: lstm\n    reset_after: false'), /^net\.yaml:7:5: layer "fc": layer: unknown key "reset_after"/],
];

for (const [what, text, re] of cases) {
  test(`error: ${what}`, () => {
    const m = err(text);
    assert.match(m, re, m);
  });
}

test('weights file: wrong shape, extra tensor, corrupt JSON name the file and tensor', () => {
  const dir = tempDir('weights');
  const net = (w: object): string => {
    writeFileSync(join(dir, 'w.json'), JSON.stringify(w));
    return NET.replace('seed: 1\n', 'weights: w.json\n');
  };
  const file = join(dir, 'net.yaml');
  const ok = { 'fc.weight': [[1, 2, 3], [4, 5, 6]], 'fc.bias': [0, 1] };
  assert.is(buildText(net(ok), file).graph.nodes[1]!.params.bias!.data[1], 1);
  assert.match(err(net({ ...ok, 'fc.bias': [0, 1, 2] }), file), /w\.json: tensor "fc\.bias": expected shape \[2\], got \[3\]/);
  assert.match(err(net({ ...ok, 'fc2.weight': [1] }), file), /w\.json: tensors that match no layer parameter: "fc2\.weight"/);
  assert.match(err(net({ 'fc.weight': ok['fc.weight'] }), file), /layer "fc": missing parameter "bias"/);
  assert.match(err(net({ ...ok, 'fc.bias': [0, 'a'] }), file), /w\.json: tensor "fc\.bias": expected a finite number, got "a"/);
  writeFileSync(join(dir, 'w.json'), '{"fc.weight": [1,');
  assert.match(err(NET.replace('seed: 1\n', 'weights: w.json\n'), file), /w\.json: invalid JSON/);
});

test('default names, explicit inputs, several outputs', () => {
  const { graph } = buildText(
    `name: t
inputs:
  x: [3]
layers:
  - type: linear
    units: 4
  - type: relu
  - type: linear
    units: 2
    input: x
outputs: [linear2, relu1]
seed: 7
`,
    'n.yaml',
    { disable: ['fuseElementwise'] },
  );
  assert.equal(graph.outputs.map((o) => o.name), ['linear2', 'relu1']);
  assert.equal(graph.nodes.map((n) => n.name).sort(), ['linear1', 'linear2', 'relu1', 'x']);
});

test.run();

test('YAML that is not plain data: unknown tags, deep nesting, several documents and non-finite numbers are errors at their place', () => {
  assert.match(err(NET.replace('type: linear', 'type: !!js/function linear')), /^net\.yaml:6:11: unknown YAML tag !!js\/function: layergen reads plain YAML/);
  assert.match(err(NET.replace('x: [3]', 'x: !!python/object:os.system [3]')), /^net\.yaml:3:6: unknown YAML tag !!python\/object:os\.system/);
  assert.match(err(NET.replace('units: 2', 'units: !custom 2')), /^net\.yaml:7:12: unknown YAML tag !custom/);
  // 100,000 nested lists would exhaust the YAML parser's memory: refused before it runs.
  assert.match(err(`name: t\ninputs:\n  x: ${'['.repeat(100_000)}${']'.repeat(100_000)}\nlayers: []\n`), /^net\.yaml:3:70: invalid YAML: lists or mappings nested more than 64 levels deep$/);
  assert.match(err(`${NET}---\nname: u\n`), /^net\.yaml:\d+:\d+: invalid YAML: Source contains multiple documents/);
  assert.match(err(NET.replace('type: relu', 'type: leaky_relu\n    slope: 1e309')), /^net\.yaml:10:12: layer "act": slope: 1e309 is not a finite number \(it is beyond the float64 range\)$/);
  assert.match(err(NET.replace('type: relu', 'type: leaky_relu\n    slope: .nan')), /layer "act": slope: \.nan is not a finite number$/);
});
