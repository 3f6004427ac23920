/**
 * Random access to the bytes of a file: a whole buffer in memory, or positioned reads of an open file
 * (for lazy reads that only need the zip directory and `data.pkl`).
 */
import * as fs from 'node:fs';
import { withFsErrors } from '../util/fs-error';
import { TorchFileError } from './errors';

export interface ByteSource {
  readonly size: number;
  /** `len` bytes at `offset` (a view when in memory); throws TorchFileError when out of range. */
  read(offset: number, len: number, record?: string): Uint8Array;
}

export class BufferSource implements ByteSource {
  constructor(readonly buf: Uint8Array) {}
  get size(): number {
    return this.buf.length;
  }
  read(offset: number, len: number, record?: string): Uint8Array {
    if (offset < 0 || len < 0 || offset + len > this.buf.length) {
      throw new TorchFileError(`truncated file: needs bytes ${offset}..${offset + len} of ${this.buf.length}`, { record, offset });
    }
    return this.buf.subarray(offset, offset + len);
  }
}

/** Reads from a path with a fresh descriptor per read (no descriptor is left open). */
export class FileSource implements ByteSource {
  readonly size: number;
  constructor(readonly path: string) {
    this.size = fs.statSync(path).size;
  }
  read(offset: number, len: number, record?: string): Uint8Array {
    if (offset < 0 || len < 0 || offset + len > this.size) {
      throw new TorchFileError(`truncated file: needs bytes ${offset}..${offset + len} of ${this.size}`, { record, offset });
    }
    const out = Buffer.allocUnsafe(len);
    // The file can go or change between the directory read and a lazy storage read.
    const fd = withFsErrors('read', 'torch.save file', this.path, () => fs.openSync(this.path, 'r'));
    try {
      let done = 0;
      while (done < len) {
        const n = fs.readSync(fd, out, done, len - done, offset + done);
        if (n === 0) throw new TorchFileError('file changed while reading (shorter than before)', { record, offset: offset + done });
        done += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    return out;
  }
}
