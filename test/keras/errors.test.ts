/**
 * Keras import errors: clear LayergenErrors naming the file (and the layer), never a crash, a
 * stack trace or HDF5's own diagnostics on stderr. Damaged files are made here from the fixtures.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LayergenError } from '../../compiler/errors.js';
import { importKeras, importKerasFile } from '../../compiler/frontend/keras/index.js';
import { readZip } from '../../compiler/frontend/weights/zip.js';
import { repo } from '../helpers.js';
import { modelPath } from './support.js';

async function importError(bytes: Uint8Array, file: string): Promise<string> {
  try {
    await importKeras(bytes, file);
  } catch (e) {
    if (e instanceof LayergenError) return e.message;
    throw e;
  }
  throw new Error('import should have failed');
}

const H5 = readFileSync(modelPath('lstm_last.h5'));
const KERAS = readFileSync(modelPath('lstm_last.keras'));

/** HDF5 writes nothing to stderr while a damaged file is read (its diagnostics become the message). */
async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  const consoleError = console.error;
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  console.error = (...a: unknown[]) => {
    stderr += a.join(' ');
  };
  try {
    return { value: await fn(), stderr };
  } finally {
    process.stderr.write = write;
    console.error = consoleError;
  }
}

test('an empty file, truncated .h5 files and random bytes are clear errors', async () => {
  assert.match(await importError(new Uint8Array(0), 'model.h5'), /^model\.h5: the file is empty \(0 bytes\), not an HDF5 file$/);
  for (const frac of [0.005, 0.1, 0.5, 0.9, 0.999]) {
    const { value: msg, stderr } = await quietly(() => importError(H5.subarray(0, Math.floor(H5.length * frac)), 'model.h5'));
    assert.match(msg, /^model\.h5: /, `cut at ${frac}: ${msg}`);
    assert.is(stderr, '', `nothing on stderr (cut at ${frac})`);
    assert.not.match(msg, /\n|HDF5-DIAG|#00/, `one line, no HDF5 stack: ${msg}`);
  }
  assert.match(await importError(H5.subarray(0, H5.length - 100), 'model.h5'), /^model\.h5: the file cannot be opened: truncated file: .* \(file cut short\?\)$/);
  const noise = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251);
  assert.match(await importError(noise, 'model.h5'), /^model\.h5: the file is not an HDF5 file \(no HDF5 signature\)$/);
  assert.match(await importError(readFileSync(repo('samples/mlp.yaml')), 'model.h5'), /not an HDF5 file/);
});

test('a corrupt HDF5 body is a clear error', async () => {
  // Overwrite everything after the superblock with noise, keeping the size (the superblock's end-of-file address stays right).
  const bad = Uint8Array.from(H5);
  for (let i = 96; i < bad.length; i++) bad[i] = (i * 31 + 7) % 256;
  const { value: msg, stderr } = await quietly(() => importError(bad, 'model.h5'));
  assert.match(msg, /^model\.h5: /);
  assert.is(stderr, '');
});

test('truncated and corrupt .keras archives are clear errors', async () => {
  for (const frac of [0.1, 0.5, 0.99]) {
    const msg = await importError(KERAS.subarray(0, Math.floor(KERAS.length * frac)), 'model.keras');
    assert.match(msg, /^model\.keras: (truncated|corrupt zip)/, `cut at ${frac}: ${msg}`);
  }
  assert.match(await importError(H5, 'model.keras'), /^model\.keras: not a zip archive/);
  // A zip that is not a Keras archive (an .npz).
  const npz = readFileSync(repo('test/fixtures/weights/fc_f32.npz'));
  assert.match(await importError(npz, 'model.keras'), /^model\.keras: not a \.keras archive: no config\.json \(members: /);
});

test('a .h5 holding weights only, or no Keras model, says so', async () => {
  // The weights file inside a .keras archive is HDF5 without model_config.
  const weights = readZip(KERAS, 'model.keras').find((m) => m.name === 'model.weights.h5')!.data;
  assert.match(await importError(weights, 'weights.h5'), /^weights\.h5: not a Keras model: the HDF5 file has no "model_config" attribute: it holds weights only/);
});

test('a missing file is a clear error', async () => {
  try {
    await importKerasFile(repo('test/fixtures/keras/no-such.keras'));
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof LayergenError && /no-such\.keras: cannot read model: ENOENT/.test(e.message), String(e));
  }
});

test('--name must be an identifier', async () => {
  try {
    await importKeras(H5, 'm.h5', { name: 'not a name' });
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof LayergenError && /--name: "not a name" is not a valid net name/.test(e.message), String(e));
  }
});

test('names from the file become identifiers, never code', async () => {
  const { result } = await import('./support.js').then((s) => s.importToTemp(modelPath('mlp.keras'), 'odd_name'));
  assert.match(result.yaml, /^name: odd_name$/m);
  assert.match(result.yaml, /^# Imported from mlp\.keras \(Keras 3\.6\.0, Sequential\) by layergen import\.$/m);
});

test.run();
