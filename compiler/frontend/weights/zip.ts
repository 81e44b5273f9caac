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

/** The members of the zip archive `bytes`, in central-directory order, decompressed and checked. */
export function readZip(bytes: Buffer, file: string): ZipMember[] {
  const fail = (detail: string) => weightError(file, detail);
  const need = (pos: number, len: number, what: string): void => {
    if (pos < 0 || pos + len > bytes.length) {
      throw fail(`corrupt zip: ${what} at offset ${pos} runs past the end of the file (${bytes.length} bytes)`);
    }
  };
  const u64 = (pos: number, what: string): number => {
    const v = bytes.readBigUInt64LE(pos);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`corrupt zip: ${what} is ${v}`);
    return Number(v);
  };

  // End of central directory: 22 bytes + a comment of up to 64 KiB, at the very end.
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - MAX16); p--) {
    if (bytes.readUInt32LE(p) === SIG_EOCD && p + 22 + bytes.readUInt16LE(p + 20) <= bytes.length) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) {
    if (bytes.length >= 4 && bytes.readUInt32LE(0) === SIG_LOCAL) {
      throw fail('truncated: the zip archive has no end-of-central-directory record (file cut short?)');
    }
    if (bytes.subarray(0, 6).equals(Buffer.from('\x93NUMPY', 'latin1'))) {
      throw fail('not a zip archive but a single .npy array; save named tensors with numpy.savez');
    }
    throw fail('not a zip archive (no end-of-central-directory record)');
  }
  if (bytes.readUInt16LE(eocd + 4) !== 0 || bytes.readUInt16LE(eocd + 6) !== 0) throw fail('multi-disk zip archives are not supported');
  let count = bytes.readUInt16LE(eocd + 10);
  let cdSize = bytes.readUInt32LE(eocd + 12);
  let cdOffset = bytes.readUInt32LE(eocd + 16);
  if (count === MAX16 || cdSize === MAX32 || cdOffset === MAX32) {
    const loc = eocd - 20;
    if (loc < 0 || bytes.readUInt32LE(loc) !== SIG_LOCATOR64) throw fail('corrupt zip: zip64 end-of-central-directory locator missing');
    const at = u64(loc + 8, 'the zip64 end-of-central-directory offset');
    need(at, 56, 'the zip64 end-of-central-directory record');
    if (bytes.readUInt32LE(at) !== SIG_EOCD64) throw fail(`corrupt zip: no zip64 end-of-central-directory record at offset ${at}`);
    count = u64(at + 32, 'the member count');
    cdSize = u64(at + 40, 'the central directory size');
    cdOffset = u64(at + 48, 'the central directory offset');
  }
  need(cdOffset, cdSize, 'the central directory');

  const members: ZipMember[] = [];
  const seen = new Set<string>();
  let pos = cdOffset;
  for (let i = 0; i < count; i++) {
    need(pos, 46, `central directory entry ${i}`);
    if (bytes.readUInt32LE(pos) !== SIG_CENTRAL) throw fail(`corrupt zip: bad central directory entry ${i} at offset ${pos}`);
    const flags = bytes.readUInt16LE(pos + 8);
    const method = bytes.readUInt16LE(pos + 10);
    const crc = bytes.readUInt32LE(pos + 16);
    let csize = bytes.readUInt32LE(pos + 20);
    let usize = bytes.readUInt32LE(pos + 24);
    const nameLen = bytes.readUInt16LE(pos + 28);
    const extraLen = bytes.readUInt16LE(pos + 30);
    const commentLen = bytes.readUInt16LE(pos + 32);
    let local = bytes.readUInt32LE(pos + 42);
    need(pos + 46, nameLen + extraLen + commentLen, `central directory entry ${i}`);
    const name = bytes.toString('utf8', pos + 46, pos + 46 + nameLen);
    const what = `member ${JSON.stringify(name)}`;

    // Zip64 extended information: the 64-bit values of the saturated fields, in this order.
    if (usize === MAX32 || csize === MAX32 || local === MAX32) {
      const z = findExtra(bytes, pos + 46 + nameLen, extraLen, 0x0001);
      if (!z) throw fail(`corrupt zip: ${what}: zip64 sizes missing`);
      let q = z.start;
      const next = (field: string): number => {
        if (q + 8 > z.end) throw fail(`corrupt zip: ${what}: zip64 field "${field}" missing`);
        const v = u64(q, `${what}'s ${field}`);
        q += 8;
        return v;
      };
      if (usize === MAX32) usize = next('uncompressed size');
      if (csize === MAX32) csize = next('compressed size');
      if (local === MAX32) local = next('local header offset');
    }
    pos += 46 + nameLen + extraLen + commentLen;

    if (seen.has(name)) throw fail(`corrupt zip: ${what} appears twice`);
    seen.add(name);
    if (flags & 1) throw fail(`${what} is encrypted`);
    need(local, 30, `${what}'s local header`);
    if (bytes.readUInt32LE(local) !== SIG_LOCAL) throw fail(`corrupt zip: ${what}: no local header at offset ${local}`);
    const localNameLen = bytes.readUInt16LE(local + 26);
    const start = local + 30 + localNameLen + bytes.readUInt16LE(local + 28);
    need(local + 30, localNameLen, `${what}'s local header`);
    if (bytes.toString('utf8', local + 30, local + 30 + localNameLen) !== name) {
      throw fail(`corrupt zip: ${what}: the local header names a different member`);
    }
    need(start, csize, `${what}'s data (${csize} bytes)`);
    const raw = bytes.subarray(start, start + csize);

    let data: Uint8Array;
    if (method === 0) {
      if (csize !== usize) throw fail(`corrupt zip: ${what} is stored, but its sizes differ (${csize} vs ${usize})`);
      data = raw;
    } else if (method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, usize) });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const why = err.code === 'ERR_BUFFER_TOO_LARGE' ? `it inflates to more than the recorded ${usize} bytes` : `invalid deflate data (${err.message})`;
        throw fail(`corrupt zip: ${what}: ${why}`);
      }
      if (data.length !== usize) throw fail(`corrupt zip: ${what} inflates to ${data.length} bytes, the directory says ${usize}`);
    } else {
      throw fail(`${what}: unsupported compression method ${method} (only stored and deflate)`);
    }
    const actual = crc32(data);
    if (actual !== crc) throw fail(`corrupt zip: ${what}: CRC-32 mismatch (recorded ${hex(crc)}, data has ${hex(actual)})`);
    members.push({ name, data });
  }
  return members;
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
