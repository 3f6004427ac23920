/** Tensors, their storages and Parameters, with their element conversions. */
import { constants } from 'node:buffer';
import { TorchFileError } from './errors';
import { itemSizeOf, storageClassOf, type TorchDtype } from './dtypes';
import { PyOrderedDict } from './py-objects';
import { TENSOR_OF, tensorOf } from './tensor-of';
import type { PyValue } from './values';

const MAX_LENGTH = constants.MAX_LENGTH;

/** Loads storage bytes on demand (lazy reads). */
export type StorageLoader = () => Uint8Array;

/**
 * A torch storage: one record `data/<key>` of the file. Tensors that share a storage in the file share
 * this object.
 */
export class TorchStorage {
  /** Record key in the file (`data/<key>`); renumbered on write. */
  key: string;
  /** Element type. */
  dtype: TorchDtype;
  /** The `torch.<name>` class of the persistent id, e.g. `FloatStorage` (or `UntypedStorage`). */
  storageClass: string;
  /** The device it was saved from, e.g. `cpu`, `cuda:0`, `mps`. */
  location: string;
  /** Number of elements. */
  numel: number;
  private _data: Uint8Array | null;
  private loader: StorageLoader | null;

  constructor(init: {
    key?: string;
    dtype: TorchDtype;
    location?: string;
    numel?: number;
    data?: Uint8Array | null;
    storageClass?: string;
    loader?: StorageLoader | null;
  }) {
    this.key = init.key ?? '';
    this.dtype = init.dtype;
    this.storageClass = init.storageClass ?? storageClassOf(init.dtype);
    this.location = init.location ?? 'cpu';
    const size = itemSizeOf(init.dtype);
    this.numel = init.numel ?? (init.data ? Math.floor(init.data.byteLength / size) : 0);
    this._data = init.data ?? null;
    this.loader = init.loader ?? null;
  }

  /** Bytes per element. */
  get itemSize(): number {
    return itemSizeOf(this.dtype);
  }
  /** `numel * itemSize`. */
  get nbytes(): number {
    return this.numel * this.itemSize;
  }
  /** True when the bytes are in memory (false for lazily read files until {@link bytes} is called). */
  get loaded(): boolean {
    return this._data !== null;
  }
  /**
   * The storage bytes (little-endian), a view into the file buffer when read from one. Loads them on
   * first use when the file was read with `storages: 'lazy'`; throws for `storages: 'skip'`.
   */
  bytes(): Uint8Array {
    if (this._data === null) {
      if (!this.loader) throw new TorchFileError(`storage data/${this.key} was not read (storages: 'skip')`);
      this._data = this.loader();
      this.loader = null;
    }
    return this._data;
  }
  /** Replaces the bytes (length must be `nbytes`). */
  setBytes(data: Uint8Array): void {
    if (data.byteLength !== this.nbytes) {
      throw new TorchFileError(`storage data must be ${this.nbytes} bytes, got ${data.byteLength}`);
    }
    this._data = data;
    this.loader = null;
  }
}

/** Typed arrays returned by {@link TorchTensor.toTypedArray}. */
export type TensorTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | BigInt64Array;

/** A tensor (`torch._utils._rebuild_tensor_v2`): a strided view of a {@link TorchStorage}. */
export class TorchTensor {
  get [TENSOR_OF](): TorchTensor {
    return this;
  }
  storage: TorchStorage;
  /** Offset in elements into the storage. */
  storageOffset: number;
  shape: number[];
  /** Strides in elements. */
  stride: number[];
  requiresGrad: boolean;
  /** The backward hooks argument (an empty OrderedDict in every saved tensor). */
  backwardHooks: PyValue;
  /** The optional 7th argument (tensor metadata dict), when the file had one. */
  metadata: PyValue | undefined;

  constructor(init: {
    storage: TorchStorage;
    shape: number[];
    stride?: number[];
    storageOffset?: number;
    requiresGrad?: boolean;
    backwardHooks?: PyValue;
    metadata?: PyValue;
  }) {
    this.storage = init.storage;
    this.shape = init.shape;
    this.stride = init.stride ?? contiguousStride(init.shape);
    this.storageOffset = init.storageOffset ?? 0;
    this.requiresGrad = init.requiresGrad ?? false;
    this.backwardHooks = init.backwardHooks ?? new PyOrderedDict();
    this.metadata = init.metadata;
  }

  /** A new contiguous CPU tensor over a new storage holding `data`. */
  static fromTypedArray(
    dtype: TorchDtype,
    shape: number[],
    data: ArrayBufferView,
    options: { location?: string; requiresGrad?: boolean } = {},
  ): TorchTensor {
    const numel = shape.reduce((a, b) => a * b, 1);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.byteLength !== numel * itemSizeOf(dtype)) {
      throw new TorchFileError(`tensor of shape [${shape.join(', ')}] ${dtype} needs ${numel * itemSizeOf(dtype)} bytes, got ${bytes.byteLength}`);
    }
    const storage = new TorchStorage({ dtype, numel, data: bytes, location: options.location ?? 'cpu' });
    return new TorchTensor({ storage, shape, requiresGrad: options.requiresGrad ?? false });
  }

  get dtype(): TorchDtype {
    return this.storage.dtype;
  }
  /** The device it was saved from (`cpu`, `cuda:0`, `mps`, ...). */
  get device(): string {
    return this.storage.location;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  /** True when the elements are in row-major order with no gaps (sizes-1 dims ignored). */
  isContiguous(): boolean {
    return isContiguousLayout(this.shape, this.stride);
  }
  /**
   * The elements' bytes in row-major order: a view into the storage (no copy) when contiguous, else a
   * gathered copy.
   */
  bytes(): Uint8Array {
    const size = this.storage.itemSize;
    const data = this.storage.bytes();
    const n = this.numel;
    if (this.isContiguous()) {
      return data.subarray(this.storageOffset * size, (this.storageOffset + n) * size);
    }
    const out = allocateCopy(n * size, this.shape);
    const idx = new Array<number>(this.shape.length).fill(0);
    for (let e = 0; e < n; e++) {
      let off = this.storageOffset;
      for (let d = 0; d < idx.length; d++) off += idx[d] * this.stride[d];
      out.set(data.subarray(off * size, off * size + size), e * size);
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < this.shape[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  }
  /**
   * The elements (row-major) as the typed array of the dtype: Float32Array, Float64Array, Int32Array,
   * BigInt64Array (int64), Uint8Array (uint8, bool), Int8Array, Int16Array, Uint16Array (raw bits of
   * float16 / bfloat16). Always a copy, aligned.
   */
  toTypedArray(): TensorTypedArray {
    const b = new Uint8Array(this.bytes());
    const buf = b.buffer;
    switch (this.dtype) {
      case 'float32':
        return new Float32Array(buf);
      case 'float64':
        return new Float64Array(buf);
      case 'int64':
        return new BigInt64Array(buf);
      case 'int32':
        return new Int32Array(buf);
      case 'int16':
        return new Int16Array(buf);
      case 'int8':
        return new Int8Array(buf);
      case 'float16':
      case 'bfloat16':
        return new Uint16Array(buf);
      case 'uint8':
      case 'bool':
        return b;
      default:
        throw new TorchFileError(`no typed array for dtype ${this.dtype}`);
    }
  }
  /** The elements converted to float32 (from any float, int or bool dtype). */
  toFloat32Array(): Float32Array {
    const a = this.toTypedArray();
    if (a instanceof Float32Array) return a;
    const out = new Float32Array(a.length);
    if (this.dtype === 'float16' || this.dtype === 'bfloat16') {
      const conv = this.dtype === 'float16' ? halfToFloat : bfloat16ToFloat;
      for (let i = 0; i < a.length; i++) out[i] = conv(a[i] as number);
    } else if (a instanceof BigInt64Array) {
      for (let i = 0; i < a.length; i++) out[i] = Number(a[i]);
    } else {
      for (let i = 0; i < a.length; i++) out[i] = a[i] as number;
    }
    return out;
  }
}

/**
 * The buffer of a gathered copy, or a TorchFileError: a view built in JS (or read with a raised memory
 * bound) may ask for more than an ArrayBuffer can hold, which V8 reports as a bare RangeError.
 */
function allocateCopy(nbytes: number, shape: readonly number[]): Uint8Array {
  const what = `a copy of the tensor view [${shape.join(', ')}] (${nbytes} bytes)`;
  if (!Number.isSafeInteger(nbytes) || nbytes > MAX_LENGTH) throw new TorchFileError(`cannot allocate ${what}: larger than a buffer can be`);
  try {
    return new Uint8Array(nbytes);
  } catch (cause) {
    throw new TorchFileError(`cannot allocate ${what}: out of memory`, {}, { cause });
  }
}

/** True when a view of `shape` with `stride` is its storage's elements in row-major order, no gaps (size-1 dims ignored). */
export function isContiguousLayout(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (shape[i] === 0) return true;
    if (stride[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** A `torch.nn.Parameter` (`torch._utils._rebuild_parameter[_with_state]`). */
export class TorchParameter {
  get [TENSOR_OF](): TorchTensor {
    return this.data;
  }
  constructor(
    public data: TorchTensor,
    public requiresGrad = true,
    public backwardHooks: PyValue = new PyOrderedDict(),
    /** The state of `_rebuild_parameter_with_state`, when the file used it. */
    public state: PyValue | undefined = undefined,
  ) {}
}

/** The tensor of a tensor or Parameter value, else undefined. */
export function asTensor(v: PyValue | undefined): TorchTensor | undefined {
  return tensorOf(v);
}

/** Row-major strides for `shape`. */
export function contiguousStride(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= Math.max(shape[i], 1);
  }
  return s;
}


/** Float16 bits to a number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** Bfloat16 bits to a number. */
export function bfloat16ToFloat(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}
