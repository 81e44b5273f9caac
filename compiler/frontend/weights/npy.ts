/**
 * One .npy array (format versions 1, 2 and 3) -> a float64 tensor. Floats of 2, 4 and 8 bytes
 * in either byte order; Fortran-ordered data is transposed to row-major; shape () is [].
 */
import { decodeFloats, ITEMSIZE, type FloatKind } from './floats.js';
import { checkFinite, elementCount, isStepCounter, weightError, type LoadedTensor } from './tensor.js';

const MAGIC = Buffer.from('\x93NUMPY', 'latin1');
const FLOATS: Readonly<Record<string, FloatKind>> = { f2: 'f16', f4: 'f32', f8: 'f64' };

interface Header {
  readonly descr: string;
  readonly fortran: boolean;
  readonly shape: number[];
}

/** Parses `bytes` as tensor `key`; undefined for a skipped integer step counter. */
export function readNpy(bytes: Uint8Array, file: string, key: string): LoadedTensor | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (detail: string) => weightError(file, detail, key);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw fail('not a .npy array (bad magic)');
  const major = buf[6]!;
  if (major < 1 || major > 3) throw fail(`unsupported .npy format version ${major}.${buf[7]}`);
  const lenBytes = major === 1 ? 2 : 4;
  if (buf.length < 8 + lenBytes) throw fail('truncated .npy header');
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const dataStart = 8 + lenBytes + headerLen;
  if (dataStart > buf.length) throw fail(`truncated .npy header: it says ${headerLen} bytes, ${buf.length - 8 - lenBytes} are there`);
  const header = parseHeader(buf.toString(major === 3 ? 'utf8' : 'latin1', 8 + lenBytes, dataStart), fail);

  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(header.descr);
  const kind = m ? FLOATS[`${m[2]}${m[3]}`] : undefined;
  if (m && !kind && isStepCounter(key) && (m[2] === 'i' || m[2] === 'u')) return undefined;
  if (!m || !kind || m[1] === '|') {
    const hint = /^[<>|=]?O/.test(header.descr) ? '; object arrays are pickles and are never loaded' : '';
    throw fail(`unsupported dtype ${JSON.stringify(header.descr)} (expected float16/32/64${hint})`);
  }
  const n = elementCount(header.shape, file, key);
  const want = n * ITEMSIZE[kind];
  const have = buf.length - dataStart;
  if (have !== want) {
    throw fail(`${have < want ? 'truncated ' : ''}data: ${have} bytes, but ${header.descr} [${header.shape.join(', ')}] needs ${want}`);
  }
  let data = decodeFloats(buf.subarray(dataStart), kind, m[1] !== '>');
  if (header.fortran) data = fortranToRowMajor(data, header.shape);
  return checkFinite({ shape: header.shape, data }, file, key);
}

/** The header is a Python dict literal: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. */
function parseHeader(text: string, fail: (detail: string) => Error): Header {
  const t = text.trim();
  const bad = (why: string) => fail(`malformed .npy header (${why}): ${JSON.stringify(t.slice(0, 120))}`);
  if (!t.startsWith('{') || !t.endsWith('}')) throw bad('not a dict');
  if (/['"]descr['"]\s*:\s*\[/.test(t)) throw fail('unsupported dtype: a structured array (expected float16/32/64)');
  const descr = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(t)?.[2];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)\b/.exec(t)?.[1];
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(t)?.[1];
  if (descr === undefined) throw bad('no descr');
  if (fortran === undefined) throw bad('no fortran_order');
  if (shape === undefined) throw bad('no shape');
  const dims = shape.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!dims.every((d) => /^\d+L?$/.test(d))) throw bad('shape is not a tuple of integers');
  return { descr, fortran: fortran === 'True', shape: dims.map((d) => Number.parseInt(d, 10)) };
}

/** Column-major (first index fastest) data -> row-major (last index fastest). */
export function fortranToRowMajor(src: Float64Array, shape: readonly number[]): Float64Array {
  if (shape.length < 2) return src;
  const r = shape.length;
  const stride: number[] = [1];
  for (let k = 1; k < r; k++) stride.push(stride[k - 1]! * shape[k - 1]!);
  const idx = new Array<number>(r).fill(0);
  const out = new Float64Array(src.length);
  let off = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = src[off]!;
    for (let k = r - 1; k >= 0; k--) {
      idx[k]!++;
      off += stride[k]!;
      if (idx[k]! < shape[k]!) break;
      off -= shape[k]! * stride[k]!;
      idx[k] = 0;
    }
  }
  return out;
}
