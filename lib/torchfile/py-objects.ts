/** The Python containers and object records of torch.save values (see values.ts for the mapping). */
import { TorchFileError } from './errors';
import type { TorchTensor } from './tensor';
import { tensorOf } from './tensor-of';
import type { PyValue } from './values';

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
    return tensorOf(this.get(key));
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
