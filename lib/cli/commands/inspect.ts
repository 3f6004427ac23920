/**
 * `sda inspect FILE`: the structure of any `torch.save` file (zip or legacy) without running anything
 * from it and without reading tensor data: container records, pickle protocol, the object tree with
 * tensor dtypes and shapes, and the Python globals (classes and functions) the pickle refers to.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import {
  NumpyArray,
  NumpyDtype,
  NumpyScalar,
  PyByteArray,
  PyDict,
  PyGlobal,
  PyObject,
  PyOrderedDict,
  PySet,
  PyTuple,
  TorchParameter,
  TorchStorage,
  TorchTensor,
  readTorchFile,
  type PyValue,
} from '../../torchfile';
import { modelNotFound } from '../cli-error';
import { EXIT_OK } from '../exit-codes';
import { cliParser, parsePositiveInt } from '../gen-options';
import { formatBytes, printJson, printLines } from '../output';

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
  | { type: 'storage'; dtype: string; numel: number };

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
const MAX_STR = 200;

function num(v: number | bigint): number | string {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  return Number.isFinite(v) ? v : String(v);
}

function keyString(k: PyValue): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'bigint' || typeof k === 'number') return String(k);
  if (k instanceof PyTuple) return `(${k.items.map(keyString).join(', ')})`;
  return String(k);
}

class Walker {
  readonly globals = new Map<string, number>();
  readonly storages = new Set<TorchStorage>();
  readonly tensors = new Set<TorchTensor>();
  private readonly active = new Set<object>();
  private readonly counted = new Set<object>();

  constructor(private readonly protocol: number, private readonly depth: number) {}

  private use(name: string, obj: object): void {
    if (this.counted.has(obj)) return;
    this.globals.set(name, (this.globals.get(name) ?? 0) + 1);
  }

  /** Counts the globals of every object (whole tree) and returns the node (cut at `depth`). */
  node(v: PyValue, d = 0): InspectNode {
    if (v === null || v === undefined) return { type: 'None' };
    if (typeof v === 'boolean') return { type: 'bool', value: v };
    if (typeof v === 'bigint') return { type: 'int', value: num(v) };
    if (typeof v === 'number') return { type: 'float', value: num(v) };
    if (typeof v === 'string') return { type: 'str', value: v.length > MAX_STR ? `${v.slice(0, MAX_STR)}...` : v, length: v.length };
    if (this.active.has(v)) return { type: 'object', class: '<cycle>' };
    const first = !this.counted.has(v);
    this.active.add(v);
    try {
      return this.inner(v, d, first);
    } finally {
      this.active.delete(v);
      this.counted.add(v);
    }
  }

  private inner(v: Exclude<PyValue, null | boolean | bigint | number | string>, d: number, first: boolean): InspectNode {
    const deep = d < this.depth;
    if (v instanceof Uint8Array) {
      if (this.protocol < 3) this.use('_codecs.encode', v);
      return { type: 'bytes', length: v.byteLength };
    }
    if (v instanceof PyByteArray) {
      this.use('builtins.bytearray', v);
      return { type: 'bytearray', length: v.bytes.byteLength };
    }
    if (v instanceof TorchParameter) {
      this.use('torch._utils._rebuild_parameter', v);
      const t = this.node(v.data, d);
      return t.type === 'tensor' ? { type: 'parameter', dtype: t.dtype, shape: t.shape, device: t.device, storage: t.storage } : t;
    }
    if (v instanceof TorchTensor) {
      if (first) {
        this.use('torch._utils._rebuild_tensor_v2', v);
        if (v.backwardHooks instanceof PyOrderedDict) this.use('collections.OrderedDict', v.backwardHooks);
        this.tensors.add(v);
        if (!this.storages.has(v.storage)) {
          this.storages.add(v.storage);
          this.globals.set(`torch.${v.storage.storageClass}`, (this.globals.get(`torch.${v.storage.storageClass}`) ?? 0) + 1);
        }
      }
      return { type: 'tensor', dtype: v.dtype, shape: v.shape, device: v.device, storage: v.storage.key };
    }
    if (v instanceof TorchStorage) {
      this.storages.add(v);
      return { type: 'storage', dtype: v.dtype, numel: v.numel };
    }
    if (v instanceof PyDict) {
      const ordered = v instanceof PyOrderedDict;
      if (ordered) this.use('collections.OrderedDict', v);
      const keys: Record<string, InspectNode> = {};
      for (const [k, val] of v.entries()) {
        const n = this.node(val, d + 1);
        if (deep) keys[keyString(k)] = n;
      }
      if (ordered) {
        const attrs = (v as PyOrderedDict).attributes;
        if (attrs) this.node(attrs, d + 1);
      }
      return deep ? { type: ordered ? 'OrderedDict' : 'dict', size: v.size, keys } : { type: ordered ? 'OrderedDict' : 'dict', size: v.size };
    }
    if (Array.isArray(v) || v instanceof PyTuple || v instanceof PySet) {
      const items = Array.isArray(v) ? v : v.items;
      if (v instanceof PySet) this.use('builtins.set', v);
      const nodes = items.map((x) => this.node(x, d + 1));
      const type = Array.isArray(v) ? 'list' : v instanceof PyTuple ? 'tuple' : 'set';
      return deep ? { type, length: items.length, items: nodes.slice(0, MAX_ITEMS) } : { type, length: items.length };
    }
    if (v instanceof PyGlobal) {
      this.use(v.qualifiedName, v);
      return { type: 'global', name: v.qualifiedName };
    }
    if (v instanceof PyObject) {
      const cls = v.className ?? null;
      if (cls && first) this.globals.set(cls, (this.globals.get(cls) ?? 0) + 1);
      if (v.callable instanceof PyGlobal) this.counted.add(v.callable);
      // Walk what built it (counts the globals inside, e.g. numpy.ndarray, numpy.dtype, _codecs.encode).
      const args = this.node(v.args, d + 1);
      const states = v.states.map((s) => this.node(s, d + 1));
      for (const x of v.listItems) this.node(x, d + 1);
      for (const [k, x] of v.dictItems) {
        this.node(k, d + 1);
        this.node(x, d + 1);
      }
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
      if (v instanceof NumpyDtype) return { type: 'object', class: cls, args };
      const out: InspectNode = { type: 'object', class: cls, args };
      if (states.length > 0) out.state = states[states.length - 1];
      return out;
    }
    return { type: 'object', class: `<${(v as object).constructor.name}>` };
  }
}

/** Inspects a torch.save file: never runs code from it, never reads tensor bytes. */
export async function inspectTorchFile(file: string, depth = 64): Promise<InspectReport> {
  const abs = path.resolve(file);
  const tf = await readTorchFile(abs, { storages: 'skip' });
  const w = new Walker(tf.protocol, depth);
  const tree = w.node(tf.value);
  const dtypes: Record<string, number> = {};
  let bytes = 0;
  const devices = new Set<string>();
  for (const t of w.tensors) dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
  for (const s of w.storages) {
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
    globals: Object.fromEntries([...w.globals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    tensors: { count: w.tensors.size, bytes, dtypes, devices: [...devices].sort() },
    tree,
  };
}

function describe(n: InspectNode): string {
  switch (n.type) {
    case 'None': return 'None';
    case 'bool': case 'int': case 'float': return `${n.type} ${String(n.value)}`;
    case 'str': return `str ${JSON.stringify(n.value)}`;
    case 'bytes': case 'bytearray': return `${n.type} (${n.length})`;
    case 'dict': case 'OrderedDict': return `${n.type} (${n.size} ${n.size === 1 ? 'key' : 'keys'})`;
    case 'list': case 'tuple': case 'set': return `${n.type} (${n.length})`;
    case 'tensor': case 'parameter': return `${n.type} ${n.dtype} [${n.shape.join(', ')}]${n.device === 'cpu' ? '' : ` on ${n.device}`}`;
    case 'ndarray': return `ndarray ${n.dtype ?? '?'} [${n.shape.join(', ')}]`;
    case 'numpy scalar': return `numpy ${n.dtype ?? '?'} ${String(n.value)}`;
    case 'object': {
      const arg = n.args && 'items' in n.args && n.args.items?.length === 1 ? n.args.items[0] : undefined;
      const shown = arg && 'value' in arg ? ` (${JSON.stringify(arg.value)})` : '';
      return `object ${n.class ?? '?'}${shown}`;
    }
    case 'global': return `global ${n.name}`;
    case 'storage': return `storage ${n.dtype} (${n.numel})`;
  }
}

function treeLines(n: InspectNode, indent: string, out: string[], maxLines: number): void {
  const children: Array<[string, InspectNode]> =
    'keys' in n && n.keys ? Object.entries(n.keys) : 'items' in n && n.items ? n.items.map((x, i) => [`[${i}]`, x]) : [];
  const many = children.length > 0 && children.every(([, c]) => c.type === 'float' || c.type === 'int');
  if (many) {
    out.push(`${indent}${children.slice(0, 8).map(([, c]) => String((c as { value: unknown }).value)).join(', ')}${children.length > 8 ? ', ...' : ''}`);
    return;
  }
  for (const [k, c] of children) {
    if (out.length >= maxLines) return;
    out.push(`${indent}${k}: ${describe(c)}`);
    treeLines(c, `${indent}  `, out, maxLines);
  }
  if ('items' in n && n.items && n.length > n.items.length) out.push(`${indent}... ${n.length - n.items.length} more`);
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .argument('<file>', 'any torch.save file: .sda, .distill, a checkpoint .pt, a state dict, ...')
    .description('show the structure of a torch.save file: keys, tensor dtypes and shapes, globals used (nothing in it is run)')
    .option('--depth <n>', 'levels of the object tree to show (default: all in --json, 3 in text)', cliParser(parsePositiveInt('depth', 1000)))
    .option('--json', 'print the report as JSON: container, protocol, kind, globals, tensors, tree')
    .addHelpText(
      'after',
      `
Examples:
  $ sda inspect model.sda
  $ sda inspect checkpoint_epoch0040.pt --depth 2
  $ sda inspect model.sda --json | jq .globals

Exit codes: 0 inspected, 1 failure (missing, damaged or not a torch.save file), 2 bad usage.`,
    )
    .action(async (file: string, f: { depth?: number; json?: boolean }) => {
      if (!fs.existsSync(file)) throw modelNotFound(`no file ${path.resolve(file)}`);
      const report = await inspectTorchFile(file, f.depth ?? (f.json ? 64 : 3));
      if (f.json) printJson(report);
      else {
        const lines = [
          `${report.file}`,
          `  ${report.container} torch.save file, ${formatBytes(report.sizeBytes)}, pickle protocol ${report.protocol}, ${report.byteOrder}-endian` +
            (report.container === 'zip' ? `, archive ${report.archiveName}/` : ''),
          `  kind     ${report.kind}`,
          `  tensors  ${report.tensors.count} (${Object.entries(report.tensors.dtypes).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}), ${formatBytes(report.tensors.bytes)} of data${report.tensors.devices.length ? ` saved on ${report.tensors.devices.join(', ')}` : ''}`,
          `  globals  ${Object.keys(report.globals).join(', ') || 'none'}`,
          '',
          `${describe(report.tree)}`,
        ];
        treeLines(report.tree, '  ', lines, 400);
        printLines(lines);
      }
      process.exitCode = EXIT_OK;
    });
}
