/**
 * A zip archive reader, enough for .npz: the central directory (zip64 included), stored and
 * deflated members, CRC-32 and size checks. Every failure is a LayergenError naming the file.
 */
import { inflateRawSync } from 'node:zlib';
import { crc32 } from './crc32.js';
import { weightError } from './tensor.js';

export interface ZipMember {
  readonly name: string;
  readonly data: Uint8Array;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const MAX16 = 0xffff;
const MAX32 = 0xffffffff;

/**
 * The members of the zip archive `bytes`, in central-directory order, decompressed and checked.
 * `maxBytes` bounds what the members may declare uncompressed in all: checked from the central
 * directory before anything is inflated (a small file of deflated zeros can declare gigabytes).
 */
export function readZip(bytes: Buffer, file: string, maxBytes = Infinity, why = ''): ZipMember[] {
  const r = new Reader(bytes, file);
  const dir = r.directory();
  r.need(dir.offset, dir.size, 'the central directory');
  const entries: Entry[] = [];
  const seen = new Set<string>();
  let pos = dir.offset;
  let declared = 0;
  for (let i = 0; i < dir.count; i++) {
    const e = r.entry(pos, i);
    if (seen.has(e.name)) throw r.fail(`corrupt zip: member ${JSON.stringify(e.name)} appears twice`);
    seen.add(e.name);
    entries.push(e);
    declared += e.usize;
    pos = e.next;
  }
  if (declared > maxBytes) {
    throw r.fail(`its members declare ${declared.toLocaleString('en-US')} bytes uncompressed, more than the ${maxBytes.toLocaleString('en-US')} bytes ${why || 'allowed'} (checked before inflating)`);
  }
  return entries.map((e) => ({ name: e.name, data: r.extract(e) }));
}

interface Entry {
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly csize: number;
  readonly usize: number;
  readonly local: number;
  /** Where the next central directory entry starts. */
  readonly next: number;
}

class Reader {
  constructor(
    private readonly bytes: Buffer,
    private readonly file: string,
  ) {}

  fail(detail: string): Error {
    return weightError(this.file, detail);
  }

  need(pos: number, len: number, what: string): void {
    if (pos < 0 || pos + len > this.bytes.length) {
      throw this.fail(`corrupt zip: ${what} at offset ${pos} runs past the end of the file (${this.bytes.length} bytes)`);
    }
  }

  u64(pos: number, what: string): number {
    const v = this.bytes.readBigUInt64LE(pos);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail(`corrupt zip: ${what} is ${v}`);
    return Number(v);
  }

  /** The end-of-central-directory record (22 bytes + a comment of up to 64 KiB, at the very end), zip64 one included. */
  directory(): { count: number; size: number; offset: number } {
    const b = this.bytes;
    let eocd = -1;
    for (let p = b.length - 22; p >= Math.max(0, b.length - 22 - MAX16); p--) {
      if (b.readUInt32LE(p) === SIG_EOCD && p + 22 + b.readUInt16LE(p + 20) <= b.length) {
        eocd = p;
        break;
      }
    }
    if (eocd < 0) {
      if (b.length >= 4 && b.readUInt32LE(0) === SIG_LOCAL) {
        throw this.fail('truncated: the zip archive has no end-of-central-directory record (file cut short?)');
      }
      if (b.subarray(0, 6).equals(Buffer.from('\x93NUMPY', 'latin1'))) {
        throw this.fail('not a zip archive but a single .npy array; save named tensors with numpy.savez');
      }
      throw this.fail('not a zip archive (no end-of-central-directory record)');
    }
    if (b.readUInt16LE(eocd + 4) !== 0 || b.readUInt16LE(eocd + 6) !== 0) throw this.fail('multi-disk zip archives are not supported');
    const count = b.readUInt16LE(eocd + 10);
    const size = b.readUInt32LE(eocd + 12);
    const offset = b.readUInt32LE(eocd + 16);
    if (count !== MAX16 && size !== MAX32 && offset !== MAX32) return { count, size, offset };
    const loc = eocd - 20;
    if (loc < 0 || b.readUInt32LE(loc) !== SIG_LOCATOR64) throw this.fail('corrupt zip: zip64 end-of-central-directory locator missing');
    const at = this.u64(loc + 8, 'the zip64 end-of-central-directory offset');
    this.need(at, 56, 'the zip64 end-of-central-directory record');
    if (b.readUInt32LE(at) !== SIG_EOCD64) throw this.fail(`corrupt zip: no zip64 end-of-central-directory record at offset ${at}`);
    return {
      count: this.u64(at + 32, 'the member count'),
      size: this.u64(at + 40, 'the central directory size'),
      offset: this.u64(at + 48, 'the central directory offset'),
    };
  }

  /** Central directory entry `i` at `pos`, with its zip64 extended information applied. */
  entry(pos: number, i: number): Entry {
    const b = this.bytes;
    this.need(pos, 46, `central directory entry ${i}`);
    if (b.readUInt32LE(pos) !== SIG_CENTRAL) throw this.fail(`corrupt zip: bad central directory entry ${i} at offset ${pos}`);
    const nameLen = b.readUInt16LE(pos + 28);
    const extraLen = b.readUInt16LE(pos + 30);
    const commentLen = b.readUInt16LE(pos + 32);
    this.need(pos + 46, nameLen + extraLen + commentLen, `central directory entry ${i}`);
    const name = b.toString('utf8', pos + 46, pos + 46 + nameLen);
    let csize = b.readUInt32LE(pos + 20);
    let usize = b.readUInt32LE(pos + 24);
    let local = b.readUInt32LE(pos + 42);
    // The 64-bit values of the saturated fields follow in the zip64 extra field, in this order.
    if (usize === MAX32 || csize === MAX32 || local === MAX32) {
      const what = `member ${JSON.stringify(name)}`;
      const z = findExtra(b, pos + 46 + nameLen, extraLen, 0x0001);
      if (!z) throw this.fail(`corrupt zip: ${what}: zip64 sizes missing`);
      let q = z.start;
      const next = (field: string): number => {
        if (q + 8 > z.end) throw this.fail(`corrupt zip: ${what}: zip64 field "${field}" missing`);
        q += 8;
        return this.u64(q - 8, `${what}'s ${field}`);
      };
      if (usize === MAX32) usize = next('uncompressed size');
      if (csize === MAX32) csize = next('compressed size');
      if (local === MAX32) local = next('local header offset');
    }
    return {
      name,
      flags: b.readUInt16LE(pos + 8),
      method: b.readUInt16LE(pos + 10),
      crc: b.readUInt32LE(pos + 16),
      csize,
      usize,
      local,
      next: pos + 46 + nameLen + extraLen + commentLen,
    };
  }

  /** A member's data: found through its local header, inflated if need be, size and CRC checked. */
  extract(e: Entry): Uint8Array {
    const b = this.bytes;
    const what = `member ${JSON.stringify(e.name)}`;
    if (e.flags & 1) throw this.fail(`${what} is encrypted`);
    this.need(e.local, 30, `${what}'s local header`);
    if (b.readUInt32LE(e.local) !== SIG_LOCAL) throw this.fail(`corrupt zip: ${what}: no local header at offset ${e.local}`);
    const nameLen = b.readUInt16LE(e.local + 26);
    this.need(e.local + 30, nameLen, `${what}'s local header`);
    if (b.toString('utf8', e.local + 30, e.local + 30 + nameLen) !== e.name) {
      throw this.fail(`corrupt zip: ${what}: the local header names a different member`);
    }
    const start = e.local + 30 + nameLen + b.readUInt16LE(e.local + 28);
    this.need(start, e.csize, `${what}'s data (${e.csize} bytes)`);
    const raw = b.subarray(start, start + e.csize);
    let data: Uint8Array;
    if (e.method === 0) {
      if (e.csize !== e.usize) throw this.fail(`corrupt zip: ${what} is stored, but its sizes differ (${e.csize} vs ${e.usize})`);
      data = raw;
    } else if (e.method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.usize) });
      } catch (err) {
        const x = err as NodeJS.ErrnoException;
        const why = x.code === 'ERR_BUFFER_TOO_LARGE' ? `it inflates to more than the recorded ${e.usize} bytes` : `invalid deflate data (${x.message})`;
        throw this.fail(`corrupt zip: ${what}: ${why}`);
      }
      if (data.length !== e.usize) throw this.fail(`corrupt zip: ${what} inflates to ${data.length} bytes, the directory says ${e.usize}`);
    } else {
      throw this.fail(`${what}: unsupported compression method ${e.method} (only stored and deflate)`);
    }
    const actual = crc32(data);
    if (actual !== e.crc) throw this.fail(`corrupt zip: ${what}: CRC-32 mismatch (recorded ${hex(e.crc)}, data has ${hex(actual)})`);
    return data;
  }
}

/** The body of the extra field with header id `id` within [start, start + len). */
function findExtra(bytes: Buffer, start: number, len: number, id: number): { start: number; end: number } | undefined {
  const end = start + len;
  for (let p = start; p + 4 <= end; ) {
    const size = bytes.readUInt16LE(p + 2);
    if (bytes.readUInt16LE(p) === id) return { start: p + 4, end: Math.min(end, p + 4 + size) };
    p += 4 + size;
  }
  return undefined;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
