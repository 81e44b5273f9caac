/**
 * .safetensors: an 8-byte little-endian header length N, N bytes of JSON
 * `{"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}`,
 * then the data buffer the offsets index. Float dtypes F16, BF16, F32, F64 are read; the buffer
 * must be covered exactly (in bounds, right sizes, no overlaps or gaps), as the reference reader demands.
 */
import { decodeFloats, ITEMSIZE, type FloatKind } from './floats.js';
import { checkFinite, elementCount, isStepCounter, weightError, type LoadedTensor, type WeightSet } from './tensor.js';

const FLOATS: Readonly<Record<string, FloatKind>> = { F16: 'f16', BF16: 'bf16', F32: 'f32', F64: 'f64' };
const INTS: Readonly<Record<string, number>> = { I8: 1, U8: 1, I16: 2, U16: 2, I32: 4, U32: 4, I64: 8, U64: 8 };

interface Entry {
  readonly key: string;
  readonly shape: number[];
  readonly kind?: FloatKind;
  readonly begin: number;
  readonly end: number;
}

export function readSafetensorsWeights(bytes: Buffer, file: string): WeightSet {
  const fail = (detail: string, key?: string) => weightError(file, detail, key);
  if (bytes.length < 8) throw fail(`truncated: ${bytes.length} bytes, too short for the 8-byte header length`);
  const n = bytes.readBigUInt64LE(0);
  if (n > BigInt(bytes.length - 8)) throw fail(`truncated: header says ${n} bytes, file has ${bytes.length - 8} after the length`);
  const dataStart = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, dataStart));
  } catch (e) {
    throw fail(`invalid JSON header: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw fail('the header is not a JSON object');

  const dataLen = bytes.length - dataStart;
  const entries: Entry[] = [];
  for (const [key, v] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    entries.push(parseEntry(key, v, dataLen, file));
  }
  checkCoverage(entries, dataLen, fail);

  const out = new Map<string, LoadedTensor>();
  for (const e of entries) {
    if (!e.kind) continue;
    const data = decodeFloats(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.kind, true);
    out.set(e.key, checkFinite({ shape: e.shape, data }, file, e.key));
  }
  return out;
}

/** One header entry, checked on its own; an integer step counter comes back without a kind. */
function parseEntry(key: string, v: unknown, dataLen: number, file: string): Entry {
  const fail = (detail: string, k?: string) => weightError(file, detail, k);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw fail('header entry is not an object', key);
  const { dtype, shape, data_offsets: offsets } = v as Record<string, unknown>;
  if (typeof dtype !== 'string') throw fail('header entry has no dtype', key);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(`shape must be a list of integers >= 0, got ${JSON.stringify(shape)}`, key);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
    throw fail(`data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`, key);
  }
  const kind = FLOATS[dtype];
  const intSize = INTS[dtype];
  if (!kind && !(intSize && isStepCounter(key))) {
    throw fail(`unsupported dtype ${JSON.stringify(dtype)} (expected F16, BF16, F32 or F64)`, key);
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLen) {
    throw fail(`data_offsets [${begin}, ${end}] run past the end of the data (${dataLen} bytes; file truncated?)`, key);
  }
  const want = elementCount(shape as number[], file, key) * (kind ? ITEMSIZE[kind] : intSize!);
  if (end - begin !== want) {
    throw fail(`data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} [${shape.join(', ')}] needs ${want}`, key);
  }
  return { key, shape: shape as number[], begin, end, ...(kind ? { kind } : {}) };
}

/** The non-empty tensors must tile the data buffer: sorted by offset, each begins where the last ended. */
function checkCoverage(entries: readonly Entry[], dataLen: number, fail: (d: string, k?: string) => Error): void {
  const sorted = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  let at = 0;
  let prev: Entry | undefined;
  for (const e of sorted) {
    if (e.begin < at) throw fail(`data_offsets [${e.begin}, ${e.end}] overlap tensor ${JSON.stringify(prev!.key)} [${prev!.begin}, ${prev!.end}]`, e.key);
    if (e.begin > at) throw fail(`data_offsets [${e.begin}, ${e.end}] leave bytes [${at}, ${e.begin}) of the data unused`, e.key);
    at = e.end;
    prev = e;
  }
  if (at !== dataLen) throw fail(`${dataLen - at} bytes of data after the last tensor belong to no tensor`);
}
