/**
 * The allowlist of the safe unpickler: the few globals whose REDUCE becomes a typed value (OrderedDict,
 * tensors and parameters, bytes and sets, numpy arrays, scalars and dtypes). Nothing is imported or
 * called; any other global stays a PyObject record.
 */
import { fromLatin1 } from './text';
import type { UnpickleContext } from './unpickle-context';
import { type PyValue } from './values';
import { NumpyArray, NumpyDtype, NumpyScalar } from './numpy-values';
import { PyByteArray, PyGlobal, PyOrderedDict, PySet, PyTuple } from './py-objects';
import { TorchParameter, TorchStorage, TorchTensor, isContiguousLayout } from './tensor';

const BUILTINS = new Set(['builtins', '__builtin__']);
const NUMPY_MULTIARRAY = new Set(['numpy.core.multiarray', 'numpy._core.multiarray']);

/** Bytes per element and validity check for a tensor view: the highest element index needed + 1. */
export function viewExtent(shape: number[], stride: number[], offset: number): number {
  let extent = 1;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) return 0;
    extent += (shape[i] - 1) * stride[i];
  }
  return offset + extent;
}


/** REDUCE of an allowlisted global: its value, or undefined to keep the call as a PyObject record. */
export function allowlistedGlobal(g: PyGlobal, a: PyValue[], ctx: UnpickleContext): PyValue | undefined {
  const { module, name } = g;
  if (module === 'collections' && name === 'OrderedDict') {
    if (a.length === 0) return new PyOrderedDict();
    if (a.length === 1 && Array.isArray(a[0])) {
      const d = new PyOrderedDict();
      for (const pair of a[0]) {
        const kv = pair instanceof PyTuple ? pair.items : Array.isArray(pair) ? pair : null;
        if (!kv || kv.length !== 2) return undefined;
        d.set(kv[0], kv[1]);
      }
      ctx.nest(d, a[0]);
      return d;
    }
    return undefined;
  }
  if (module === 'torch._utils') {
    if (name === '_rebuild_tensor_v2') return rebuildTensor(a, ctx);
    if (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state') {
      const withState = name === '_rebuild_parameter_with_state';
      if (a.length !== (withState ? 4 : 3) || !(a[0] instanceof TorchTensor) || typeof a[1] !== 'boolean') return undefined;
      const p = new TorchParameter(a[0], a[1], a[2], withState ? a[3] : undefined);
      ctx.nest(p, a);
      return p;
    }
    return undefined;
  }
  if (module === '_codecs' && name === 'encode') {
    if (a.length !== 2 || typeof a[0] !== 'string' || (a[1] !== 'latin1' && a[1] !== 'latin-1')) return undefined;
    ctx.charge(a[0].length);
    const b = fromLatin1(a[0]);
    if (b === null) ctx.fail('_codecs.encode: string is not latin-1');
    return b;
  }
  if (BUILTINS.has(module)) {
    if (name === 'bytes' && a.length === 0) return new Uint8Array(0);
    if ((name === 'set' || name === 'frozenset') && (a.length === 0 || (a.length === 1 && Array.isArray(a[0])))) {
      const items = a.length === 0 ? [] : (a[0] as PyValue[]).slice();
      const s = new PySet(items, name === 'frozenset');
      ctx.nest(s, items);
      return s;
    }
    if (name === 'bytearray') {
      if (a.length === 0) return new PyByteArray(new Uint8Array(0));
      if (a.length === 1 && a[0] instanceof Uint8Array) {
        ctx.charge(a[0].length);
        return new PyByteArray(new Uint8Array(a[0]));
      }
      if (a.length === 2 && typeof a[0] === 'string' && (a[1] === 'latin-1' || a[1] === 'latin1')) {
        ctx.charge(a[0].length);
        const b = fromLatin1(a[0]);
        if (b === null) ctx.fail('bytearray: string is not latin-1');
        return new PyByteArray(b);
      }
    }
    return undefined;
  }
  if (NUMPY_MULTIARRAY.has(module)) {
    if (name === '_reconstruct' && a.length === 3 && a[0] instanceof PyGlobal && a[0].module === 'numpy' && a[0].name === 'ndarray') {
      const arr = new NumpyArray(g, new PyTuple(a), 'reduce');
      ctx.nest(arr, a);
      return arr;
    }
    if (name === 'scalar' && a.length === 2 && a[0] instanceof NumpyDtype && a[1] instanceof Uint8Array) {
      const sc = new NumpyScalar(g, new PyTuple(a), 'reduce');
      ctx.nest(sc, a);
      return sc;
    }
    return undefined;
  }
  if (module === 'numpy' && name === 'dtype' && a.length === 3 && typeof a[0] === 'string' && typeof a[1] === 'boolean' && typeof a[2] === 'boolean') {
    return new NumpyDtype(g, new PyTuple(a), 'reduce');
  }
  return undefined;
}

function intList(v: PyValue, what: string, ctx: UnpickleContext): number[] {
  if (!(v instanceof PyTuple) && !Array.isArray(v)) ctx.fail(`tensor ${what} is not a tuple`);
  const items = v instanceof PyTuple ? v.items : v;
  return items.map((x) => {
    if (typeof x !== 'bigint' || x < 0n) ctx.fail(`tensor ${what} holds a value that is not a non-negative int`);
    if (x > BigInt(Number.MAX_SAFE_INTEGER)) ctx.fail(`tensor ${what} element count overflow`);
    return Number(x);
  });
}

/** torch._utils._rebuild_tensor_v2: a view of a storage, checked against it and charged if it will copy. */
function rebuildTensor(a: PyValue[], ctx: UnpickleContext): PyValue | undefined {
  if ((a.length !== 6 && a.length !== 7) || !(a[0] instanceof TorchStorage) || typeof a[1] !== 'bigint' || typeof a[4] !== 'boolean') {
    return undefined;
  }
  const storage = a[0];
  if (a[1] < 0n || a[1] > BigInt(Number.MAX_SAFE_INTEGER)) ctx.fail('tensor storage offset out of range');
  const offset = Number(a[1]);
  const shape = intList(a[2], 'size', ctx);
  const stride = intList(a[3], 'stride', ctx);
  if (shape.length !== stride.length) ctx.fail('tensor size and stride have different lengths');
  let numel = 1;
  for (const s of shape) {
    numel *= s;
    if (numel > Number.MAX_SAFE_INTEGER) ctx.fail('tensor element count overflow');
  }
  const extent = viewExtent(shape, stride, offset);
  if (!Number.isSafeInteger(extent)) ctx.fail('tensor element count overflow');
  if (extent > storage.numel) {
    ctx.fail(`storage data/${storage.key} has ${storage.numel} elements, shorter than the ${extent} the tensor view needs`);
  }
  if (ctx.opts.chargeViewCopies && numel > 0 && !isContiguousLayout(shape, stride)) {
    const bytes = numel * storage.itemSize;
    if (bytes > ctx.opts.budget.left) {
      ctx.fail(
        `tensor view [${shape.join(', ')}] with strides [${stride.join(', ')}] would copy ${bytes} bytes out of a ` +
          `${storage.numel * storage.itemSize}-byte storage, more than the file's memory bound allows`,
      );
    }
    ctx.charge(bytes);
  }
  const t = new TorchTensor({
    storage,
    storageOffset: offset,
    shape,
    stride,
    requiresGrad: a[4],
    backwardHooks: a[5],
    metadata: a.length === 7 ? a[6] : undefined,
  });
  ctx.nest(t, a);
  return t;
}
