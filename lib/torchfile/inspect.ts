/**
 * `inspectTorchFile`: the structure of any `torch.save` file (zip or legacy) without running anything
 * from it and without reading tensor data: container records, pickle protocol, the object tree with
 * tensor dtypes and shapes, and the Python globals (classes and functions) the pickle refers to.
 * Work is linear in the file: shared objects are counted once and shown again only within a budget.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NumpyArray, NumpyDtype, NumpyScalar } from './numpy-values';
import { PyByteArray, PyDict, PyGlobal, PyObject, PyOrderedDict, PySet, PyTuple } from './py-objects';
import { readTorchFile } from './read';
import { TorchParameter, TorchStorage, TorchTensor } from './tensor';
import type { PyValue } from './values';
import { SharedExpansion, childPath, forEachObject, type PyObjectValue } from './walk';

/** One node of the object tree (JSON). */
export type InspectNode =
  | { type: 'None' }
  | { type: 'bool' | 'int' | 'float'; value: number | boolean | string }
  | { type: 'str'; value: string; length: number }
  | { type: 'bytes' | 'bytearray'; length: number }
  | { type: 'dict' | 'OrderedDict'; size: number; keys?: Record<string, InspectNode> }
  | { type: 'list' | 'tuple' | 'set'; length: number; items?: InspectNode[] }
  | { type: 'tensor' | 'parameter'; dtype: string; shape: number[]; device: string; storage: string }
  | { type: 'ndarray'; dtype: string | null; shape: number[] }
  | { type: 'numpy scalar'; dtype: string | null; value: number | boolean | string | null }
  | { type: 'object'; class: string | null; args?: InspectNode; state?: InspectNode }
  | { type: 'global'; name: string }
  | { type: 'storage'; dtype: string; numel: number }
  /** An object shown already at `path` (the file shares it), not repeated to keep the tree bounded. */
  | { type: 'ref'; path: string };

export interface InspectReport {
  file: string;
  sizeBytes: number;
  container: 'zip' | 'legacy';
  archiveName: string;
  /** Records other than tensor data (zip). */
  records: string[];
  storageRecords: number;
  protocol: number;
  byteOrder: string;
  /** What the file is: a saved model (its marker), a training checkpoint, or another object. */
  kind: 'sda_model' | 'distill_model' | 'checkpoint' | 'other';
  /** Python globals referred to, with the number of objects built from each. */
  globals: Record<string, number>;
  tensors: { count: number; bytes: number; dtypes: Record<string, number>; devices: string[] };
  tree: InspectNode;
}

const MAX_ITEMS = 16;
const TREE_REPEAT_BUDGET = 5000;
const MAX_STR = 200;

function num(v: number | bigint): number | string {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  return Number.isFinite(v) ? v : String(v);
}

function keyString(k: PyValue): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'bigint' || typeof k === 'number') return String(k);
  // Tuple keys are shown one level deep: a key is a label, not a place to walk shared structure.
  if (k instanceof PyTuple) return `(${k.items.map((x) => (x instanceof PyTuple ? '(...)' : keyString(x))).join(', ')})`;
  return String(k);
}

/** What pickled each object: the globals a pickle needs to rebuild it, counted once per object. */
class GlobalCounter {
  readonly globals = new Map<string, number>();
  readonly storages = new Set<TorchStorage>();
  readonly tensors = new Set<TorchTensor>();
  /** Globals that are the callable of an object: counted through the object, not on their own. */
  private readonly callables = new Set<object>();
  private readonly used = new Set<object>();

  constructor(private readonly protocol: number) {}

  private add(name: string): void {
    this.globals.set(name, (this.globals.get(name) ?? 0) + 1);
  }

  private use(name: string, obj: object): void {
    if (this.used.has(obj)) return;
    this.used.add(obj);
    this.add(name);
  }

  /** What the tree walk descends into for counting (dict keys are labels; a tensor's hooks are counted with it). */
  children(v: PyObjectValue): PyValue[] {
    if (v instanceof TorchParameter) return [v.data];
    if (v instanceof PyDict) {
      const out = [...v.values()];
      const attrs = v instanceof PyOrderedDict ? v.attributes : undefined;
      if (attrs) out.push(attrs);
      return out;
    }
    if (Array.isArray(v)) return v;
    if (v instanceof PyTuple || v instanceof PySet) return v.items;
    if (v instanceof PyObject) {
      const out: PyValue[] = [v.args, ...v.states, ...v.listItems];
      for (const [k, x] of v.dictItems) out.push(k, x);
      return out;
    }
    return [];
  }

  visit(v: PyObjectValue): void {
    if (v instanceof Uint8Array) {
      if (this.protocol < 3) this.use('_codecs.encode', v);
    } else if (v instanceof PyByteArray) this.use('builtins.bytearray', v);
    else if (v instanceof TorchParameter) this.use('torch._utils._rebuild_parameter', v);
    else if (v instanceof TorchTensor) {
      this.use('torch._utils._rebuild_tensor_v2', v);
      if (v.backwardHooks instanceof PyOrderedDict) this.use('collections.OrderedDict', v.backwardHooks);
      this.tensors.add(v);
      if (!this.storages.has(v.storage)) {
        this.storages.add(v.storage);
        this.add(`torch.${v.storage.storageClass}`);
      }
    } else if (v instanceof TorchStorage) this.storages.add(v);
    else if (v instanceof PyOrderedDict) this.use('collections.OrderedDict', v);
    else if (v instanceof PySet) this.use('builtins.set', v);
    else if (v instanceof PyGlobal) {
      if (!this.callables.has(v)) this.use(v.qualifiedName, v);
    } else if (v instanceof PyObject) {
      const cls = v.className;
      if (cls) this.use(cls, v);
      if (v.callable instanceof PyGlobal) this.callables.add(v.callable);
    }
  }
}

/** The object tree, cut at `depth`, each shared object expanded within the budget of a SharedExpansion. */
class TreeBuilder {
  // A report for people: repeats beyond a few thousand nodes are shown as references.
  private readonly shared = new SharedExpansion(TREE_REPEAT_BUDGET);

  constructor(private readonly depth: number) {}

  node(v: PyValue, d: number, at: string): InspectNode {
    if (v === null || v === undefined) return { type: 'None' };
    if (typeof v === 'boolean') return { type: 'bool', value: v };
    if (typeof v === 'bigint') return { type: 'int', value: num(v) };
    if (typeof v === 'number') return { type: 'float', value: num(v) };
    if (typeof v === 'string') return { type: 'str', value: v.length > MAX_STR ? `${v.slice(0, MAX_STR)}...` : v, length: v.length };
    const entered = this.shared.enter(v, at);
    if (entered === 'cycle') return { type: 'object', class: '<cycle>' };
    if (entered !== 'expand') return { type: 'ref', path: entered.ref };
    try {
      return this.inner(v, d, at);
    } finally {
      this.shared.leave(v);
    }
  }

  private inner(v: PyObjectValue, d: number, at: string): InspectNode {
    const deep = d < this.depth;
    if (v instanceof Uint8Array) return { type: 'bytes', length: v.byteLength };
    if (v instanceof PyByteArray) return { type: 'bytearray', length: v.bytes.byteLength };
    if (v instanceof TorchParameter) {
      const t = this.node(v.data, d, at);
      return t.type === 'tensor' ? { type: 'parameter', dtype: t.dtype, shape: t.shape, device: t.device, storage: t.storage } : t;
    }
    if (v instanceof TorchTensor) return { type: 'tensor', dtype: v.dtype, shape: v.shape, device: v.device, storage: v.storage.key };
    if (v instanceof TorchStorage) return { type: 'storage', dtype: v.dtype, numel: v.numel };
    if (v instanceof PyDict) {
      const type = v instanceof PyOrderedDict ? 'OrderedDict' : 'dict';
      if (!deep) return { type, size: v.size };
      const keys: Record<string, InspectNode> = {};
      for (const [k, val] of v.entries()) {
        const name = keyString(k);
        keys[name] = this.node(val, d + 1, childPath(at, name));
      }
      return { type, size: v.size, keys };
    }
    if (Array.isArray(v) || v instanceof PyTuple || v instanceof PySet) {
      const items = Array.isArray(v) ? v : v.items;
      const type = Array.isArray(v) ? 'list' : v instanceof PyTuple ? 'tuple' : 'set';
      if (!deep) return { type, length: items.length };
      return { type, length: items.length, items: items.slice(0, MAX_ITEMS).map((x, i) => this.node(x, d + 1, childPath(at, i))) };
    }
    if (v instanceof PyGlobal) return { type: 'global', name: v.qualifiedName };
    if (v instanceof PyObject) {
      const cls = v.className ?? null;
      if (v instanceof NumpyArray) return { type: 'ndarray', dtype: v.dtype?.str ?? null, shape: v.shape };
      if (v instanceof NumpyScalar) {
        let value: number | boolean | string | null = null;
        try {
          const x = v.value;
          value = x === undefined ? null : typeof x === 'boolean' ? x : num(x);
        } catch {
          value = null;
        }
        return { type: 'numpy scalar', dtype: v.dtype?.str ?? null, value };
      }
      // One level past the cut: the arguments' summary (e.g. an Enum's value) still shows.
      if (d > this.depth) return { type: 'object', class: cls };
      const args = this.node(v.args, d + 1, `${at}<args>`);
      if (v instanceof NumpyDtype) return { type: 'object', class: cls, args };
      const out: InspectNode = { type: 'object', class: cls, args };
      if (v.states.length > 0) out.state = this.node(v.states[v.states.length - 1], d + 1, `${at}<state>`);
      return out;
    }
    return { type: 'object', class: `<${(v as object).constructor.name}>` };
  }
}

/** Inspects a torch.save file: never runs code from it, never reads tensor bytes. */
export async function inspectTorchFile(file: string, depth = 64): Promise<InspectReport> {
  const abs = path.resolve(file);
  const tf = await readTorchFile(abs, { storages: 'skip' });
  const counter = new GlobalCounter(tf.protocol);
  forEachObject(tf.value, (o) => counter.visit(o), (o) => counter.children(o));
  const tree = new TreeBuilder(depth).node(tf.value, 0, '$');
  const dtypes: Record<string, number> = {};
  let bytes = 0;
  const devices = new Set<string>();
  for (const t of counter.tensors) dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
  for (const s of counter.storages) {
    bytes += s.numel * s.itemSize;
    devices.add(s.location);
  }
  let kind: InspectReport['kind'] = 'other';
  if (tf.value instanceof PyDict) {
    const marker = tf.value.get('format');
    if (marker === 'sda_model' || marker === 'distill_model') kind = marker;
    else if (tf.value.has('model_state_dict') && tf.value.has('optimizer_state_dict')) kind = 'checkpoint';
  }
  return {
    file: abs,
    sizeBytes: fs.statSync(abs).size,
    container: tf.format,
    archiveName: tf.archiveName,
    records: tf.records.filter((r) => !r.startsWith('data/')),
    storageRecords: tf.format === 'zip' ? tf.records.filter((r) => r.startsWith('data/')).length : tf.storages.length,
    protocol: tf.protocol,
    byteOrder: tf.byteOrder,
    kind,
    globals: Object.fromEntries([...counter.globals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    tensors: { count: counter.tensors.size, bytes, dtypes, devices: [...devices].sort() },
    tree,
  };
}
