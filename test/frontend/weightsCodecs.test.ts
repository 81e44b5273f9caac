/** The pieces under the weight readers: CRC-32, half/bfloat16 decoding, Fortran order, and robustness. */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LayergenError } from '../../compiler/errors.js';
import { buildText } from '../../compiler/index.js';
import { crc32 } from '../../compiler/frontend/weights/crc32.js';
import { bf16ToNumber, decodeFloats, halfToNumber } from '../../compiler/frontend/weights/floats.js';
import { fortranToRowMajor } from '../../compiler/frontend/weights/npy.js';
import { readNpzWeights } from '../../compiler/frontend/weights/npz.js';
import { readSafetensorsWeights } from '../../compiler/frontend/weights/safetensors.js';
import { fmtIndex } from '../../compiler/frontend/weights/tensor.js';
import { repo, tempDir } from '../helpers.js';

test('crc32: the standard check values', () => {
  assert.is(crc32(new Uint8Array()), 0);
  assert.is(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.is(crc32(Buffer.from('The quick brown fox jumps over the lazy dog')), 0x414fa339);
});

test('float16: normals, subnormals, zeros, infinities, NaN', () => {
  const cases: [number, number][] = [
    [0x0000, 0],
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x0400, 2 ** -14],
    [0x3555, 0.333251953125],
    [0x3c00, 1],
    [0x3c01, 1 + 2 ** -10],
    [0xc000, -2],
    [0x7bff, 65504],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x8001, -(2 ** -24)],
  ];
  for (const [bits, want] of cases) assert.is(halfToNumber(bits), want, bits.toString(16));
  assert.ok(Object.is(halfToNumber(0x8000), -0));
  assert.ok(Number.isNaN(halfToNumber(0x7e00)) && Number.isNaN(halfToNumber(0x7c01)) && Number.isNaN(halfToNumber(0xfe00)));
});

test('float16: every finite pattern decodes to a value that survives the exact round trip', () => {
  // Independent of the formula: every value is a multiple of 2^-24, increasing with the bits, all distinct, sign-symmetric.
  const seen = new Set<number>();
  for (let b = 0; b < 0x7c00; b++) {
    const v = halfToNumber(b);
    assert.ok(Number.isInteger(v * 2 ** 24) && v >= 0 && v <= 65504, b.toString(16));
    assert.ok(v > halfToNumber(b - 1) || b === 0, 'monotone');
    seen.add(v);
    assert.ok(Object.is(halfToNumber(b | 0x8000), -v));
  }
  assert.is(seen.size, 0x7c00);
});

test('bfloat16: the upper half of a float32', () => {
  assert.is(bf16ToNumber(0x3f80), 1);
  assert.is(bf16ToNumber(0xc000), -2);
  assert.is(bf16ToNumber(0x3f81), 1 + 2 ** -7);
  assert.is(bf16ToNumber(0x0001), 2 ** -133);
  assert.is(bf16ToNumber(0x7f7f), 3.3895313892515355e38);
  assert.is(bf16ToNumber(0x7f80), Infinity);
  assert.is(bf16ToNumber(0xff80), -Infinity);
  assert.ok(Number.isNaN(bf16ToNumber(0x7fc0)));
  assert.ok(Object.is(bf16ToNumber(0x8000), -0));
});

test('decodeFloats: both byte orders, unaligned input', () => {
  const b = Buffer.alloc(1 + 8 + 4);
  b.writeDoubleBE(Math.PI, 1);
  b.writeFloatBE(-0.1, 9);
  assert.equal(Array.from(decodeFloats(b.subarray(1, 9), 'f64', false)), [Math.PI]);
  assert.equal(Array.from(decodeFloats(b.subarray(9), 'f32', false)), [Math.fround(-0.1)]);
  const le = Buffer.from([0x00, 0x3c, 0x00, 0xc0]);
  assert.equal(Array.from(decodeFloats(le, 'f16', true)), [1, -2]);
  assert.equal(Array.from(decodeFloats(Buffer.from([0x3c, 0x00]), 'f16', false)), [1]);
  assert.equal(Array.from(decodeFloats(Buffer.from([0x80, 0x3f]), 'bf16', true)), [1]);
});

test('Fortran order: rank 3 transposed to row-major; ranks 0-1 unchanged', () => {
  const shape = [2, 3, 4];
  const rowMajor = Array.from({ length: 24 }, (_, i) => i);
  // Fortran element (i, j, k) sits at i + 2 j + 6 k.
  const fortran = new Float64Array(24);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) fortran[i + 2 * j + 6 * k] = 12 * i + 4 * j + k;
  assert.equal(Array.from(fortranToRowMajor(fortran, shape)), rowMajor);
  assert.equal(Array.from(fortranToRowMajor(Float64Array.of(1, 2, 3), [3])), [1, 2, 3]);
  assert.equal(Array.from(fortranToRowMajor(Float64Array.of(7), [])), [7]);
  assert.equal(Array.from(fortranToRowMajor(new Float64Array(0), [0, 5])), []);
});

test('fmtIndex', () => {
  assert.is(fmtIndex(0, []), '[]');
  assert.is(fmtIndex(5, [2, 3]), '[1, 2]');
  assert.is(fmtIndex(13, [2, 3, 4]), '[1, 0, 1]');
});

test('safetensors: hand-made headers (no tensors, gaps, trailing bytes, bad entries)', () => {
  const st = (header: object, data: number[] = []) => {
    const h = Buffer.from(JSON.stringify(header));
    const n = Buffer.alloc(8);
    n.writeBigUInt64LE(BigInt(h.length));
    return Buffer.concat([n, h, Buffer.from(data)]);
  };
  const msg = (b: Buffer) => {
    try {
      readSafetensorsWeights(b, 'm.safetensors');
    } catch (e) {
      if (e instanceof LayergenError) return e.message;
      throw e;
    }
    return 'ok';
  };
  const f16 = (offsets: number[], shape = [1]) => ({ dtype: 'F16', shape, data_offsets: offsets });
  assert.is(readSafetensorsWeights(st({ __metadata__: { a: 'b' } }), 'm.safetensors').size, 0);
  assert.equal(Array.from(readSafetensorsWeights(st({ 'a.b': f16([0, 2]) }, [0x00, 0x3c]), 'm').get('a.b')!.data), [1]);
  assert.equal(readSafetensorsWeights(st({ 'a.e': f16([0, 0], [0, 3]) }), 'm').get('a.e')!.shape, [0, 3]);
  assert.match(msg(st({ 'a.b': f16([2, 4]) }, [0, 0, 0, 0])), /^m\.safetensors: tensor "a\.b": data_offsets \[2, 4\] leave bytes \[0, 2\) of the data unused$/);
  assert.match(msg(st({ 'a.b': f16([0, 2]) }, [0, 0, 9])), /^m\.safetensors: 1 bytes of data after the last tensor belong to no tensor$/);
  assert.match(msg(st({ 'a.b': f16([2, 0]) }, [0, 0])), /tensor "a\.b": data_offsets must be \[begin, end\] with 0 <= begin <= end, got \[2,0\]/);
  assert.match(msg(st({ 'a.b': { dtype: 'F16', shape: [-1], data_offsets: [0, 2] } }, [0, 0])), /tensor "a\.b": shape must be a list of integers >= 0, got \[-1\]/);
  assert.match(msg(st({ 'a.b': 'x' })), /tensor "a\.b": header entry is not an object/);
  assert.match(msg(st([1, 2])), /^m\.safetensors: the header is not a JSON object$/);
  assert.match(msg(st({ 'a.num_batches_tracked': { dtype: 'F8_E4M3', shape: [], data_offsets: [0, 1] } }, [0])), /unsupported dtype "F8_E4M3"/);
  assert.match(msg(Buffer.from([1, 2, 3])), /^m\.safetensors: truncated: 3 bytes, too short for the 8-byte header length$/);
});

test('npz: members that are not .npy, duplicates, bad .npy', () => {
  const msg = (b: Buffer) => {
    try {
      readNpzWeights(b, 'w.npz');
    } catch (e) {
      if (e instanceof LayergenError) return e.message;
      throw e;
    }
    return 'ok';
  };
  assert.match(msg(zip([['notes.txt', Buffer.from('hi')]])), /^w\.npz: member "notes\.txt" is not a \.npy array$/);
  assert.match(msg(zip([['a.npy', Buffer.from('x')], ['a.npy', Buffer.from('x')]])), /^w\.npz: corrupt zip: member "a\.npy" appears twice$/);
  assert.match(msg(zip([['a.npy', Buffer.from('not npy')]])), /^w\.npz: tensor "a": not a \.npy array \(bad magic\)$/);
  assert.is(readNpzWeights(zip([]), 'w.npz').size, 0);
});

test('npz: members that declare more than the net can need are refused before anything is inflated', () => {
  const b = zip([['fc.weight.npy', Buffer.from('tiny')]]);
  // The member claims 1 GiB uncompressed (a deflate bomb's directory): local and central sizes.
  const central = b.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  b.writeUInt32LE(2 ** 30, 22);
  b.writeUInt32LE(2 ** 30, central + 24);
  let msg = '';
  try {
    readNpzWeights(b, 'w.npz', { bytes: 65_600, why: "the net's 8 parameters can need" });
  } catch (e) {
    if (!(e instanceof LayergenError)) throw e;
    msg = e.message;
  }
  assert.match(msg, /^w\.npz: its members declare 1,073,741,824 bytes uncompressed, more than the 65,600 bytes the net's 8 parameters can need \(checked before inflating\)$/);
  // Through the loader: the budget comes from the net's parameter count.
  const dir = tempDir('npz-bomb');
  writeFileSync(join(dir, 'w.npz'), b);
  writeFileSync(join(dir, 'net.yaml'), 'name: t\ninputs:\n  x: [3]\nlayers:\n  - name: fc\n    type: linear\n    units: 2\nweights: w.npz\n');
  let viaNet = '';
  try {
    buildText(readFileSync(join(dir, 'net.yaml'), 'utf8'), join(dir, 'net.yaml'));
  } catch (e) {
    if (!(e instanceof LayergenError)) throw e;
    viaNet = e.message;
  }
  assert.match(viaNet, /w\.npz: its members declare 1,073,741,824 bytes uncompressed, more than the 4,325,440 bytes the net's 8 parameters can need/);
});

/** A minimal stored zip (no zip64), to make archives the fixtures do not cover. */
function zip(members: [string, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let off = 0;
  for (const [name, data] of members) {
    const nb = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nb.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt32LE(crc32(data), 16);
    c.writeUInt32LE(data.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(nb.length, 28);
    c.writeUInt32LE(off, 42);
    parts.push(local, nb, data);
    central.push(c, nb);
    off += 30 + nb.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(off, 16);
  return Buffer.concat([...parts, cd, end]);
}

test('robustness: every truncation and every flipped byte of every binary fixture loads or gives a LayergenError', () => {
  const dir = repo('test/fixtures/weights');
  const files = readdirSync(dir).filter((f) => /\.(npz|safetensors)$/.test(f));
  let errors = 0;
  let loads = 0;
  for (const f of files) {
    const good = readFileSync(join(dir, f));
    const read = f.endsWith('.npz') ? readNpzWeights : readSafetensorsWeights;
    const variants: Buffer[] = [];
    for (let n = 0; n < good.length; n++) variants.push(good.subarray(0, n));
    for (let i = 0; i < good.length; i++) {
      for (const x of [0xff, 0x01, 0x80]) {
        const b = Buffer.from(good);
        b[i]! ^= x;
        variants.push(b);
      }
    }
    for (const b of variants) {
      try {
        read(b, f);
        loads++;
      } catch (e) {
        if (!(e instanceof LayergenError)) throw new Error(`${f} (${b.length} bytes): raw ${String(e)}`);
        assert.ok(e.message.startsWith(`${f}: `), e.message);
        errors++;
      }
    }
  }
  assert.ok(errors > 10000 && loads > 0, `${errors} errors, ${loads} loads`);
});

test.run();
