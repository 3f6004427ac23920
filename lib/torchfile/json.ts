/** `toJSONValue`: a plain JSON-able copy of a torch.save value, bounded whatever the file shares. */
import { NumpyArray } from './numpy-values';
import { PyDict, PyGlobal, PyObject, PySet, PyTuple } from './py-objects';
import { TorchParameter, TorchTensor } from './tensor';
import type { PyValue } from './values';
import { DEFAULT_EXPANSION_BUDGET, SharedExpansion, childPath } from './walk';

/**
 * A plain JSON-able copy of a value: ints become numbers (or strings beyond 2^53), dicts objects (keys
 * stringified), tuples/sets arrays, bytes base64, tensors and other objects a short description.
 * Cycles become `"<cycle>"`; nesting is cut at `maxDepth` (`"<too deep>"`). An object the file shares is
 * copied at each place while the copies stay small; past `budget` extra nodes a repeat becomes
 * `{ "$ref": "$.path.of.its.first.place" }`, so the result is linear in the file.
 */
export function toJSONValue(v: PyValue, maxDepth = 100, budget = DEFAULT_EXPANSION_BUDGET): unknown {
  const shared = new SharedExpansion(budget);
  const go = (x: PyValue, depth: number, path: string): unknown => {
    if (x === null || typeof x === 'boolean' || typeof x === 'string') return x;
    if (typeof x === 'number') return Number.isFinite(x) ? x : String(x);
    if (typeof x === 'bigint') return x <= BigInt(Number.MAX_SAFE_INTEGER) && x >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(x) : x.toString();
    if (depth > maxDepth) return '<too deep>';
    const entered = shared.enter(x, path);
    if (entered === 'cycle') return '<cycle>';
    if (entered !== 'expand') return { $ref: entered.ref };
    try {
      return render(x, depth, path);
    } finally {
      shared.leave(x);
    }
  };
  const items = (xs: PyValue[], depth: number, path: string) => xs.map((e, i) => go(e, depth + 1, childPath(path, i)));
  const render = (x: Exclude<PyValue, null | boolean | bigint | number | string>, depth: number, path: string): unknown => {
    if (x instanceof Uint8Array) return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
    if (Array.isArray(x)) return items(x, depth, path);
    if (x instanceof PyTuple || x instanceof PySet) return items(x.items, depth, path);
    if (x instanceof PyDict) {
      const o: Record<string, unknown> = {};
      for (const [k, val] of x.entries()) {
        const name = typeof k === 'string' ? k : String(go(k, depth + 1, `${path}<key>`));
        o[name] = go(val, depth + 1, childPath(path, name));
      }
      return o;
    }
    if (x instanceof TorchTensor) return { tensor: { dtype: x.dtype, shape: x.shape, device: x.device } };
    if (x instanceof TorchParameter) return { parameter: { dtype: x.data.dtype, shape: x.data.shape } };
    if (x instanceof NumpyArray) return { ndarray: { dtype: x.dtype?.descr ?? null, shape: x.shape } };
    if (x instanceof PyObject) return { object: x.className ?? null, args: go(x.args, depth + 1, `${path}<args>`) };
    if (x instanceof PyGlobal) return { global: x.qualifiedName };
    return `<${x.constructor.name}>`;
  };
  return go(v, 0, '$');
}
