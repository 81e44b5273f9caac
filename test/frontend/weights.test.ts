/**
 * Weight files in every format: the fixtures (test/fixtures/weights, made by make_weight_files.py)
 * load to exactly the values numpy/torch wrote, corrupt ones give one clear message naming the
 * file and tensor, and a net builds with the same parameters from .json, .npz and .safetensors.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildText, LayergenError } from '../../compiler/index.js';
import { loadWeights, type WeightSet } from '../../compiler/frontend/weights.js';
import { repo, tempDir } from '../helpers.js';

const DIR = repo('test/fixtures/weights');
const FROM = { file: 'net.yaml', line: 9, col: 10 };
type Expected = Record<string, Record<string, { shape: number[]; data: number[] }>>;
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Expected;

const load = (name: string, dir = DIR): WeightSet => loadWeights(join(dir, name), name, FROM);

function err(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof LayergenError) return e.message;
    throw e;
  }
  throw new Error('expected a LayergenError');
}

test('every good fixture has expected values, every other is a bad_ one', () => {
  const files = readdirSync(DIR).filter((f) => /\.(json|npz|safetensors)$/.test(f) && f !== 'expected.json');
  assert.equal(files.filter((f) => !f.startsWith('bad_')).sort(), Object.keys(EXPECTED).sort());
  assert.ok(Object.keys(EXPECTED).length >= 17);
});

for (const [name, tensors] of Object.entries(EXPECTED)) {
  test(`loads ${name} exactly`, () => {
    const got = load(name);
    assert.equal([...got.keys()].sort(), Object.keys(tensors).sort());
    for (const [key, want] of Object.entries(tensors)) {
      const t = got.get(key)!;
      assert.equal(t.shape, want.shape, `${key} shape`);
      assert.ok(t.data instanceof Float64Array);
      assert.equal(Array.from(t.data), want.data, `${key} data`);
    }
  });
}

test('float16/bfloat16/float64 fixtures really differ from the float32 values', () => {
  const w = (f: string) => Array.from(load(f).get('fc.weight')!.data);
  const f32 = w('fc_f32.npz');
  for (const f of ['fc_f16.npz', 'fc_f16.safetensors', 'fc_bf16.safetensors', 'fc_f64.npz', 'fc_f64.safetensors']) {
    assert.not.equal(w(f), f32, f);
  }
  assert.equal(w('fc_f16.npz'), w('fc_f16.safetensors'));
  assert.equal(w('fc_f64.npz'), w('fc_f64.safetensors'));
  assert.ok(Math.abs(load('fc_f16.npz').get('fc.bias')!.data[0]!) < 2 ** -14, 'fc.bias[0] is a float16 subnormal');
});

test('state_dicts: BatchNorm num_batches_tracked (int64) is skipped in every format', () => {
  for (const f of ['state_dict.npz', 'state_dict.safetensors', 'state_dict.json']) {
    const keys = [...load(f).keys()].sort();
    assert.equal(keys, ['bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.weight', 'fc.bias', 'fc.weight'], f);
  }
});

const BAD: [string, RegExp][] = [
  ['bad_truncated.npz', /^bad_truncated\.npz: truncated: the zip archive has no end-of-central-directory record \(file cut short\?\)$/],
  ['bad_crc.npz', /^bad_crc\.npz: corrupt zip: member "fc\.weight\.npy": CRC-32 mismatch \(recorded 0x[0-9a-f]{8}, data has 0x[0-9a-f]{8}\)$/],
  ['bad_deflate.npz', /^bad_deflate\.npz: corrupt zip: member "fc\.weight\.npy": (invalid deflate data|CRC-32 mismatch|it inflates)/],
  ['bad_not_zip.npz', /^bad_not_zip\.npz: not a zip archive \(no end-of-central-directory record\)$/],
  ['bad_plain_npy.npz', /^bad_plain_npy\.npz: not a zip archive but a single \.npy array; save named tensors with numpy\.savez$/],
  ['bad_int.npz', /^bad_int\.npz: tensor "fc\.weight": unsupported dtype "<i8" \(expected float16\/32\/64\)$/],
  ['bad_object.npz', /^bad_object\.npz: tensor "fc\.weight": unsupported dtype "\|O" \(expected float16\/32\/64; object arrays are pickles and are never loaded\)$/],
  ['bad_nan.npz', /^bad_nan\.npz: tensor "fc\.bias": non-finite value NaN at index \[1\] \(weights must be finite\)$/],
  ['bad_npy_size.npz', /^bad_npy_size\.npz: tensor "fc\.weight": truncated data: 20 bytes, but <f4 \[2, 3\] needs 24$/],
  ['bad_npy_header.npz', /^bad_npy_header\.npz: tensor "fc\.bias": malformed \.npy header \(no shape\): "\{'descr'/],
  [
    'bad_torch_save.npz',
    /^bad_torch_save\.npz: member "bad_torch_save\/data\.pkl" is not a \.npy array \(this is a torch\.save file: convert it with numpy\.savez\(path, \*\*\{k: v\.numpy\(\) for k, v in state_dict\.items\(\)\}\)\)$/,
  ],
  ['bad_trunc_header.safetensors', /^bad_trunc_header\.safetensors: truncated: header says 160 bytes, file has 32 after the length$/],
  ['bad_header_len.safetensors', /^bad_header_len\.safetensors: truncated: header says 1099511627776 bytes, file has 192 after the length$/],
  ['bad_trunc_data.safetensors', /^bad_trunc_data\.safetensors: tensor "fc\.weight": data_offsets \[8, 32\] run past the end of the data \(28 bytes; file truncated\?\)$/],
  ['bad_offsets.safetensors', /^bad_offsets\.safetensors: tensor "fc\.bias": data_offsets \[1000, 1008\] run past the end of the data \(32 bytes; file truncated\?\)$/],
  ['bad_size.safetensors', /^bad_size\.safetensors: tensor "fc\.weight": data_offsets \[8, 32\] hold 24 bytes, but F32 \[2, 2\] needs 16$/],
  ['bad_dtype.safetensors', /^bad_dtype\.safetensors: tensor "fc\.weight": unsupported dtype "I32" \(expected F16, BF16, F32 or F64\)$/],
  ['bad_overlap.safetensors', /^bad_overlap\.safetensors: tensor "fc\.weight": data_offsets \[4, 28\] overlap tensor "fc\.bias" \[0, 8\]$/],
  ['bad_json.safetensors', /^bad_json\.safetensors: invalid JSON header: /],
  ['bad_inf.safetensors', /^bad_inf\.safetensors: tensor "fc\.bias": non-finite value Infinity at index \[1\] \(weights must be finite\)$/],
];

for (const [name, re] of BAD) {
  test(`error: ${name}`, () => {
    const m = err(() => load(name));
    assert.match(m, re, m);
  });
}

test('every bad_ fixture has a case', () => {
  const bad = readdirSync(DIR).filter((f) => f.startsWith('bad_'));
  assert.equal(bad.sort(), BAD.map(([f]) => f).sort());
});

test('file types: unknown extensions list the supported ones; torch checkpoints get a hint', () => {
  assert.match(
    err(() => load('w.h5')),
    /^net\.yaml:9:10: weights: "w\.h5": unsupported weight file type "\.h5" \(supported: \.json, \.npz, \.safetensors\)$/,
  );
  assert.match(err(() => load('model.pt')), /"model\.pt": unsupported weight file type "\.pt" \(supported: \.json, \.npz, \.safetensors\); a torch\.save checkpoint is a pickle: convert it with numpy\.savez/);
  assert.match(err(() => load('weights')), /unsupported weight file type "\(none\)"/);
  assert.match(err(() => load('nowhere.npz')), /^net\.yaml:9:10: weights: cannot read "nowhere\.npz": ENOENT$/);
  assert.equal([...load('FC_F32.NPZ', tempCopy('fc_f32.npz', 'FC_F32.NPZ')).keys()].sort(), ['fc.bias', 'fc.weight']);
});

function tempCopy(from: string, to: string): string {
  const dir = tempDir('weights-copy');
  writeFileSync(join(dir, to), readFileSync(join(DIR, from)));
  return dir;
}

test('JSON: non-finite values (1e999) are rejected like in the binary formats', () => {
  const dir = tempDir('weights-json');
  writeFileSync(join(dir, 'w.json'), '{"fc.weight": [[1, 2, 3], [4, 1e999, 6]], "fc.bias": [0, 1]}');
  assert.match(err(() => load('w.json', dir)), /^w\.json: tensor "fc\.weight": non-finite value Infinity at index \[1, 1\] \(weights must be finite\)$/);
  writeFileSync(join(dir, 'w.json'), '{"bn.num_batches_tracked": 2.5, "cn.num_batches_tracked": 3}');
  assert.equal([...load('w.json', dir).keys()], ['bn.num_batches_tracked'], 'a non-integer counter is kept (and params.ts reports it)');
});

// --- nets built from each format -------------------------------------------------------------

const NET = (weights: string, units = 2) => `name: t
inputs:
  x: [3]
layers:
  - name: fc
    type: linear
    units: ${units}
  - name: act
    type: relu
weights: ${weights}
`;

function fcParams(weights: string): { weight: number[]; bias: number[] } {
  const { graph } = buildText(NET(weights), join(DIR, 'net.yaml'), { disable: ['fuseElementwise'] });
  const fc = graph.nodes.find((n) => n.name === 'fc')!;
  return { weight: Array.from(fc.params.weight!.data), bias: Array.from(fc.params.bias!.data) };
}

test('a net gets the same parameters from .json, .npz (stored, deflated, zip64, npy v2/v3) and .safetensors', () => {
  const json = fcParams('fc.json');
  assert.equal(json.weight, EXPECTED['fc.json']!['fc.weight']!.data);
  for (const f of ['fc_f32.npz', 'fc_f32_compressed.npz', 'fc_zip64.npz', 'fc_npy_v2_v3.npz', 'fc_f32.safetensors']) {
    assert.equal(fcParams(f), json, f);
  }
  assert.equal(fcParams('fc_f64.npz'), fcParams('fc_f64.safetensors'));
});

test('errors through buildText name the weights file (as shown) and the tensor', () => {
  const build = (text: string) => err(() => buildText(text, join(DIR, 'net.yaml')));
  assert.match(build(NET('fc_f32.npz', 3)), /fc_f32\.npz: tensor "fc\.weight": expected shape \[3, 3\], got \[2, 3\]/);
  assert.match(build(NET('fc_f32.safetensors', 3)), /fc_f32\.safetensors: tensor "fc\.weight": expected shape \[3, 3\], got \[2, 3\]/);
  assert.match(build(NET('fc_fortran.npz')), /fc_fortran\.npz: tensors that match no layer parameter: "conv\.weight"/);
  assert.match(build(NET('bad_crc.npz')), /^(\S*\/)?bad_crc\.npz: corrupt zip: member "fc\.weight\.npy": CRC-32 mismatch/);
  assert.match(build(NET('bad_dtype.safetensors')), /^(\S*\/)?bad_dtype\.safetensors: tensor "fc\.weight": unsupported dtype "I32"/);
  assert.match(build(NET('missing.safetensors')), /weights: cannot read "[^"]*missing\.safetensors": ENOENT$/);
});

test.run();
