/**
 * Writes the zip container exactly as PyTorch's `PyTorchStreamWriter` (miniz) does: stored records,
 * each record's data aligned to 64 bytes by an `FB` padding extra field in the local header, data
 * descriptors, and a zip64 end record.
 *
 * Written by hand on purpose: no zip library on npm can place record data at 64-byte aligned offsets
 * (which `torch.load(mmap=True)` and the `.storage_alignment` record promise), and the format is small.
 */
import { crc32 } from './crc32';

const ALIGN = 64;
const MAX32 = 0xffffffff;

interface CentralEntry {
  name: Uint8Array;
  crc: number;
  size: number;
  offset: number;
}

/** Accumulates the file as a list of chunks (record data is not copied). */
export class ZipWriter {
  readonly chunks: Uint8Array[] = [];
  private cursor = 0;
  private readonly entries: CentralEntry[] = [];

  private push(b: Uint8Array): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.cursor += b.length;
  }

  /** Adds a stored record whose data starts at a multiple of 64 bytes. */
  addRecord(name: string, data: Uint8Array): void {
    const nameBytes = Buffer.from(name, 'utf8');
    const size = data.length;
    const offset = this.cursor;
    const zip64 = size >= MAX32 || offset >= MAX32;
    const z64Len = zip64 ? 4 + 16 : 0;
    const start = offset + 30 + nameBytes.length + z64Len + 4;
    const pad = (ALIGN - (start % ALIGN)) % ALIGN;
    const extraLen = z64Len + 4 + pad;
    const h = Buffer.alloc(30 + nameBytes.length + extraLen);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(zip64 ? 45 : 0, 4);
    h.writeUInt16LE(0x0808, 6); // data descriptor follows; UTF-8 names
    h.writeUInt16LE(0, 8); // stored
    // time, date, crc, sizes: zero (in the data descriptor)
    if (zip64) {
      h.writeUInt32LE(MAX32, 18);
      h.writeUInt32LE(MAX32, 22);
    }
    h.writeUInt16LE(nameBytes.length, 26);
    h.writeUInt16LE(extraLen, 28);
    nameBytes.copy(h, 30);
    let e = 30 + nameBytes.length;
    if (zip64) {
      h.writeUInt16LE(0x0001, e);
      h.writeUInt16LE(16, e + 2);
      // sizes in the descriptor
      e += 20;
    }
    h.write('FB', e, 'latin1');
    h.writeUInt16LE(pad, e + 2);
    h.fill(0x5a, e + 4, e + 4 + pad); // 'Z'
    this.push(h);
    this.push(data);
    const crc = crc32(data);
    const dd = Buffer.alloc(zip64 ? 24 : 16);
    dd.writeUInt32LE(0x08074b50, 0);
    dd.writeUInt32LE(crc, 4);
    if (zip64) {
      dd.writeBigUInt64LE(BigInt(size), 8);
      dd.writeBigUInt64LE(BigInt(size), 16);
    } else {
      dd.writeUInt32LE(size, 8);
      dd.writeUInt32LE(size, 12);
    }
    this.push(dd);
    this.entries.push({ name: nameBytes, crc, size, offset });
  }

  /** Writes the central directory and end records; returns all chunks. */
  finish(): Uint8Array[] {
    const cdStart = this.cursor;
    for (const en of this.entries) {
      const needSize = en.size >= MAX32;
      const needOff = en.offset >= MAX32;
      const z64Len = needSize || needOff ? 4 + (needSize ? 16 : 0) + (needOff ? 8 : 0) : 0;
      const c = Buffer.alloc(46 + en.name.length + z64Len);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(0, 4);
      c.writeUInt16LE(z64Len ? 45 : 0, 6);
      c.writeUInt16LE(0x0808, 8);
      c.writeUInt16LE(0, 10);
      c.writeUInt32LE(en.crc, 16);
      c.writeUInt32LE(needSize ? MAX32 : en.size, 20);
      c.writeUInt32LE(needSize ? MAX32 : en.size, 24);
      c.writeUInt16LE(en.name.length, 28);
      c.writeUInt16LE(z64Len, 30);
      c.writeUInt32LE(needOff ? MAX32 : en.offset, 42);
      Buffer.from(en.name).copy(c, 46);
      if (z64Len) {
        let e = 46 + en.name.length;
        c.writeUInt16LE(0x0001, e);
        c.writeUInt16LE(z64Len - 4, e + 2);
        e += 4;
        if (needSize) {
          c.writeBigUInt64LE(BigInt(en.size), e);
          c.writeBigUInt64LE(BigInt(en.size), e + 8);
          e += 16;
        }
        if (needOff) c.writeBigUInt64LE(BigInt(en.offset), e);
      }
      this.push(c);
    }
    const cdSize = this.cursor - cdStart;
    const z64At = this.cursor;
    const n = this.entries.length;
    const z = Buffer.alloc(56 + 20 + 22);
    z.writeUInt32LE(0x06064b50, 0);
    z.writeBigUInt64LE(44n, 4);
    z.writeUInt16LE(0x031e, 12);
    z.writeUInt16LE(45, 14);
    z.writeBigUInt64LE(BigInt(n), 24);
    z.writeBigUInt64LE(BigInt(n), 32);
    z.writeBigUInt64LE(BigInt(cdSize), 40);
    z.writeBigUInt64LE(BigInt(cdStart), 48);
    z.writeUInt32LE(0x07064b50, 56);
    z.writeBigUInt64LE(BigInt(z64At), 64);
    z.writeUInt32LE(1, 72);
    const e = 76;
    z.writeUInt32LE(0x06054b50, e);
    z.writeUInt16LE(Math.min(n, 0xffff), e + 8);
    z.writeUInt16LE(Math.min(n, 0xffff), e + 10);
    z.writeUInt32LE(Math.min(cdSize, MAX32), e + 12);
    z.writeUInt32LE(Math.min(cdStart, MAX32), e + 16);
    this.push(z);
    return this.chunks;
  }
}
