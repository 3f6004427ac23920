/**
 * `readTorchFile`: a torch.save file (zip or pre-1.6 legacy layout) to values, without executing
 * anything from it.
 */
import * as fs from 'node:fs';
import { itemSizeOf } from './dtypes';
import { byteSwap, parseStoragePid } from './storage-pid';
import { withFsErrors, withFsErrorsAsync } from '../util/fs-error';
import { TorchFileError } from './errors';
import { readLegacy } from './legacy';
import { BufferSource, FileSource, type ByteSource } from './source';
import { unpickle, type Budget } from './unpickler';
import { DEFAULT_LIMITS, type ReadTorchFileOptions, type TorchFile, type TorchFileLimits } from './torch-file';
import { looksLikeZip, readZipDirectory, readZipRecord, type ZipRecord } from './zip-reader';
import { TorchStorage } from './tensor';

const DEFAULT_DESCRIPTION = 'torch.save file';

function limitsOf(o?: Partial<TorchFileLimits>): TorchFileLimits {
  return { ...DEFAULT_LIMITS, ...(o ?? {}) };
}

function readZip(src: ByteSource, opts: ReadTorchFileOptions, limits: TorchFileLimits, budget: Budget, reopen: (() => ByteSource) | null): TorchFile {
  const dir = readZipDirectory(src);
  const first = dir.order[0];
  if (!first) throw new TorchFileError('bad zip: no records');
  const slash = first.name.indexOf('/');
  if (slash <= 0) throw new TorchFileError(`bad torch zip: record ${first.name} is not inside an archive folder`, { record: first.name });
  const archiveName = first.name.slice(0, slash);
  const prefix = archiveName + '/';
  const verifyCrc = opts.verifyCrc ?? false;
  const record = (rel: string): ZipRecord | undefined => dir.records.get(prefix + rel);
  const small = (rel: string): string | undefined => {
    const r = record(rel);
    if (!r) return undefined;
    if (r.size > 4096) throw new TorchFileError(`record ${rel} is unexpectedly large`, { record: r.name });
    return Buffer.from(readZipRecord(src, r, budget, verifyCrc)).toString('latin1');
  };
  const pklRec = record('data.pkl');
  if (!pklRec) throw new TorchFileError(`missing record ${prefix}data.pkl`, { record: `${prefix}data.pkl` });
  const byteorderText = small('byteorder');
  let byteOrder: 'little' | 'big' = 'little';
  if (byteorderText !== undefined) {
    if (byteorderText !== 'little' && byteorderText !== 'big') throw new TorchFileError(`bad byteorder record ${JSON.stringify(byteorderText)}`, { record: prefix + 'byteorder' });
    byteOrder = byteorderText;
  }
  const version = small('version')?.trim();
  const mode = opts.storages ?? 'view';
  const pkl = readZipRecord(src, pklRec, budget, verifyCrc);
  const storages = new Map<string, TorchStorage>();
  let protocol = 0;
  if (pkl.length >= 2 && pkl[0] === 0x80) protocol = pkl[1];
  const { value, end } = unpickle(pkl, 0, {
    record: pklRec.name,
    limits,
    budget,
    chargeViewCopies: mode !== 'skip',
    persistentLoad: (pid, offset) => {
      const fail = (reason: string): never => {
        throw new TorchFileError(reason, { record: pklRec.name, offset });
      };
      const p = parseStoragePid(pid, [5], fail);
      const existing = storages.get(p.key);
      if (existing) {
        if (existing.dtype !== p.dtype) fail(`storage ${p.key} is used with two dtypes (${existing.dtype}, ${p.dtype})`);
        return existing;
      }
      const rec = record(`data/${p.key}`);
      if (!rec) fail(`missing record ${prefix}data/${p.key}`);
      const r = rec as ZipRecord;
      const nbytes = p.numel * itemSizeOf(p.dtype);
      if (r.size < nbytes) {
        throw new TorchFileError(`storage record is ${r.size} bytes, shorter than the ${nbytes} its ${p.numel} elements need`, { record: r.name, offset: r.dataOffset });
      }
      const load = (from: ByteSource): Uint8Array => {
        let b = readZipRecord(from, r, budget, verifyCrc).subarray(0, nbytes);
        if (byteOrder === 'big') b = byteSwap(b, p.dtype);
        return b;
      };
      let data: Uint8Array | null = null;
      let loader: (() => Uint8Array) | null = null;
      if (mode === 'view') data = load(src);
      else if (mode === 'copy') data = new Uint8Array(load(src));
      else if (mode === 'lazy') {
        if (reopen) {
          const re = reopen;
          loader = () => load(re());
        } else data = load(src);
      }
      const s = new TorchStorage({ key: p.key, dtype: p.dtype, storageClass: p.storageClass, location: p.location, numel: p.numel, data, loader });
      storages.set(p.key, s);
      return s;
    },
  });
  if (end !== pkl.length) {
    // Python ignores trailing bytes after STOP; so do we (but only within the record).
  }
  const ordered = [...storages.values()].sort((a, b) => compareKeys(a.key, b.key));
  return {
    value,
    format: 'zip',
    archiveName,
    records: dir.order.map((r) => (r.name.startsWith(prefix) ? r.name.slice(prefix.length) : r.name)),
    version,
    byteOrder,
    storages: ordered,
    protocol,
  };
}

function compareKeys(a: string, b: string): number {
  const na = /^\d+$/.test(a) ? Number(a) : NaN;
  const nb = /^\d+$/.test(b) ? Number(b) : NaN;
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function parse(src: ByteSource, opts: ReadTorchFileOptions, reopen: (() => ByteSource) | null): TorchFile {
  const limits = limitsOf(opts.limits);
  const budget: Budget = { left: Math.max(limits.minMemoryBytes, limits.memoryFactor * src.size) };
  const head = src.read(0, Math.min(src.size, 4));
  if (looksLikeZip(head)) return readZip(src, opts, limits, budget, reopen);
  if (head.length >= 1 && head[0] === 0x80) {
    const all = src.read(0, src.size);
    return readLegacy(all, opts.storages ?? 'view', limits, budget);
  }
  if (src.size >= 262 && Buffer.from(src.read(257, 5)).toString('latin1') === 'ustar') {
    throw new TorchFileError('bad magic: the pre-0.4 tar torch.save format is not supported', { offset: 0 });
  }
  throw new TorchFileError('bad magic: neither a torch zip file nor a legacy torch.save pickle', { offset: 0 });
}

function withFile<T>(file: string | undefined, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TorchFileError) throw file !== undefined ? e.withContext({ file }) : e;
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new TorchFileError('nesting too deep (stack exhausted)', { file }, { cause: e });
    }
    throw e;
  }
}

/** Reads a torch.save file synchronously (see {@link readTorchFile}). */
export function readTorchFileSync(pathOrBytes: string | Uint8Array, options: ReadTorchFileOptions = {}): TorchFile {
  if (typeof pathOrBytes === 'string') {
    const file = pathOrBytes;
    const what = options.fileDescription ?? DEFAULT_DESCRIPTION;
    return withFile(file, () => {
      if (options.storages === 'lazy' || options.storages === 'skip') {
        const src = withFsErrors('read', what, file, () => new FileSource(file));
        return parse(src, options, () => new FileSource(file));
      }
      return parse(new BufferSource(withFsErrors('read', what, file, () => fs.readFileSync(file))), options, null);
    });
  }
  return withFile(undefined, () => parse(new BufferSource(pathOrBytes), options, null));
}

/**
 * Reads a torch.save file (a path or its bytes): the zip layout of PyTorch >= 1.6 or the legacy
 * layout. Nothing in the file is executed; unknown classes become {@link PyObject} records.
 * Throws {@link TorchFileError} for any malformed or unsafe content, {@link FileAccessError} (`ERR_SDA_FILE`)
 * when the path cannot be read (missing, a directory, no permission).
 */
export async function readTorchFile(pathOrBytes: string | Uint8Array, options: ReadTorchFileOptions = {}): Promise<TorchFile> {
  if (typeof pathOrBytes === 'string' && options.storages !== 'lazy' && options.storages !== 'skip') {
    const file = pathOrBytes;
    const buf = await withFsErrorsAsync('read', options.fileDescription ?? DEFAULT_DESCRIPTION, file, () => fs.promises.readFile(file));
    return withFile(file, () => parse(new BufferSource(buf), options, null));
  }
  return readTorchFileSync(pathOrBytes, options);
}
