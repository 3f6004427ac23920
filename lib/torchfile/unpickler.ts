/**
 * A safe unpickler: it interprets the pickle opcodes (protocols 0-5) into data values and never imports
 * or calls anything. A small allowlist of globals (pickle-globals.ts) is turned into typed values (tensors, OrderedDict,
 * bytes, sets, numpy); every other global becomes a {@link PyObject} record.
 */
import { TorchFileError } from './errors';
import { HIGHEST_PROTOCOL, OP } from './opcodes';
import { allowlistedGlobal } from './pickle-globals';
import { escapeDecode, rawUnicodeEscape } from './pickle-text';
import { decodeUtf8 } from './text';
import type { Budget, UnpickleContext, UnpickleLimits, UnpickleOptions } from './unpickle-context';
import { type PyValue } from './values';
import { NumpyArray, NumpyDtype } from './numpy-values';
import { PyByteArray, PyDict, PyGlobal, PyObject, PyOrderedDict, PySet, PyTuple } from './py-objects';

export type { Budget, UnpickleLimits, UnpickleOptions };

/** Unpickles one pickle starting at `start`; returns the value and the offset just after STOP. */
export function unpickle(data: Uint8Array, start: number, opts: UnpickleOptions): { value: PyValue; end: number } {
  return new Unpickler(data, start, opts).run();
}

class Unpickler implements UnpickleContext {
  private pos: number;
  private opStart = 0;
  private readonly stack: PyValue[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PyValue>();
  private readonly depth = new WeakMap<object, number>();
  private readonly view: DataView;
  private proto = 0;

  constructor(
    private readonly data: Uint8Array,
    start: number,
    readonly opts: UnpickleOptions,
  ) {
    this.pos = start;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  fail(reason: string, offset = this.opStart): never {
    throw new TorchFileError(reason, { record: this.opts.record, offset });
  }

  // ---- reading primitives ----
  private need(n: number): void {
    if (n < 0 || this.pos + n > this.data.length) this.fail(`truncated pickle: needs ${n} more byte(s) at ${this.pos}`, this.pos);
  }
  private u8(): number {
    this.need(1);
    return this.data[this.pos++];
  }
  private u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  private i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(this.data.length)) this.fail(`length ${v} is longer than the pickle`);
    return Number(v);
  }
  private bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  private line(): Uint8Array {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('truncated pickle: text argument has no newline', this.pos);
    const b = this.data.subarray(this.pos, end);
    this.pos = end + 1;
    return b;
  }
  private asciiLine(): string {
    const b = this.line();
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  }
  charge(n: number): void {
    this.opts.budget.left -= n;
    if (this.opts.budget.left < 0) this.fail('memory bound exceeded (the file would need more memory than its size allows)');
  }
  private utf8(b: Uint8Array): string {
    this.charge(b.length * 2);
    const s = decodeUtf8(b);
    if (s === null) this.fail('invalid UTF-8 in string');
    return s;
  }

  // ---- stack ----
  private push(v: PyValue): void {
    this.stack.push(v);
  }
  private pop(): PyValue {
    const base = this.marks.length > 0 ? this.marks[this.marks.length - 1] : 0;
    if (this.stack.length <= base) this.fail(this.stack.length === 0 ? 'stack underflow' : 'stack underflow (pop across a MARK)');
    return this.stack.pop() as PyValue;
  }
  private top(): PyValue {
    const base = this.marks.length > 0 ? this.marks[this.marks.length - 1] : 0;
    if (this.stack.length <= base) this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }
  private popMark(): PyValue[] {
    if (this.marks.length === 0) this.fail('MARK expected but not found');
    const m = this.marks.pop() as number;
    const items = this.stack.splice(m);
    return items;
  }

  // ---- nesting ----
  private depthOf(v: PyValue): number {
    if (v === null || typeof v !== 'object') return 0;
    return this.depth.get(v) ?? 1;
  }
  nest(container: object, children: Iterable<PyValue>): void {
    let d = this.depth.get(container) ?? 1;
    for (const c of children) {
      const cd = this.depthOf(c) + 1;
      if (cd > d) d = cd;
    }
    if (d > this.opts.limits.maxDepth) this.fail(`nesting deeper than ${this.opts.limits.maxDepth}`);
    this.depth.set(container, d);
  }
  private nest1(container: object, child: PyValue): void {
    const cd = this.depthOf(child) + 1;
    const d = this.depth.get(container) ?? 1;
    if (cd > d) {
      if (cd > this.opts.limits.maxDepth) this.fail(`nesting deeper than ${this.opts.limits.maxDepth}`);
      this.depth.set(container, cd);
    }
  }
  private makeTuple(items: PyValue[]): PyTuple {
    const t = new PyTuple(items);
    this.nest(t, items);
    return t;
  }

  // ---- memo ----
  private memoPut(idx: number): void {
    if (idx < 0) this.fail('negative memo index');
    const v = this.top();
    if (!this.memo.has(idx) && this.memo.size >= this.opts.limits.maxMemo) this.fail(`memo larger than ${this.opts.limits.maxMemo} entries`);
    this.memo.set(idx, v);
  }
  private memoGet(idx: number): void {
    const v = this.memo.get(idx);
    if (v === undefined) this.fail(`memo key ${idx} was never stored`);
    this.push(v);
  }
  private textInt(s: string, what: string): number {
    if (!/^[+-]?\d{1,15}$/.test(s.trim())) this.fail(`bad ${what} argument`);
    return Number(s.trim());
  }

  // ---- numbers ----
  private longFromBytes(b: Uint8Array): bigint {
    if (b.length === 0) return 0n;
    if (b.length > this.opts.limits.maxIntBytes) this.fail(`int of ${b.length} bytes is larger than the limit ${this.opts.limits.maxIntBytes}`);
    let hex = '';
    for (let i = b.length - 1; i >= 0; i--) hex += b[i].toString(16).padStart(2, '0');
    let v = BigInt('0x' + hex);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v;
  }
  private textLong(s: string): bigint {
    let t = s.trim();
    if (t.endsWith('L')) t = t.slice(0, -1);
    if (!/^[+-]?\d+$/.test(t)) this.fail('bad integer text');
    if (t.length > this.opts.limits.maxIntBytes * 2.5) this.fail('integer text longer than the limit');
    return BigInt(t);
  }

  run(): { value: PyValue; end: number } {
    const d = this.data;
    for (;;) {
      this.opStart = this.pos;
      if (this.pos >= d.length) this.fail('truncated pickle: no STOP opcode', this.pos);
      const op = d[this.pos++];
      switch (op) {
        case OP.PROTO: {
          const p = this.u8();
          if (p > HIGHEST_PROTOCOL) this.fail(`unsupported pickle protocol ${p}`);
          this.proto = p;
          break;
        }
        case OP.FRAME:
          this.u64();
          break;
        case OP.STOP: {
          if (this.marks.length > 0) this.fail('STOP inside an unclosed MARK');
          if (this.stack.length !== 1) this.fail(this.stack.length === 0 ? 'STOP with an empty stack' : `STOP with ${this.stack.length} values on the stack`);
          return { value: this.stack[0], end: this.pos };
        }
        case OP.MARK:
          if (this.marks.length >= this.opts.limits.maxDepth) this.fail(`nesting deeper than ${this.opts.limits.maxDepth} (MARK)`);
          this.marks.push(this.stack.length);
          break;
        case OP.POP:
          if (this.marks.length > 0 && this.stack.length === this.marks[this.marks.length - 1]) this.marks.pop();
          else this.pop();
          break;
        case OP.POP_MARK:
          this.popMark();
          break;
        case OP.DUP:
          this.push(this.top());
          break;
        case OP.NONE:
          this.push(null);
          break;
        case OP.NEWTRUE:
          this.push(true);
          break;
        case OP.NEWFALSE:
          this.push(false);
          break;
        case OP.INT: {
          const s = this.asciiLine().trim();
          if (s === '00') this.push(false);
          else if (s === '01') this.push(true);
          else this.push(this.textLong(s));
          break;
        }
        case OP.BININT:
          this.push(BigInt(this.i32()));
          break;
        case OP.BININT1:
          this.push(BigInt(this.u8()));
          break;
        case OP.BININT2:
          this.push(BigInt(this.u16()));
          break;
        case OP.LONG:
          this.push(this.textLong(this.asciiLine()));
          break;
        case OP.LONG1:
          this.push(this.longFromBytes(this.bytes(this.u8())));
          break;
        case OP.LONG4: {
          const n = this.i32();
          if (n < 0) this.fail('negative LONG4 length');
          this.push(this.longFromBytes(this.bytes(n)));
          break;
        }
        case OP.FLOAT: {
          const s = this.asciiLine().trim();
          if (!/^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)$/i.test(s)) this.fail('bad float text');
          const low = s.toLowerCase().replace(/^[+]/, '');
          this.push(low.endsWith('inf') || low.endsWith('infinity') ? (low.startsWith('-') ? -Infinity : Infinity) : low.endsWith('nan') ? NaN : Number(s));
          break;
        }
        case OP.BINFLOAT: {
          this.need(8);
          this.push(this.view.getFloat64(this.pos, false));
          this.pos += 8;
          break;
        }
        case OP.STRING: {
          const raw = this.asciiLine().trim();
          if (raw.length < 2 || (raw[0] !== '"' && raw[0] !== "'") || raw[raw.length - 1] !== raw[0]) this.fail('STRING argument is not quoted');
          this.push(this.utf8(escapeDecode(raw.slice(1, -1), this)));
          break;
        }
        case OP.BINSTRING: {
          const n = this.i32();
          if (n < 0) this.fail('negative BINSTRING length');
          this.push(this.utf8(this.bytes(n)));
          break;
        }
        case OP.SHORT_BINSTRING:
          this.push(this.utf8(this.bytes(this.u8())));
          break;
        case OP.UNICODE:
          this.push(rawUnicodeEscape(this.line(), this));
          break;
        case OP.BINUNICODE:
          this.push(this.utf8(this.bytes(this.u32())));
          break;
        case OP.SHORT_BINUNICODE:
          this.push(this.utf8(this.bytes(this.u8())));
          break;
        case OP.BINUNICODE8:
          this.push(this.utf8(this.bytes(this.u64())));
          break;
        case OP.BINBYTES:
          this.push(this.bytes(this.u32()));
          break;
        case OP.SHORT_BINBYTES:
          this.push(this.bytes(this.u8()));
          break;
        case OP.BINBYTES8:
          this.push(this.bytes(this.u64()));
          break;
        case OP.BYTEARRAY8: {
          const b = this.bytes(this.u64());
          this.charge(b.length);
          this.push(new PyByteArray(new Uint8Array(b)));
          break;
        }
        case OP.NEXT_BUFFER:
          this.fail('out-of-band pickle buffers (NEXT_BUFFER) are not supported');
          break;
        case OP.READONLY_BUFFER:
          this.top();
          break;
        case OP.EMPTY_TUPLE:
          this.push(new PyTuple([]));
          break;
        case OP.TUPLE:
          this.push(this.makeTuple(this.popMark()));
          break;
        case OP.TUPLE1: {
          const a = this.pop();
          this.push(this.makeTuple([a]));
          break;
        }
        case OP.TUPLE2: {
          const b = this.pop();
          const a = this.pop();
          this.push(this.makeTuple([a, b]));
          break;
        }
        case OP.TUPLE3: {
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push(this.makeTuple([a, b, c]));
          break;
        }
        case OP.EMPTY_LIST:
          this.push([]);
          break;
        case OP.LIST: {
          const items = this.popMark();
          this.nest(items, items);
          this.push(items);
          break;
        }
        case OP.EMPTY_DICT:
          this.push(new PyDict());
          break;
        case OP.DICT: {
          const items = this.popMark();
          if (items.length % 2 !== 0) this.fail('DICT with an odd number of items');
          const dict = new PyDict();
          for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
          this.nest(dict, items);
          this.push(dict);
          break;
        }
        case OP.EMPTY_SET:
          this.push(new PySet([], false));
          break;
        case OP.FROZENSET: {
          const items = this.popMark();
          const s = new PySet(items, true);
          this.nest(s, items);
          this.push(s);
          break;
        }
        case OP.ADDITEMS: {
          const items = this.popMark();
          const target = this.top();
          if (!(target instanceof PySet) || target.frozen) this.fail('ADDITEMS on a value that is not a set');
          for (const it of items) target.items.push(it);
          this.nest(target, items);
          break;
        }
        case OP.APPEND: {
          const v = this.pop();
          this.appendTo(this.top(), [v]);
          break;
        }
        case OP.APPENDS: {
          const items = this.popMark();
          this.appendTo(this.top(), items);
          break;
        }
        case OP.SETITEM: {
          const v = this.pop();
          const k = this.pop();
          this.setItems(this.top(), [k, v]);
          break;
        }
        case OP.SETITEMS: {
          const items = this.popMark();
          if (items.length % 2 !== 0) this.fail('SETITEMS with an odd number of items');
          this.setItems(this.top(), items);
          break;
        }
        case OP.GET:
          this.memoGet(this.textInt(this.asciiLine(), 'GET'));
          break;
        case OP.BINGET:
          this.memoGet(this.u8());
          break;
        case OP.LONG_BINGET:
          this.memoGet(this.u32());
          break;
        case OP.PUT:
          this.memoPut(this.textInt(this.asciiLine(), 'PUT'));
          break;
        case OP.BINPUT:
          this.memoPut(this.u8());
          break;
        case OP.LONG_BINPUT:
          this.memoPut(this.u32());
          break;
        case OP.MEMOIZE:
          this.memoPut(this.memo.size);
          break;
        case OP.GLOBAL: {
          const module = this.utf8(this.line());
          const name = this.utf8(this.line());
          this.push(new PyGlobal(module, name));
          break;
        }
        case OP.STACK_GLOBAL: {
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.fail('STACK_GLOBAL needs two strings');
          this.push(new PyGlobal(module, name));
          break;
        }
        case OP.REDUCE: {
          const args = this.pop();
          const fn = this.pop();
          this.push(this.reduce(fn, args));
          break;
        }
        case OP.NEWOBJ: {
          const args = this.pop();
          const cls = this.pop();
          if (!(args instanceof PyTuple)) this.fail('NEWOBJ arguments are not a tuple');
          const o = new PyObject(cls, args, 'newobj');
          this.nest(o, [cls, args]);
          this.push(o);
          break;
        }
        case OP.NEWOBJ_EX: {
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          if (!(args instanceof PyTuple) || !(kwargs instanceof PyDict)) this.fail('NEWOBJ_EX needs a tuple and a dict');
          const o = new PyObject(cls, args, 'newobj_ex', kwargs);
          this.nest(o, [cls, args, kwargs]);
          this.push(o);
          break;
        }
        case OP.INST: {
          const module = this.utf8(this.line());
          const name = this.utf8(this.line());
          const args = this.makeTuple(this.popMark());
          this.push(this.reduce(new PyGlobal(module, name), args));
          break;
        }
        case OP.OBJ: {
          const items = this.popMark();
          if (items.length === 0) this.fail('OBJ without a class');
          const cls = items[0];
          this.push(this.reduce(cls, this.makeTuple(items.slice(1))));
          break;
        }
        case OP.BUILD: {
          const state = this.pop();
          this.build(this.top(), state);
          break;
        }
        case OP.PERSID: {
          const pid = this.asciiLine();
          this.push(this.opts.persistentLoad(pid, this.opStart));
          break;
        }
        case OP.BINPERSID: {
          const pid = this.pop();
          this.push(this.opts.persistentLoad(pid, this.opStart));
          break;
        }
        case OP.EXT1:
        case OP.EXT2:
        case OP.EXT4:
          this.fail('extension registry codes (EXT1/2/4) are not supported');
          break;
        default:
          this.fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }

  private appendTo(target: PyValue, items: PyValue[]): void {
    if (Array.isArray(target)) {
      for (const it of items) target.push(it);
      this.nest(target, items);
    } else if (target instanceof PyObject) {
      for (const it of items) target.listItems.push(it);
      this.nest(target, items);
    } else {
      this.fail('APPEND(S) on a value that is not a list');
    }
  }

  private setItems(target: PyValue, items: PyValue[]): void {
    if (target instanceof PyDict) {
      for (let i = 0; i < items.length; i += 2) {
        const k = items[i];
        if (Array.isArray(k) || k instanceof PyDict || (k instanceof PySet && !k.frozen)) this.fail('unhashable dict key (list, dict or set)');
        target.set(k, items[i + 1]);
      }
      this.nest(target, items);
    } else if (target instanceof PyObject) {
      for (let i = 0; i < items.length; i += 2) target.dictItems.push([items[i], items[i + 1]]);
      this.nest(target, items);
    } else {
      this.fail('SETITEM(S) on a value that is not a dict');
    }
  }

  private build(target: PyValue, state: PyValue): void {
    if (target instanceof PyOrderedDict) {
      target.states.push(state);
      this.nest1(target, state);
    } else if (target instanceof NumpyArray) {
      target.states.push(state);
      this.nest1(target, state);
      this.checkNumpyState(target);
    } else if (target instanceof PyObject) {
      target.states.push(state);
      this.nest1(target, state);
    } else {
      this.fail('BUILD on a value that is not an object');
    }
  }

  private checkNumpyState(arr: NumpyArray): void {
    if (!arr.isPlainData) return;
    const dtype = arr.dtype as NumpyDtype;
    const data = arr.data as Uint8Array;
    let n = 1;
    for (const s of arr.shape) {
      if (!Number.isSafeInteger(s) || s < 0) this.fail('numpy array shape is not a list of non-negative ints');
      n *= s;
      if (n > Number.MAX_SAFE_INTEGER) this.fail('numpy array element count overflows');
    }
    const need = n * dtype.itemSize;
    if (dtype.itemSize > 0 && data.byteLength < need) {
      this.fail(`numpy array data is ${data.byteLength} bytes, shorter than the ${need} its shape needs`);
    }
  }

  /** REDUCE: the allowlisted globals become values; anything else a PyObject record (never called). */
  private reduce(fn: PyValue, args: PyValue): PyValue {
    if (fn instanceof PyGlobal && args instanceof PyTuple) {
      const v = allowlistedGlobal(fn, args.items, this);
      if (v !== undefined) return v;
    }
    const o = new PyObject(fn, args, 'reduce');
    this.nest(o, [fn, args]);
    return o;
  }

}
