/**
 * Pickles values with protocol 2, the way `torch.save` does (Python's pickler with torch's
 * persistent ids for storages): tensors as `torch._utils._rebuild_tensor_v2`, bytes as
 * `_codecs.encode`, OrderedDict as REDUCE + SETITEMS + BUILD, objects exactly as they were read.
 */
import { TorchFileError } from './errors';
import { OP } from './opcodes';
import { encodeUtf8, latin1 } from './text';
import { type PyValue } from './values';
import { PyByteArray, PyDict, PyGlobal, PyObject, PyOrderedDict, PySet, PyTuple } from './py-objects';
import { TorchParameter, TorchStorage, TorchTensor } from './tensor';

const BATCH = 1000;

class Out {
  buf = new Uint8Array(1 << 16);
  len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf[this.len++] = v & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
  }
  u32(v: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer).setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    new DataView(this.buf.buffer).setFloat64(this.len, v, false);
    this.len += 8;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** The pickle and the storages it references, in key order ('0', '1', ...). */
export interface PickleResult {
  pickle: Uint8Array;
  storages: TorchStorage[];
}

/** Pickles `value` (protocol 2); storages get keys in order of first use. */
export function pickle(value: PyValue, maxDepth = 1000): PickleResult {
  return new Pickler(maxDepth).run(value);
}

function encodeLong(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  const bits = (v < 0n ? -v - 1n : v).toString(2).length;
  let n = (bits >> 3) + 1;
  const out = new Uint8Array(n);
  let x = v < 0n ? (1n << BigInt(8 * n)) + v : v;
  for (let i = 0; i < n; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  if (v < 0n && n > 1 && out[n - 1] === 0xff && (out[n - 2] & 0x80) !== 0) n -= 1;
  return out.subarray(0, n);
}

class Pickler {
  private readonly out = new Out();
  private readonly memo = new Map<unknown, number>();
  private readonly storageKeys = new Map<TorchStorage, string>();
  private readonly storages: TorchStorage[] = [];
  private depth = 0;

  constructor(private readonly maxDepth: number) {}

  run(value: PyValue): PickleResult {
    this.out.byte(OP.PROTO);
    this.out.byte(2);
    this.save(value);
    this.out.byte(OP.STOP);
    return { pickle: this.out.result(), storages: this.storages };
  }

  private put(key: unknown): void {
    const idx = this.memo.size;
    this.memo.set(key, idx);
    if (idx < 256) {
      this.out.byte(OP.BINPUT);
      this.out.byte(idx);
    } else {
      this.out.byte(OP.LONG_BINPUT);
      this.out.u32(idx);
    }
  }
  private get(idx: number): void {
    if (idx < 256) {
      this.out.byte(OP.BINGET);
      this.out.byte(idx);
    } else {
      this.out.byte(OP.LONG_BINGET);
      this.out.u32(idx);
    }
  }
  /** Emits a GET when `key` is memoized; true when it did. */
  private fromMemo(key: unknown): boolean {
    const idx = this.memo.get(key);
    if (idx === undefined) return false;
    this.get(idx);
    return true;
  }

  private save(v: PyValue): void {
    if (++this.depth > this.maxDepth) throw new TorchFileError(`cannot write: nesting deeper than ${this.maxDepth}`);
    try {
      this.saveInner(v);
    } finally {
      this.depth--;
    }
  }

  private saveInner(v: PyValue): void {
    const o = this.out;
    if (v === null) return o.byte(OP.NONE);
    switch (typeof v) {
      case 'boolean':
        return o.byte(v ? OP.NEWTRUE : OP.NEWFALSE);
      case 'bigint':
        return this.saveInt(v);
      case 'number':
        o.byte(OP.BINFLOAT);
        return o.f64(v);
      case 'string':
        return this.saveStr(v);
      case 'object':
        break;
      default:
        throw new TorchFileError(`cannot write a JS ${typeof v} (use null, boolean, bigint, number, string, Uint8Array or the torchfile value classes)`);
    }
    if (this.fromMemo(v)) return;
    if (v instanceof Uint8Array) return this.saveBytes(v);
    if (Array.isArray(v)) {
      o.byte(OP.EMPTY_LIST);
      this.put(v);
      return this.appends(v);
    }
    if (v instanceof PyTuple) return this.saveTuple(v);
    if (v instanceof PyOrderedDict) {
      this.saveGlobal('collections', 'OrderedDict');
      o.byte(OP.EMPTY_TUPLE);
      o.byte(OP.REDUCE);
      this.put(v);
      this.setitems([...v.entries()]);
      for (const s of v.states) {
        this.save(s);
        o.byte(OP.BUILD);
      }
      return;
    }
    if (v instanceof PyDict) {
      o.byte(OP.EMPTY_DICT);
      this.put(v);
      return this.setitems([...v.entries()]);
    }
    if (v instanceof TorchStorage) return this.saveStorage(v);
    if (v instanceof TorchTensor) {
      const args: PyValue[] = [
        v.storage,
        BigInt(v.storageOffset),
        new PyTuple(v.shape.map((x) => BigInt(x))),
        new PyTuple(v.stride.map((x) => BigInt(x))),
        v.requiresGrad,
        v.backwardHooks,
      ];
      if (v.metadata !== undefined) args.push(v.metadata);
      return this.saveReduce(v, new PyGlobal('torch._utils', '_rebuild_tensor_v2'), new PyTuple(args));
    }
    if (v instanceof TorchParameter) {
      const withState = v.state !== undefined;
      const args: PyValue[] = [v.data, v.requiresGrad, v.backwardHooks];
      if (withState) args.push(v.state as PyValue);
      return this.saveReduce(v, new PyGlobal('torch._utils', withState ? '_rebuild_parameter_with_state' : '_rebuild_parameter'), new PyTuple(args));
    }
    if (v instanceof PySet) {
      return this.saveReduce(v, new PyGlobal('__builtin__', v.frozen ? 'frozenset' : 'set'), new PyTuple([v.items.slice()]));
    }
    if (v instanceof PyByteArray) {
      const args = v.bytes.length === 0 ? new PyTuple([]) : new PyTuple([latin1(v.bytes), 'latin-1']);
      return this.saveReduce(v, new PyGlobal('__builtin__', 'bytearray'), args);
    }
    if (v instanceof PyGlobal) return this.saveGlobal(v.module, v.name);
    if (v instanceof PyObject) return this.saveObject(v);
    throw new TorchFileError(`cannot write a value of class ${(v as object).constructor?.name ?? 'unknown'}`);
  }

  private saveInt(v: bigint): void {
    const o = this.out;
    if (v >= 0n && v <= 0xffn) {
      o.byte(OP.BININT1);
      o.byte(Number(v));
    } else if (v >= 0n && v <= 0xffffn) {
      o.byte(OP.BININT2);
      o.u16(Number(v));
    } else if (v >= -0x80000000n && v <= 0x7fffffffn) {
      o.byte(OP.BININT);
      o.u32(Number(BigInt.asUintN(32, v)));
    } else {
      const b = encodeLong(v);
      if (b.length < 256) {
        o.byte(OP.LONG1);
        o.byte(b.length);
      } else {
        o.byte(OP.LONG4);
        o.u32(b.length);
      }
      o.bytes(b);
    }
  }

  private saveStr(s: string): void {
    if (this.fromMemo(s)) return;
    const b = encodeUtf8(s);
    this.out.byte(OP.BINUNICODE);
    this.out.u32(b.length);
    this.out.bytes(b);
    this.put(s);
  }

  private saveBytes(b: Uint8Array): void {
    // Protocol 2 has no bytes opcode; Python 3 pickles bytes as _codecs.encode(latin1 str, 'latin1').
    if (b.length === 0) return this.saveReduce(b, new PyGlobal('__builtin__', 'bytes'), new PyTuple([]));
    this.saveGlobal('_codecs', 'encode');
    const s = latin1(b);
    const enc = Buffer.from(s, 'utf8');
    this.out.byte(OP.BINUNICODE);
    this.out.u32(enc.length);
    this.out.bytes(enc);
    this.saveStr('latin1');
    this.out.byte(OP.TUPLE2);
    this.out.byte(OP.REDUCE);
    this.put(b);
  }

  private saveGlobal(module: string, name: string): void {
    const key = `global:${module}\n${name}`;
    if (this.fromMemo(key)) return;
    if (module.includes('\n') || name.includes('\n')) throw new TorchFileError(`cannot write global ${module}.${name}: newline in name`);
    this.out.byte(OP.GLOBAL);
    this.out.bytes(encodeUtf8(`${module}\n${name}\n`));
    this.put(key);
  }

  private saveTuple(t: PyTuple): void {
    const o = this.out;
    const n = t.items.length;
    if (n === 0) return o.byte(OP.EMPTY_TUPLE);
    if (n <= 3) {
      for (const it of t.items) this.save(it);
      const idx = this.memo.get(t);
      if (idx !== undefined) {
        for (let i = 0; i < n; i++) o.byte(OP.POP);
        return this.get(idx);
      }
      o.byte(n === 1 ? OP.TUPLE1 : n === 2 ? OP.TUPLE2 : OP.TUPLE3);
      return this.put(t);
    }
    o.byte(OP.MARK);
    for (const it of t.items) this.save(it);
    const idx = this.memo.get(t);
    if (idx !== undefined) {
      o.byte(OP.POP_MARK);
      return this.get(idx);
    }
    o.byte(OP.TUPLE);
    this.put(t);
  }

  private appends(items: PyValue[]): void {
    const o = this.out;
    const all = items.slice();
    for (let i = 0; i < all.length; i += BATCH) {
      const batch = all.slice(i, i + BATCH);
      if (batch.length === 1) {
        this.save(batch[0]);
        o.byte(OP.APPEND);
      } else {
        o.byte(OP.MARK);
        for (const it of batch) this.save(it);
        o.byte(OP.APPENDS);
      }
    }
  }

  private setitems(entries: Array<[PyValue, PyValue]>): void {
    const o = this.out;
    for (let i = 0; i < entries.length; i += BATCH) {
      const batch = entries.slice(i, i + BATCH);
      if (batch.length === 1) {
        this.save(batch[0][0]);
        this.save(batch[0][1]);
        o.byte(OP.SETITEM);
      } else {
        o.byte(OP.MARK);
        for (const [k, v] of batch) {
          this.save(k);
          this.save(v);
        }
        o.byte(OP.SETITEMS);
      }
    }
  }

  /** `callable(*args)` memoized as `obj` (with Python's fix-up when args referred back to obj). */
  private saveReduce(obj: object, callable: PyValue, args: PyValue, op: number = OP.REDUCE, kwargs?: PyValue): void {
    this.save(callable);
    this.save(args);
    if (kwargs !== undefined) this.save(kwargs);
    this.out.byte(op);
    const idx = this.memo.get(obj);
    if (idx !== undefined) {
      this.out.byte(OP.POP);
      this.get(idx);
      return;
    }
    this.put(obj);
  }

  private saveObject(v: PyObject): void {
    if (v.kind === 'newobj') this.saveReduce(v, v.callable, v.args, OP.NEWOBJ);
    else if (v.kind === 'newobj_ex') this.saveReduce(v, v.callable, v.args, OP.NEWOBJ_EX, v.kwargs);
    else this.saveReduce(v, v.callable, v.args);
    if (v.listItems.length > 0) this.appends(v.listItems);
    if (v.dictItems.length > 0) this.setitems(v.dictItems);
    for (const s of v.states) {
      this.save(s);
      this.out.byte(OP.BUILD);
    }
  }

  private saveStorage(s: TorchStorage): void {
    let key = this.storageKeys.get(s);
    if (key === undefined) {
      key = String(this.storages.length);
      this.storageKeys.set(s, key);
      this.storages.push(s);
    }
    const pid = new PyTuple(['storage', new PyGlobal('torch', s.storageClass), key, s.location, BigInt(s.numel)]);
    this.save(pid);
    this.out.byte(OP.BINPERSID);
  }
}
