/**
 * Walking torch.save values in time linear in the file.
 *
 * A pickle can refer to one object many times (the memo), so a file of a few hundred bytes can hold a
 * tuple of 60 levels whose tree has 2^60 paths, or a list that contains itself. Every walker over a
 * PyValue goes through these helpers: {@link forEachObject} visits each object once, and
 * {@link SharedExpansion} decides when a repeated object may be shown again in full and when it must be
 * shown as a reference to its first place.
 */
import { NumpyArray, NumpyDtype, NumpyScalar } from './numpy-values';
import { PyDict, PyObject, PyOrderedDict, PySet, PyTuple } from './py-objects';
import { TorchParameter } from './tensor';
import type { PyValue } from './values';

/** A value that is an object (can be shared); primitives are not. */
export type PyObjectValue = Exclude<PyValue, null | boolean | bigint | number | string>;

export function isShareable(v: PyValue | undefined): v is PyObjectValue {
  return v !== null && typeof v === 'object';
}

/**
 * The values directly inside `v` (dict keys and values, items, an object's arguments and state, a
 * Parameter's tensor). Tensors, storages, globals and bytes are leaves; numpy values are leaves too (their
 * state is raw data, not structure).
 */
export function childrenOf(v: PyValue): PyValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof PyTuple || v instanceof PySet) return v.items;
  if (v instanceof PyDict) {
    const out: PyValue[] = [];
    for (const [k, x] of v.entries()) out.push(k, x);
    if (v instanceof PyOrderedDict) out.push(...v.states);
    return out;
  }
  if (v instanceof NumpyArray || v instanceof NumpyDtype || v instanceof NumpyScalar) return [];
  if (v instanceof PyObject) {
    const out: PyValue[] = [v.callable, v.args, v.kwargs, ...v.states, ...v.listItems];
    for (const [k, x] of v.dictItems) out.push(k, x);
    return out;
  }
  if (v instanceof TorchParameter) return [v.data];
  return [];
}

/**
 * Calls `visit` once for every object reachable from `root` (pre-order, children in order), never twice
 * for a shared object and never looping on a cycle. `children` chooses what to descend into (default
 * {@link childrenOf}). Iterative, so deep nesting does not exhaust the stack.
 */
export function forEachObject(
  root: PyValue,
  visit: (o: PyObjectValue) => void,
  children: (o: PyObjectValue) => Iterable<PyValue> = childrenOf,
): void {
  const seen = new Set<object>();
  const stack: PyValue[] = [root];
  while (stack.length > 0) {
    const v = stack.pop() as PyValue;
    if (!isShareable(v) || seen.has(v)) continue;
    seen.add(v);
    visit(v);
    const kids = [...children(v)];
    for (let i = kids.length - 1; i >= 0; i--) if (isShareable(kids[i])) stack.push(kids[i]);
  }
}

/** Nodes a repeated object may add to a rendering before repeats are shown as references. */
export const DEFAULT_EXPANSION_BUDGET = 10_000;

/**
 * For renderings of a value as a tree (JSON, `sda inspect`): the first occurrence of every object is
 * expanded; a later occurrence is expanded again only while the nodes it adds fit in `budget`, else the
 * caller shows a reference to the first occurrence's path. Objects on the current path are cycles. The
 * rendering is then at most (objects in the file) + budget nodes, whatever the sharing.
 */
export class SharedExpansion {
  private readonly firstPath = new Map<object, string>();
  private readonly sizes = new Map<object, number>();
  private readonly active = new Set<object>();
  private left: number;

  constructor(private readonly budget = DEFAULT_EXPANSION_BUDGET) {
    this.left = budget;
  }

  /**
   * Before rendering `o` at `path`: `'cycle'` when `o` is being rendered around this point, `{ ref }`
   * (the first path) when it must not be expanded again, `'expand'` otherwise. After `'expand'`, call
   * {@link leave} when done.
   */
  enter(o: object, path: string): 'expand' | 'cycle' | { ref: string } {
    if (this.active.has(o)) return 'cycle';
    const first = this.firstPath.get(o);
    if (first === undefined) {
      this.firstPath.set(o, path);
    } else {
      const size = this.treeSize(o);
      if (size > this.left) return { ref: first };
      this.left -= size;
    }
    this.active.add(o);
    return 'expand';
  }

  leave(o: object): void {
    this.active.delete(o);
  }

  /** Nodes of the full tree under `o` (memoised; capped just above the budget; cycles count once). */
  private treeSize(root: object): number {
    const cap = this.budget + 1;
    const known = this.sizes.get(root);
    if (known !== undefined) return known;
    type Frame = { o: object; kids: PyValue[]; i: number; acc: number };
    const onStack = new Set<object>();
    const frames: Frame[] = [];
    const push = (o: object) => {
      onStack.add(o);
      frames.push({ o, kids: childrenOf(o as PyValue), i: 0, acc: 1 });
    };
    push(root);
    while (frames.length > 0) {
      const f = frames[frames.length - 1];
      if (f.i < f.kids.length && f.acc <= cap) {
        const k = f.kids[f.i++];
        if (!isShareable(k)) f.acc += 1;
        else {
          const s = this.sizes.get(k);
          if (s !== undefined) f.acc += s;
          else if (onStack.has(k)) f.acc += 1;
          else push(k);
        }
        continue;
      }
      frames.pop();
      onStack.delete(f.o);
      const s = Math.min(f.acc, cap);
      this.sizes.set(f.o, s);
      if (frames.length > 0) frames[frames.length - 1].acc += s;
    }
    return this.sizes.get(root) as number;
  }
}

/** `base` extended by a dict key or list index, as a JSON-path-like string (`$.a.b[0]`). */
export function childPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}
