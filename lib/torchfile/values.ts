/**
 * JavaScript values for the Python objects found in torch.save files.
 *
 * | Python                      | JavaScript                                   |
 * | --------------------------- | -------------------------------------------- |
 * | None / bool / str           | null / boolean / string                      |
 * | int                         | bigint (exact, any size)                     |
 * | float                       | number                                       |
 * | bytes                       | Uint8Array                                   |
 * | list / tuple                | Array / {@link PyTuple}                      |
 * | dict / OrderedDict          | {@link PyDict} / {@link PyOrderedDict}       |
 * | set / frozenset / bytearray | {@link PySet} / {@link PyByteArray}          |
 * | torch.Tensor / Parameter    | {@link TorchTensor} / {@link TorchParameter} |
 * | numpy ndarray / dtype / scalar | {@link NumpyArray} / {@link NumpyDtype} / {@link NumpyScalar} |
 * | any other object            | {@link PyObject} (never called; written back exactly) |
 * | a class or function         | {@link PyGlobal}                             |
 */
import { TorchFileError } from './errors';
import { itemSizeOf, storageClassOf, type TorchDtype } from './dtypes';

/** Any value a torch.save pickle can hold. */
export type PyValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PySet
  | PyByteArray
  | PyGlobal
  | PyObject
  | TorchStorage
  | TorchTensor
  | TorchParameter;

/** A Python tuple (immutable by convention; `items` is the element array). */
export class PyTuple {
  readonly items: PyValue[];
  constructor(items: PyValue[] = []) {
    this.items = items;
  }
  get length(): number {
    return this.items.length;
  }
  get(i: number): PyValue | undefined {
    return this.items[i];
  }
  [Symbol.iterator](): Iterator<PyValue> {
    return this.items[Symbol.iterator]();
  }
}

/** Shorthand for `new PyTuple(items)`. */
export function tuple(...items: PyValue[]): PyTuple {
  return new PyTuple(items);
}

/**
 * The lookup key of a dict key, with Python's equality for numbers: `1`, `1.0` and `True` are the same
 * key. Strings, ints, floats, None compare by value; every other key (tuple, bytes, objects) by identity.
 */
function lookupKey(k: PyValue): unknown {
  if (typeof k === 'boolean') return k ? 1n : 0n;
  if (typeof k === 'number' && Number.isInteger(k)) return BigInt(k);
  return k;
}

/** A Python dict: insertion-ordered, keys of any type (str, int, tuple, ...), kept exactly. */
export class PyDict {
  private readonly map = new Map<unknown, [PyValue, PyValue]>();

  constructor(entries?: Iterable<readonly [PyValue, PyValue]>) {
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  /** A dict with the string keys of `obj`, in order. */
  static fromObject(obj: Record<string, PyValue>): PyDict {
    return new PyDict(Object.entries(obj));
  }

  get size(): number {
    return this.map.size;
  }
  get(key: PyValue): PyValue | undefined {
    return this.map.get(lookupKey(key))?.[1];
  }
  has(key: PyValue): boolean {
    return this.map.has(lookupKey(key));
  }
  /** Sets `key`; an existing key keeps its position (and its original key object), as in Python. */
  set(key: PyValue, value: PyValue): this {
    const lk = lookupKey(key);
    const old = this.map.get(lk);
    if (old) old[1] = value;
    else this.map.set(lk, [key, value]);
    return this;
  }
  delete(key: PyValue): boolean {
    return this.map.delete(lookupKey(key));
  }
  clear(): void {
    this.map.clear();
  }
  *keys(): IterableIterator<PyValue> {
    for (const [k] of this.map.values()) yield k;
  }
  *values(): IterableIterator<PyValue> {
    for (const [, v] of this.map.values()) yield v;
  }
  *entries(): IterableIterator<[PyValue, PyValue]> {
    for (const [k, v] of this.map.values()) yield [k, v];
  }
  [Symbol.iterator](): IterableIterator<[PyValue, PyValue]> {
    return this.entries();
  }

  /** The value at `key` when it is a str, else undefined. */
  getString(key: PyValue): string | undefined {
    const v = this.get(key);
    return typeof v === 'string' ? v : undefined;
  }
  /** The value at `key` as a JS number when it is a Python int or float (not bool), else undefined. */
  getNumber(key: PyValue): number | undefined {
    return pyNumber(this.get(key));
  }
  /** The value at `key` when it is a Python int, as a JS number (throws when not a safe integer). */
  getInt(key: PyValue): number | undefined {
    const v = this.get(key);
    return typeof v === 'bigint' ? safeInt(v, String(key)) : undefined;
  }
  /** The value at `key` when it is a bool. */
  getBool(key: PyValue): boolean | undefined {
    const v = this.get(key);
    return typeof v === 'boolean' ? v : undefined;
  }
  /** The value at `key` when it is a dict (or OrderedDict). */
  getDict(key: PyValue): PyDict | undefined {
    const v = this.get(key);
    return v instanceof PyDict ? v : undefined;
  }
  /** The value at `key` when it is a list. */
  getList(key: PyValue): PyValue[] | undefined {
    const v = this.get(key);
    return Array.isArray(v) ? v : undefined;
  }
  /** The value at `key` when it is a tensor (a Parameter gives its data tensor). */
  getTensor(key: PyValue): TorchTensor | undefined {
    return asTensor(this.get(key));
  }
  /** A plain object of the string-keyed entries (other keys are left out). */
  toObject(): Record<string, PyValue> {
    const out: Record<string, PyValue> = {};
    for (const [k, v] of this.entries()) if (typeof k === 'string') out[k] = v;
    return out;
  }
}

/** A `collections.OrderedDict` (e.g. a state dict), with the attributes set on it by BUILD. */
export class PyOrderedDict extends PyDict {
  /** BUILD arguments applied after the items, in order: for a state dict `{'_metadata': OrderedDict}`. */
  states: PyValue[] = [];

  /** The instance attributes (the last BUILD state when it is a dict). */
  get attributes(): PyDict | undefined {
    const s = this.states[this.states.length - 1];
    return s instanceof PyDict ? s : undefined;
  }
  /** `state_dict._metadata` (module versions) when present. */
  get metadata(): PyValue | undefined {
    return this.attributes?.get('_metadata');
  }
}

/** A Python set or frozenset (elements in file order). */
export class PySet {
  constructor(
    public items: PyValue[] = [],
    public frozen = false,
  ) {}
}

/** A Python bytearray. */
export class PyByteArray {
  constructor(public bytes: Uint8Array) {}
}

/** A reference to a Python class or function (`module.name`) that is never imported or called. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  /** `module.name`. */
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/**
 * An object of a class that is not on the allowlist: how Python built it (callable and arguments,
 * BUILD state, items added by APPEND(S)/SETITEM(S)), kept as data, never executed, written back exactly.
 * An Enum member is `callable = PyGlobal(module, EnumClass)`, `args = ('value',)`.
 */
export class PyObject {
  /** How it was made: REDUCE `callable(*args)`, NEWOBJ `cls.__new__(cls, *args)`, NEWOBJ_EX with kwargs. */
  kind: 'reduce' | 'newobj' | 'newobj_ex';
  /** The class or function (usually a {@link PyGlobal}). */
  callable: PyValue;
  /** The argument tuple (normally a {@link PyTuple}). */
  args: PyValue;
  /** Keyword arguments (NEWOBJ_EX only). */
  kwargs: PyValue;
  /** BUILD arguments (`__setstate__` / `__dict__` updates), in order. */
  states: PyValue[] = [];
  /** Items added by APPEND/APPENDS. */
  listItems: PyValue[] = [];
  /** Items added by SETITEM/SETITEMS. */
  dictItems: Array<[PyValue, PyValue]> = [];

  constructor(callable: PyValue, args: PyValue, kind: 'reduce' | 'newobj' | 'newobj_ex' = 'reduce', kwargs: PyValue = null) {
    this.callable = callable;
    this.args = args;
    this.kind = kind;
    this.kwargs = kwargs;
  }

  /** `module.name` of the callable when it is a global, e.g. `small_dataset_audio.training.config.OverfittingPreset`. */
  get className(): string | undefined {
    return this.callable instanceof PyGlobal ? this.callable.qualifiedName : undefined;
  }
  /** The last BUILD state, when any. */
  get state(): PyValue | undefined {
    return this.states[this.states.length - 1];
  }
  /** The argument items (empty when args is not a tuple or list). */
  get argItems(): PyValue[] {
    if (this.args instanceof PyTuple) return this.args.items;
    return Array.isArray(this.args) ? this.args : [];
  }
}

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
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] === 1) continue;
      if (this.shape[i] === 0) return true;
      if (this.stride[i] !== expected) return false;
      expected *= this.shape[i];
    }
    return true;
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
    const out = new Uint8Array(n * size);
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

/** A `torch.nn.Parameter` (`torch._utils._rebuild_parameter[_with_state]`). */
export class TorchParameter {
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
  if (v instanceof TorchTensor) return v;
  if (v instanceof TorchParameter) return v.data;
  return undefined;
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

/** A Python int or float as a JS number (bool and anything else: undefined). */
export function pyNumber(v: PyValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

function safeInt(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new TorchFileError(`int ${what} = ${v} is not a safe JS integer`);
  }
  return Number(v);
}

/** `d[key]` for a dict value (undefined when `d` is not a dict or has no such key). */
export function dictGet(d: PyValue | undefined, ...path: PyValue[]): PyValue | undefined {
  let cur: PyValue | undefined = d;
  for (const k of path) {
    if (!(cur instanceof PyDict)) return undefined;
    cur = cur.get(k);
  }
  return cur;
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

/**
 * A plain JSON-able copy of a value: ints become numbers (or strings beyond 2^53), dicts objects (keys
 * stringified), tuples/sets arrays, bytes base64, tensors and other objects a short description.
 * Cycles become `"<cycle>"`; nesting is cut at `maxDepth`.
 */
export function toJSONValue(v: PyValue, maxDepth = 100): unknown {
  const seen = new Set<object>();
  const go = (x: PyValue, depth: number): unknown => {
    if (x === null || typeof x === 'boolean' || typeof x === 'string') return x;
    if (typeof x === 'number') return Number.isFinite(x) ? x : String(x);
    if (typeof x === 'bigint') return x <= BigInt(Number.MAX_SAFE_INTEGER) && x >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(x) : x.toString();
    if (depth > maxDepth) return '<too deep>';
    if (seen.has(x)) return '<cycle>';
    if (x instanceof Uint8Array) return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
    seen.add(x);
    try {
      if (Array.isArray(x)) return x.map((e) => go(e, depth + 1));
      if (x instanceof PyTuple) return x.items.map((e) => go(e, depth + 1));
      if (x instanceof PySet) return x.items.map((e) => go(e, depth + 1));
      if (x instanceof PyDict) {
        const o: Record<string, unknown> = {};
        for (const [k, val] of x.entries()) o[typeof k === 'string' ? k : String(go(k, depth + 1))] = go(val, depth + 1);
        return o;
      }
      if (x instanceof TorchTensor) return { tensor: { dtype: x.dtype, shape: x.shape, device: x.device } };
      if (x instanceof TorchParameter) return { parameter: { dtype: x.data.dtype, shape: x.data.shape } };
      if (x instanceof NumpyArray) return { ndarray: { dtype: x.dtype?.descr ?? null, shape: x.shape } };
      if (x instanceof PyObject) return { object: x.className ?? null, args: go(x.args, depth + 1) };
      if (x instanceof PyGlobal) return { global: x.qualifiedName };
      return `<${x.constructor.name}>`;
    } finally {
      seen.delete(x);
    }
  };
  return go(v, 0);
}

// Numpy values are PyObjects (they are written back exactly as they were pickled) with typed views.
// Defined here to avoid an import cycle; see numpy.ts for their construction helpers.

/** Numpy byte orders as in `dtype.byteorder`. */
export type NumpyByteOrder = '<' | '>' | '|' | '=';

/** `numpy.dtype(descr, False, True)` with its BUILD state (byte order, item size). */
export class NumpyDtype extends PyObject {
  /** The type string without byte order, e.g. `f4`, `i8`, `b1`. */
  get descr(): string {
    const a = this.argItems[0];
    return typeof a === 'string' ? a : '';
  }
  /** Byte order from the BUILD state (`<` little, `>` big, `|` not applicable). */
  get byteOrder(): NumpyByteOrder {
    const s = this.state;
    if (s instanceof PyTuple && typeof s.items[1] === 'string' && '<>|='.includes(s.items[1] as string)) {
      return s.items[1] as NumpyByteOrder;
    }
    return '=';
  }
  /** Bytes per item, from the descr (`f4` -> 4); 0 when unknown. */
  get itemSize(): number {
    const m = /^[a-zA-Z?](\d+)$/.exec(this.descr);
    if (m) return Number(m[1]);
    if (this.descr === '?' || this.descr === 'b1') return 1;
    return 0;
  }
  /** The kind letter: `f` float, `i` int, `u` unsigned, `b` bool, `c` complex, ... */
  get typeKind(): string {
    return this.descr.charAt(0);
  }
  /** `'<f4'`-style string. */
  get str(): string {
    return (this.byteOrder === '=' ? '<' : this.byteOrder) + this.descr;
  }
}

/** A numpy ndarray (`_reconstruct(ndarray, (0,), b'b')` + BUILD `(1, shape, dtype, fortran, bytes)`). */
export class NumpyArray extends PyObject {
  private parsedState(): { shape: number[]; dtype: NumpyDtype; fortranOrder: boolean; data: Uint8Array } | undefined {
    const s = this.state;
    if (!(s instanceof PyTuple) || s.items.length !== 5) return undefined;
    const [, shape, dtype, fortran, data] = s.items;
    if (!(shape instanceof PyTuple) || !(dtype instanceof NumpyDtype) || typeof fortran !== 'boolean' || !(data instanceof Uint8Array)) {
      return undefined;
    }
    return { shape: shape.items.map((x) => Number(x)), dtype, fortranOrder: fortran, data };
  }
  /** True when the state is the plain-data form (false e.g. for object arrays, whose state holds a list). */
  get isPlainData(): boolean {
    return this.parsedState() !== undefined;
  }
  get shape(): number[] {
    return this.parsedState()?.shape ?? [];
  }
  get dtype(): NumpyDtype | undefined {
    return this.parsedState()?.dtype;
  }
  get fortranOrder(): boolean {
    return this.parsedState()?.fortranOrder ?? false;
  }
  /** The raw element bytes (in the array's own order: C or Fortran) or undefined for non-plain arrays. */
  get data(): Uint8Array | undefined {
    return this.parsedState()?.data;
  }
  /** Elements (in storage order) as numbers, for float/int/uint/bool dtypes of either byte order. */
  toNumbers(): number[] {
    const p = this.parsedState();
    if (!p) throw new TorchFileError('numpy array has no plain data');
    return decodeNumpyElements(p.dtype, p.data).map((x) => (typeof x === 'bigint' ? Number(x) : typeof x === 'boolean' ? Number(x) : x));
  }
  /** Elements as float32, in C (row-major) order. */
  toFloat32Array(): Float32Array {
    const p = this.parsedState();
    if (!p) throw new TorchFileError('numpy array has no plain data');
    const flat = this.toNumbers();
    if (!p.fortranOrder || p.shape.length < 2) return Float32Array.from(flat);
    // Fortran order: transpose into C order.
    const out = new Float32Array(flat.length);
    const shape = p.shape;
    const idx = new Array<number>(shape.length).fill(0);
    for (let c = 0; c < flat.length; c++) {
      let f = 0;
      let mul = 1;
      for (let d = 0; d < shape.length; d++) {
        f += idx[d] * mul;
        mul *= shape[d];
      }
      out[c] = flat[f];
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  }
}

/** A numpy scalar (`multiarray.scalar(dtype, bytes)`), e.g. `np.float32(0.5)`. */
export class NumpyScalar extends PyObject {
  get dtype(): NumpyDtype | undefined {
    const d = this.argItems[0];
    return d instanceof NumpyDtype ? d : undefined;
  }
  get data(): Uint8Array | undefined {
    const b = this.argItems[1];
    return b instanceof Uint8Array ? b : undefined;
  }
  /** The value: number for floats and small ints, bigint for 64-bit ints, boolean for bool. */
  get value(): number | bigint | boolean | undefined {
    const d = this.dtype;
    const b = this.data;
    if (!d || !b) return undefined;
    const v = decodeNumpyElements(d, b);
    return v.length === 1 ? v[0] : undefined;
  }
}

/** Decodes numpy elements of simple dtypes (f2/f4/f8, i1-i8, u1-u8, b1/?). */
export function decodeNumpyElements(dtype: NumpyDtype, data: Uint8Array): Array<number | bigint | boolean> {
  const size = dtype.itemSize;
  const kind = dtype.typeKind === '?' ? 'b' : dtype.typeKind;
  if (size <= 0 || data.byteLength % size !== 0) throw new TorchFileError(`cannot decode numpy dtype ${dtype.descr}`);
  const little = dtype.byteOrder !== '>';
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = data.byteLength / size;
  const out = new Array<number | bigint | boolean>(n);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    if (kind === 'f' && size === 4) out[i] = view.getFloat32(o, little);
    else if (kind === 'f' && size === 8) out[i] = view.getFloat64(o, little);
    else if (kind === 'f' && size === 2) out[i] = halfToFloat(view.getUint16(o, little));
    else if (kind === 'i' && size === 1) out[i] = view.getInt8(o);
    else if (kind === 'i' && size === 2) out[i] = view.getInt16(o, little);
    else if (kind === 'i' && size === 4) out[i] = view.getInt32(o, little);
    else if (kind === 'i' && size === 8) out[i] = view.getBigInt64(o, little);
    else if (kind === 'u' && size === 1) out[i] = view.getUint8(o);
    else if (kind === 'u' && size === 2) out[i] = view.getUint16(o, little);
    else if (kind === 'u' && size === 4) out[i] = view.getUint32(o, little);
    else if (kind === 'u' && size === 8) out[i] = view.getBigUint64(o, little);
    else if (kind === 'b' && size === 1) out[i] = view.getUint8(o) !== 0;
    else throw new TorchFileError(`cannot decode numpy dtype ${dtype.descr}`);
  }
  return out;
}
