/** Storage persistent ids and byte order. */
import { isTorchDtype, itemSizeOf, dtypeOfStorageClass, type TorchDtype } from './dtypes';
import { type PyValue } from './values';
import { PyGlobal, PyTuple } from './py-objects';

/** Parses the `('storage', torch.XStorage, key, location, numel[, view])` persistent id. */
export function parseStoragePid(
  pid: PyValue,
  arity: number[],
  fail: (reason: string) => never,
): { dtype: TorchDtype; storageClass: string; key: string; location: string; numel: number; rest: PyValue[] } {
  if (!(pid instanceof PyTuple) || pid.items.length === 0) fail('persistent id is not a tuple');
  const [typename, cls, key, location, numel, ...rest] = pid.items;
  if (typename !== 'storage') fail(`unknown persistent id type ${JSON.stringify(typeof typename === 'string' ? typename : String(typename))}, expected 'storage'`);
  if (!arity.includes(pid.items.length)) fail(`storage persistent id has ${pid.items.length} fields`);
  if (!(cls instanceof PyGlobal) || cls.module !== 'torch') fail('storage persistent id: type is not a torch storage class');
  const dtype = dtypeOfStorageClass(cls.name);
  if (dtype === undefined || !isTorchDtype(dtype)) fail(`unknown storage type torch.${cls.name}`);
  if (typeof key !== 'string' || key.length === 0 || key.length > 256) fail('storage key is not a string');
  if (typeof location !== 'string' || location.length > 256) fail('storage location is not a string');
  if (typeof numel !== 'bigint' || numel < 0n) fail('storage element count is not a non-negative int');
  const nbytes = numel * BigInt(itemSizeOf(dtype));
  if (nbytes > BigInt(Number.MAX_SAFE_INTEGER)) fail(`storage element count overflow (${numel})`);
  return { dtype, storageClass: cls.name, key, location, numel: Number(numel), rest };
}

/** Byte-swaps storage bytes in place (for files saved on big-endian machines). */
export function byteSwap(b: Uint8Array, dtype: TorchDtype): Uint8Array {
  let size = itemSizeOf(dtype);
  if (dtype.startsWith('complex')) size /= 2;
  if (size <= 1) return b;
  const out = new Uint8Array(b.length);
  for (let i = 0; i + size <= b.length; i += size) for (let k = 0; k < size; k++) out[i + k] = b[i + size - 1 - k];
  return out;
}

