/**
 * Torch dtypes as they appear in torch.save files: the legacy storage class names
 * (`torch.FloatStorage`, ...) that persistent ids carry, and element sizes.
 */

/** A torch dtype name, as `str(dtype)` without the `torch.` prefix. */
export type TorchDtype =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool'
  | 'complex32'
  | 'complex64'
  | 'complex128'
  | 'qint8'
  | 'quint8'
  | 'qint32'
  | 'quint4x2'
  | 'quint2x4';

interface DtypeInfo {
  dtype: TorchDtype;
  storage: string;
  itemSize: number;
}

const TABLE: DtypeInfo[] = [
  { dtype: 'float32', storage: 'FloatStorage', itemSize: 4 },
  { dtype: 'float64', storage: 'DoubleStorage', itemSize: 8 },
  { dtype: 'float16', storage: 'HalfStorage', itemSize: 2 },
  { dtype: 'bfloat16', storage: 'BFloat16Storage', itemSize: 2 },
  { dtype: 'int64', storage: 'LongStorage', itemSize: 8 },
  { dtype: 'int32', storage: 'IntStorage', itemSize: 4 },
  { dtype: 'int16', storage: 'ShortStorage', itemSize: 2 },
  { dtype: 'int8', storage: 'CharStorage', itemSize: 1 },
  { dtype: 'uint8', storage: 'ByteStorage', itemSize: 1 },
  { dtype: 'bool', storage: 'BoolStorage', itemSize: 1 },
  { dtype: 'complex32', storage: 'ComplexHalfStorage', itemSize: 4 },
  { dtype: 'complex64', storage: 'ComplexFloatStorage', itemSize: 8 },
  { dtype: 'complex128', storage: 'ComplexDoubleStorage', itemSize: 16 },
  { dtype: 'qint8', storage: 'QInt8Storage', itemSize: 1 },
  { dtype: 'quint8', storage: 'QUInt8Storage', itemSize: 1 },
  { dtype: 'qint32', storage: 'QInt32Storage', itemSize: 4 },
  { dtype: 'quint4x2', storage: 'QUInt4x2Storage', itemSize: 1 },
  { dtype: 'quint2x4', storage: 'QUInt2x4Storage', itemSize: 1 },
];

const BY_STORAGE = new Map<string, DtypeInfo>(TABLE.map((d) => [d.storage, d]));
const BY_DTYPE = new Map<TorchDtype, DtypeInfo>(TABLE.map((d) => [d.dtype, d]));

/** The dtype of a `torch.<name>` storage class, or undefined when `name` is not one. */
export function dtypeOfStorageClass(name: string): TorchDtype | undefined {
  if (name === 'UntypedStorage') return 'uint8';
  return BY_STORAGE.get(name)?.dtype;
}

/** The legacy storage class name PyTorch pickles for tensors of `dtype` (e.g. `FloatStorage`). */
export function storageClassOf(dtype: TorchDtype): string {
  return (BY_DTYPE.get(dtype) as DtypeInfo).storage;
}

/** Bytes per element of `dtype`. */
export function itemSizeOf(dtype: TorchDtype): number {
  return (BY_DTYPE.get(dtype) as DtypeInfo).itemSize;
}

/** True when `s` names a known dtype. */
export function isTorchDtype(s: string): s is TorchDtype {
  return BY_DTYPE.has(s as TorchDtype);
}
