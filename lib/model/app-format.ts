/**
 * What changes between the two apps' files beyond the marker: the Python package their classes are pickled
 * under (`small_dataset_audio.training.config.OverfittingPreset` vs `distill.training.config.OverfittingPreset`)
 * and the decoder's output activation (Sigmoid vs Softplus, which has no weights and so is only known from
 * the marker). A file converted from one format to the other must name the target app's modules, or the
 * other app fails to load it (ModuleNotFoundError), and must not silently change the activation.
 */
import { InvalidArgumentError } from '../errors';
import {
  NumpyArray,
  NumpyDtype,
  NumpyScalar,
  PyDict,
  PyGlobal,
  PyObject,
  PyOrderedDict,
  PySet,
  PyTuple,
  forEachObject,
  type PyValue,
} from '../torchfile';
import type { ModelFormat } from './format';

/** The top-level Python package of each app. */
export const APP_PACKAGES: Readonly<Record<ModelFormat, string>> = Object.freeze({
  sda_model: 'small_dataset_audio',
  distill_model: 'distill',
});

/** The decoder's output activation of each format. */
export const DECODER_ACTIVATION: Readonly<Record<ModelFormat, string>> = Object.freeze({
  sda_model: 'Sigmoid',
  distill_model: 'Softplus',
});

function appOfModule(module: string): ModelFormat | undefined {
  for (const [format, pkg] of Object.entries(APP_PACKAGES) as Array<[ModelFormat, string]>) {
    if (module === pkg || module.startsWith(`${pkg}.`)) return format;
  }
  return undefined;
}

/**
 * The app whose classes `v` refers to (e.g. a training config's Enum): `sda_model` or `distill_model`, or
 * undefined when it names neither (or both).
 */
export function appOfValue(v: PyValue): ModelFormat | undefined {
  const found = new Set<ModelFormat>();
  forEachObject(v, (o) => {
    const app = o instanceof PyGlobal ? appOfModule(o.module) : undefined;
    if (app) found.add(app);
  });
  return found.size === 1 ? [...found][0] : undefined;
}

/**
 * `v` with every global of the other app's package moved to `target`'s package (same submodule and name).
 * Returns `v` itself when there is nothing to move; otherwise a copy that keeps the sharing and cycles of
 * the original (which is left unchanged). Tensors, bytes and numpy values are not copied.
 */
export function withAppPackage(v: PyValue, target: ModelFormat): PyValue {
  const to = APP_PACKAGES[target];
  const moved = (g: PyGlobal): string | undefined => {
    const app = appOfModule(g.module);
    return app && app !== target ? to + g.module.slice(APP_PACKAGES[app].length) : undefined;
  };
  let needed = false;
  forEachObject(v, (o) => {
    if (o instanceof PyGlobal && moved(o) !== undefined) needed = true;
  });
  if (!needed) return v;
  const copies = new Map<object, PyValue>();
  const copy = (x: PyValue): PyValue => {
    if (x === null || typeof x !== 'object') return x;
    const done = copies.get(x);
    if (done !== undefined) return done;
    if (x instanceof PyGlobal) {
      const m = moved(x);
      const out = m === undefined ? x : new PyGlobal(m, x.name);
      copies.set(x, out);
      return out;
    }
    // Each container is registered before its contents are copied, so a cycle meets the copy.
    if (Array.isArray(x)) {
      const out: PyValue[] = [];
      copies.set(x, out);
      for (const e of x) out.push(copy(e));
      return out;
    }
    if (x instanceof PyTuple || x instanceof PySet) {
      const out = x instanceof PyTuple ? new PyTuple([]) : new PySet([], x.frozen);
      copies.set(x, out);
      for (const e of x.items) out.items.push(copy(e));
      return out;
    }
    if (x instanceof PyDict) {
      const out = x instanceof PyOrderedDict ? new PyOrderedDict() : new PyDict();
      copies.set(x, out);
      for (const [k, e] of x.entries()) out.set(copy(k), copy(e));
      if (x instanceof PyOrderedDict && out instanceof PyOrderedDict) out.states = x.states.map(copy);
      return out;
    }
    if (x instanceof PyObject && !(x instanceof NumpyArray || x instanceof NumpyDtype || x instanceof NumpyScalar)) {
      const out = new PyObject(null, null, x.kind, null);
      copies.set(x, out);
      out.callable = copy(x.callable);
      out.args = copy(x.args);
      out.kwargs = copy(x.kwargs);
      out.states = x.states.map(copy);
      out.listItems = x.listItems.map(copy);
      out.dictItems = x.dictItems.map(([k, e]) => [copy(k), copy(e)] as [PyValue, PyValue]);
      return out;
    }
    return x;
  };
  return copy(v);
}

/**
 * Refuses to save weights trained for one format's decoder activation under the other's marker, unless
 * the caller allows it: the network would run with the other activation and its audio would be wrong.
 */
export function checkActivationChange(from: ModelFormat | undefined, to: ModelFormat, allow: boolean | undefined, what: string): void {
  if (from === undefined || from === to || allow) return;
  throw new InvalidArgumentError(
    `${what} comes from the ${APP_PACKAGES[from]} app (${from}, decoder ending in ${DECODER_ACTIVATION[from]}); saving it as ${to} would make it run with ` +
      `${DECODER_ACTIVATION[to]} instead. The weights were trained for ${DECODER_ACTIVATION[from]}, so the audio would be wrong. ` +
      `Keep format ${from}, or pass allowActivationChange: true (sda convert: --allow-activation-change) to convert anyway.`,
  );
}
