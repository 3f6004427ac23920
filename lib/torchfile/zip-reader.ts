/**
 * Reads the zip container of torch.save files: stored (or deflated) records, zip64, any archive name.
 * Record bytes are views into the file buffer where possible.
 */
import * as zlib from 'node:zlib';
import { crc32 } from './crc32';
import { TorchFileError } from './errors';
import type { ByteSource } from './source';
import type { Budget } from './unpickler';

/** One record of the zip. */
export interface ZipRecord {
  /** Full name in the zip (`archive/data.pkl`). */
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of the local header. */
  headerOffset: number;
  /** Offset of the record bytes (after the local header); -1 until the local header has been read. */
  dataOffset: number;
  /** Where the data area ends (the central directory start). */
  limit: number;
}

export interface ZipDirectory {
  records: Map<string, ZipRecord>;
  /** Records in directory order. */
  order: ZipRecord[];
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

/** True when the bytes start like a zip (local header signature). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(v: DataView, off: number, what: string, fileOffset: number): number {
  const x = v.getBigUint64(off, true);
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw new TorchFileError(`zip64 ${what} ${x} is out of range`, { offset: fileOffset + off });
  return Number(x);
}

/** Reads the central directory. */
export function readZipDirectory(src: ByteSource): ZipDirectory {
  const size = src.size;
  if (size < 22) throw new TorchFileError('truncated file: too short for a zip end record', { offset: 0 });
  const tailLen = Math.min(size, 22 + 0xffff + 20);
  const tailStart = size - tailLen;
  const tail = src.read(tailStart, tailLen);
  const tv = dv(tail);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === SIG_EOCD && i + 22 + tv.getUint16(i + 20, true) <= tailLen) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new TorchFileError('bad zip: no end of central directory record (truncated file?)', { offset: size });
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  const eocdFile = tailStart + eocd;
  if (eocd >= 20 && tv.getUint32(eocd - 20, true) === SIG_ZIP64_LOCATOR) {
    const z64Offset = u64(tv, eocd - 20 + 8, 'end record offset', tailStart);
    if (z64Offset + 56 > eocdFile - 20) throw new TorchFileError('bad zip64 end record offset', { offset: eocdFile - 20 });
    const z = dv(src.read(z64Offset, 56));
    if (z.getUint32(0, true) !== SIG_ZIP64_EOCD) throw new TorchFileError('bad zip64 end record signature', { offset: z64Offset });
    count = u64(z, 32, 'entry count', z64Offset);
    cdSize = u64(z, 40, 'directory size', z64Offset);
    cdOffset = u64(z, 48, 'directory offset', z64Offset);
  }
  if (cdOffset + cdSize > eocdFile || cdOffset < 0) {
    throw new TorchFileError('bad zip: central directory lies outside the file (truncated?)', { offset: eocdFile });
  }
  if (count * 46 > cdSize) throw new TorchFileError(`bad zip: ${count} entries cannot fit in a ${cdSize}-byte directory`, { offset: eocdFile });
  const cd = src.read(cdOffset, cdSize);
  const cv = dv(cd);
  const records = new Map<string, ZipRecord>();
  const order: ZipRecord[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    const at = cdOffset + p;
    if (p + 46 > cd.length || cv.getUint32(p, true) !== SIG_CENTRAL) throw new TorchFileError('bad zip: central directory entry expected', { offset: at });
    const method = cv.getUint16(p + 10, true);
    const crc = cv.getUint32(p + 16, true);
    let csize = cv.getUint32(p + 20, true);
    let usize = cv.getUint32(p + 24, true);
    const nameLen = cv.getUint16(p + 28, true);
    const extraLen = cv.getUint16(p + 30, true);
    const commentLen = cv.getUint16(p + 32, true);
    let headerOffset = cv.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen + commentLen > cd.length) throw new TorchFileError('bad zip: truncated central directory entry', { offset: at });
    const name = Buffer.from(cd.subarray(p + 46, p + 46 + nameLen)).toString('utf8');
    // zip64 extended information
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = cv.getUint16(e, true);
      const len = cv.getUint16(e + 2, true);
      if (e + 4 + len > eEnd) throw new TorchFileError('bad zip: truncated extra field', { offset: cdOffset + e });
      if (id === 0x0001) {
        let q = e + 4;
        const take = (what: string): number => {
          if (q + 8 > e + 4 + len) throw new TorchFileError('bad zip64 extra field', { offset: cdOffset + q });
          const x = u64(cv, q, what, cdOffset);
          q += 8;
          return x;
        };
        if (usize === 0xffffffff) usize = take('size');
        if (csize === 0xffffffff) csize = take('compressed size');
        if (headerOffset === 0xffffffff) headerOffset = take('offset');
      }
      e += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (records.has(name)) throw new TorchFileError(`bad zip: duplicate record ${name}`, { offset: at });
    if (headerOffset + 30 > cdOffset) throw new TorchFileError(`bad zip: record ${name} starts outside the data area`, { record: name, offset: at });
    if (headerOffset + 30 + csize > cdOffset) {
      throw new TorchFileError(`truncated record: ${csize} bytes at ${headerOffset} run past the data area`, { record: name, offset: headerOffset });
    }
    const rec: ZipRecord = { name, method, crc, compressedSize: csize, size: usize, headerOffset, dataOffset: -1, limit: cdOffset };
    records.set(name, rec);
    order.push(rec);
  }
  return { records, order };
}

/** The bytes of a record (a view for stored records; deflated ones are inflated within the budget). */
export function readZipRecord(src: ByteSource, rec: ZipRecord, budget: Budget, verifyCrc: boolean): Uint8Array {
  if (rec.dataOffset < 0) {
    const lv = dv(src.read(rec.headerOffset, 30, rec.name));
    if (lv.getUint32(0, true) !== SIG_LOCAL) throw new TorchFileError('bad zip: local header signature', { record: rec.name, offset: rec.headerOffset });
    const dataOffset = rec.headerOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
    if (dataOffset + rec.compressedSize > rec.limit) {
      throw new TorchFileError(`truncated record: ${rec.compressedSize} bytes at ${dataOffset} run past the data area`, { record: rec.name, offset: dataOffset });
    }
    rec.dataOffset = dataOffset;
  }
  let out: Uint8Array;
  if (rec.method === 0) {
    if (rec.compressedSize !== rec.size) throw new TorchFileError('stored record with different sizes', { record: rec.name, offset: rec.headerOffset });
    out = src.read(rec.dataOffset, rec.size, rec.name);
  } else if (rec.method === 8) {
    budget.left -= rec.size;
    if (budget.left < 0) throw new TorchFileError('memory bound exceeded by a compressed record', { record: rec.name, offset: rec.headerOffset });
    const comp = src.read(rec.dataOffset, rec.compressedSize, rec.name);
    try {
      out = zlib.inflateRawSync(comp, { maxOutputLength: Math.max(1, rec.size) });
    } catch (e) {
      throw new TorchFileError(`bad deflate data: ${(e as Error).message}`, { record: rec.name, offset: rec.dataOffset }, { cause: e });
    }
    if (out.length !== rec.size) throw new TorchFileError('deflated record has the wrong size', { record: rec.name, offset: rec.dataOffset });
  } else {
    throw new TorchFileError(`unsupported zip compression method ${rec.method}`, { record: rec.name, offset: rec.headerOffset });
  }
  if (verifyCrc && crc32(out) !== rec.crc) throw new TorchFileError('CRC-32 mismatch', { record: rec.name, offset: rec.dataOffset });
  return out;
}
