/**
 * Shared by the 2x torchfile tests: the same description of a value that scripts/torchfile_check.py
 * builds in Python, and Python process helpers.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
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
  type PyValue,
} from '../../lib/torchfile';
import { GENUINE, ROOT } from './paths';

export { GENUINE };

export const GENUINE_FILES = [
  'trained/models/genuine_trained_fixture_v1.sda',
  'sample_only/models/sample_only_fixture.sda',
  'checkpoint/checkpoint_epoch0007.pt',
  'checkpoint/models/converted_checkpoint_fixture.sda',
].map((f) => path.join(GENUINE, f));

export type Desc = { [k: string]: unknown };

function digest(b: Uint8Array): string {
  return b.length <= 256 ? Buffer.from(b).toString('hex') : 'sha256:' + createHash('sha256').update(b).digest('hex');
}

function normModule(q: string): string {
  return q.startsWith('__builtin__.') ? 'builtins.' + q.slice('__builtin__.'.length) : q;
}

/** numpy 2 loads big-endian arrays in native (little-endian) order; describe them as it does. */
function nativeOrder(dt: NumpyDtype, data: Uint8Array): [string, Uint8Array] {
  const size = dt.itemSize;
  if (dt.byteOrder !== '>' || size <= 1) return [dt.str, data];
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += size) for (let k = 0; k < size; k++) out[i + k] = data[i + size - 1 - k];
  return ['<' + dt.descr, out];
}

/** Mirrors `describe` in scripts/torchfile_check.py. */
export function describeValue(v: PyValue): Desc {
  const storages = new Map<TorchStorage, number>();
  const sid = (t: TorchTensor): number => {
    if (t.storage.nbytes === 0) return -1;
    let id = storages.get(t.storage);
    if (id === undefined) {
      id = storages.size;
      storages.set(t.storage, id);
    }
    return id;
  };
  const tensor = (t: TorchTensor): Desc => ({
    t: 'tensor',
    dtype: t.dtype,
    shape: t.shape,
    stride: t.stride,
    offset: t.storageOffset,
    requires_grad: t.requiresGrad,
    device: t.device,
    storage: sid(t),
    hex: digest(t.bytes()),
  });
  const go = (x: PyValue): Desc => {
    if (x === null) return { t: 'none' };
    if (typeof x === 'boolean') return { t: 'bool', v: x };
    if (typeof x === 'bigint') return { t: 'int', v: x.toString() };
    if (typeof x === 'number') {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(x);
      return { t: 'float', v: b.toString('hex') };
    }
    if (typeof x === 'string') return { t: 'str', v: x };
    if (x instanceof Uint8Array) return { t: 'bytes', v: Buffer.from(x).toString('hex') };
    if (x instanceof PyByteArray) return { t: 'bytearray', v: Buffer.from(x.bytes).toString('hex') };
    if (Array.isArray(x)) return { t: 'list', v: x.map(go) };
    if (x instanceof PyTuple) return { t: 'tuple', v: x.items.map(go) };
    if (x instanceof PyOrderedDict) {
      const attrs = x.attributes;
      return { t: 'odict', v: [...x.entries()].map(([k, val]) => [go(k), go(val)]), attrs: attrs && attrs.size > 0 ? go(attrs) : null };
    }
    if (x instanceof PyDict) return { t: 'dict', v: [...x.entries()].map(([k, val]) => [go(k), go(val)]) };
    if (x instanceof PySet) {
      const items = x.items.map(go).sort((a, b) => (sortedJson(a) < sortedJson(b) ? -1 : sortedJson(a) > sortedJson(b) ? 1 : 0));
      return { t: x.frozen ? 'frozenset' : 'set', v: items };
    }
    if (x instanceof TorchParameter) return { t: 'param', requires_grad: x.requiresGrad, data: tensor(x.data) };
    if (x instanceof TorchTensor) return tensor(x);
    if (x instanceof NumpyArray) {
      const [str, data] = nativeOrder(x.dtype as NumpyDtype, x.data as Uint8Array);
      return { t: 'ndarray', dtype: str, shape: x.shape, fortran: x.fortranOrder && x.shape.filter((s) => s > 1).length > 1, hex: digest(data) };
    }
    if (x instanceof NumpyScalar) {
      const [str, data] = nativeOrder(x.dtype as NumpyDtype, x.data as Uint8Array);
      return { t: 'npscalar', dtype: str, hex: digest(data) };
    }
    if (x instanceof NumpyDtype) return { t: 'npdtype', v: x.str };
    if (x instanceof PyGlobal) return { t: 'global', v: normModule(x.qualifiedName) };
    if (x instanceof PyObject) {
      const cls = normModule(x.className ?? '?');
      const isEnum = x.kind === 'reduce' && x.states.length === 0 && x.argItems.length === 1;
      const st = x.state;
      return { t: 'object', cls, enum: isEnum ? go(x.argItems[0]) : null, dict: st instanceof PyDict ? go(st) : null };
    }
    return { t: 'unknown' };
  };
  return go(v);
}

/** JSON with sorted keys (Python's json.dumps(sort_keys=True) order for these trees). */
export function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(sortedJson).join(', ') + ']';
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return '{' + Object.keys(o).sort().map((k) => JSON.stringify(k) + ': ' + sortedJson(o[k])).join(', ') + '}';
  }
  return JSON.stringify(v);
}

/** Runs a Python script of the repo; throws with its stderr when it fails. */
export function python(script: string, args: string[], timeoutMs = 120_000): string {
  try {
    return execFileSync('python3', [path.join(ROOT, 'scripts', script), ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`python3 ${script} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}
