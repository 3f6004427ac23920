/**
 * The pre-1.6 (`_use_new_zipfile_serialization=False`) layout: five consecutive pickles (magic
 * number, protocol version, sys info, the object, the storage keys) followed by each storage as an
 * int64 element count and its raw bytes.
 */
import { itemSizeOf } from './dtypes';
import { TorchFileError } from './errors';
import type { TorchFile, TorchFileLimits } from './torch-file';
import { byteSwap, parseStoragePid } from './storage-pid';
import { unpickle, type Budget } from './unpickler';
import { type PyValue } from './values';
import { PyDict, PyGlobal, PyTuple } from './py-objects';
import { TorchStorage } from './tensor';

export const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
export const LEGACY_PROTOCOL_VERSION = 1001n;

interface View {
  storage: TorchStorage;
  rootKey: string;
  offsetBytes: number;
}

export function readLegacy(buf: Uint8Array, mode: 'view' | 'copy' | 'lazy' | 'skip', limits: TorchFileLimits, budget: Budget): TorchFile {
  const noPid = (): never => {
    throw new TorchFileError('unexpected persistent id in a header pickle');
  };
  const header = (start: number, record: string): { value: PyValue; end: number } => unpickle(buf, start, { record, limits, budget, persistentLoad: noPid });
  let magic: { value: PyValue; end: number };
  try {
    magic = header(0, 'legacy magic number');
  } catch (e) {
    if (e instanceof TorchFileError) throw new TorchFileError(`bad magic: not a torch file (${e.reason})`, { offset: 0 });
    throw e;
  }
  if (magic.value !== LEGACY_MAGIC) throw new TorchFileError('bad magic number: not a torch.save file', { record: 'legacy magic number', offset: 0 });
  const proto = header(magic.end, 'legacy protocol version');
  if (proto.value !== LEGACY_PROTOCOL_VERSION) {
    throw new TorchFileError(`unsupported legacy protocol version ${String(proto.value)}`, { record: 'legacy protocol version', offset: magic.end });
  }
  const sys = header(proto.end, 'legacy sys info');
  let byteOrder: 'little' | 'big' = 'little';
  if (sys.value instanceof PyDict && sys.value.get('little_endian') === false) byteOrder = 'big';

  const roots = new Map<string, TorchStorage>();
  const views: View[] = [];
  const viewByKey = new Map<string, TorchStorage>();
  const mainStart = sys.end;
  let protocol = 0;
  if (buf[mainStart] === 0x80 && mainStart + 1 < buf.length) protocol = buf[mainStart + 1];
  const main = unpickle(buf, mainStart, {
    record: 'legacy object pickle',
    limits,
    budget,
    chargeViewCopies: mode !== 'skip',
    persistentLoad: (pid, offset) => {
      const fail = (reason: string): never => {
        throw new TorchFileError(reason, { record: 'legacy object pickle', offset });
      };
      if (pid instanceof PyTuple && pid.items[0] === 'module') {
        // ('module', class, source file, source): torch.load returns the class itself.
        const cls = pid.items[1];
        if (!(cls instanceof PyGlobal)) fail('module persistent id without a class');
        return cls as PyGlobal;
      }
      const p = parseStoragePid(pid, [6], fail);
      let root = roots.get(p.key);
      const view = p.rest[0];
      if (!root) {
        root = new TorchStorage({ key: p.key, dtype: p.dtype, storageClass: p.storageClass, location: p.location, numel: view === null ? p.numel : 0 });
        roots.set(p.key, root);
      }
      if (view === null || view === undefined) {
        if (root.numel === 0) root.numel = p.numel;
        if (root.dtype !== p.dtype) fail(`storage ${p.key} is used with two dtypes`);
        return root;
      }
      if (!(view instanceof PyTuple) || view.items.length !== 3) fail('bad storage view metadata');
      const [viewKey, off, size] = (view as PyTuple).items;
      if (typeof viewKey !== 'string' || typeof off !== 'bigint' || typeof size !== 'bigint' || off < 0n || size < 0n || off + size > BigInt(Number.MAX_SAFE_INTEGER)) {
        fail('bad storage view metadata');
      }
      const existing = viewByKey.get(viewKey as string);
      if (existing) return existing;
      const itemSize = itemSizeOf(p.dtype);
      if (Number(size) % itemSize !== 0) fail('storage view size is not a whole number of elements');
      const vs = new TorchStorage({ key: viewKey as string, dtype: p.dtype, storageClass: p.storageClass, location: p.location, numel: Number(size) / itemSize });
      viewByKey.set(viewKey as string, vs);
      views.push({ storage: vs, rootKey: p.key, offsetBytes: Number(off) });
      return vs;
    },
  });
  const keys = unpickle(buf, main.end, { record: 'legacy storage keys', limits, budget, persistentLoad: noPid });
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw new TorchFileError('storage key list is not a list of strings', { record: 'legacy storage keys', offset: main.end });
  }
  let pos = keys.end;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const loaded = new Set<string>();
  for (const key of keys.value as string[]) {
    const record = `legacy storage ${key}`;
    const root = roots.get(key);
    if (!root) throw new TorchFileError(`storage ${key} is listed but never used`, { record, offset: pos });
    if (loaded.has(key)) throw new TorchFileError(`storage ${key} is listed twice`, { record, offset: pos });
    if (pos + 8 > buf.length) throw new TorchFileError('truncated file: storage size missing', { record, offset: pos });
    const n = dv.getBigInt64(pos, byteOrder === 'little');
    pos += 8;
    const nbytesBig = n * BigInt(root.itemSize);
    if (n < 0n || nbytesBig > BigInt(buf.length - pos)) {
      throw new TorchFileError(`truncated storage: ${n} elements do not fit in the rest of the file`, { record, offset: pos - 8 });
    }
    const nbytes = Number(nbytesBig);
    const fromViews = root.numel === 0 && views.some((v) => v.rootKey === key);
    if (!fromViews && Number(n) < root.numel) {
      throw new TorchFileError(`storage has ${n} elements, fewer than the ${root.numel} declared`, { record, offset: pos - 8 });
    }
    root.numel = Number(n);
    let data = buf.subarray(pos, pos + nbytes);
    if (byteOrder === 'big') data = byteSwap(data, root.dtype);
    else if (mode === 'copy') data = new Uint8Array(data);
    if (mode !== 'skip') root.setBytes(data);
    loaded.add(key);
    pos += nbytes;
  }
  for (const key of roots.keys()) {
    if (!loaded.has(key)) throw new TorchFileError(`missing storage data for key ${key}`, { record: 'legacy storages', offset: pos });
  }
  for (const v of views) {
    const root = roots.get(v.rootKey) as TorchStorage;
    const end = v.offsetBytes + v.storage.nbytes;
    if (end > root.nbytes) throw new TorchFileError(`storage view ${v.storage.key} runs past its storage`, { record: `legacy storage ${v.rootKey}` });
    if (mode !== 'skip') v.storage.setBytes(root.bytes().subarray(v.offsetBytes, end));
  }
  const storages = [...roots.values(), ...views.map((v) => v.storage)];
  return { value: main.value, format: 'legacy', archiveName: '', records: [], byteOrder, storages, protocol };
}
