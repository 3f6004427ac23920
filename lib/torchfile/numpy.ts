/**
 * Creating numpy values from JS, in the exact form numpy pickles them (protocol 2).
 */
import { type PyValue } from './values';
import { NumpyArray, NumpyDtype, NumpyScalar } from './numpy-values';
import { PyGlobal, PyTuple } from './py-objects';

/** The module numpy 2.x pickles arrays and scalars under; numpy 1.x used `numpy.core.multiarray`. */
export const NUMPY_MULTIARRAY = 'numpy._core.multiarray';

/** `numpy.dtype('<f4')`-style dtype (`str` with optional byte order prefix `<`, `>`, `|`). */
export function numpyDtype(str: string): NumpyDtype {
  let order = '<';
  let descr = str;
  if ('<>|='.includes(str.charAt(0))) {
    order = str.charAt(0) === '=' ? '<' : str.charAt(0);
    descr = str.slice(1);
  }
  if (/^[a-zA-Z?]1$/.test(descr) || descr === '?') order = '|';
  const d = new NumpyDtype(new PyGlobal('numpy', 'dtype'), new PyTuple([descr, false, true]));
  d.states.push(new PyTuple([3n, order, null, null, null, -1n, -1n, 0n]));
  return d;
}

/** A numpy array of `dtype` with the raw bytes `data` (C order unless `fortranOrder`). */
export function numpyArray(init: {
  dtype: NumpyDtype | string;
  shape: number[];
  data: Uint8Array;
  fortranOrder?: boolean;
  module?: string;
}): NumpyArray {
  const dtype = typeof init.dtype === 'string' ? numpyDtype(init.dtype) : init.dtype;
  const arr = new NumpyArray(
    new PyGlobal(init.module ?? NUMPY_MULTIARRAY, '_reconstruct'),
    new PyTuple([new PyGlobal('numpy', 'ndarray'), new PyTuple([0n]), new Uint8Array([0x62])]),
  );
  const shape: PyValue[] = init.shape.map((n) => BigInt(n));
  arr.states.push(new PyTuple([1n, new PyTuple(shape), dtype, init.fortranOrder ?? false, init.data]));
  return arr;
}

/** A float32 numpy array from a Float32Array. */
export function numpyFloat32(shape: number[], values: Float32Array): NumpyArray {
  return numpyArray({ dtype: '<f4', shape, data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
}

/** A numpy scalar of `dtype` with the raw bytes `data`. */
export function numpyScalar(dtype: NumpyDtype | string, data: Uint8Array, module = NUMPY_MULTIARRAY): NumpyScalar {
  const d = typeof dtype === 'string' ? numpyDtype(dtype) : dtype;
  return new NumpyScalar(new PyGlobal(module, 'scalar'), new PyTuple([d, data]));
}
