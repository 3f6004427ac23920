/**
 * JavaScript values for the Python objects found in torch.save files.
 *
 * | Python                      | JavaScript                                   |
 * | --------------------------- | -------------------------------------------- |
 * | None / bool / str           | null / boolean / string                      |
 * | int                         | bigint (exact, any size)                     |
 * | float                       | number                                       |
 * | bytes                       | Uint8Array                                   |
 * | list / tuple                | Array / {@link PyTuple}                      |
 * | dict / OrderedDict          | {@link PyDict} / {@link PyOrderedDict}       |
 * | set / frozenset / bytearray | {@link PySet} / {@link PyByteArray}          |
 * | torch.Tensor / Parameter    | {@link TorchTensor} / {@link TorchParameter} |
 * | numpy ndarray / dtype / scalar | {@link NumpyArray} / {@link NumpyDtype} / {@link NumpyScalar} |
 * | any other object            | {@link PyObject} (never called; written back exactly) |
 * | a class or function         | {@link PyGlobal}                             |
 */
import type { NumpyArray, NumpyDtype, NumpyScalar } from './numpy-values';
import type { PyByteArray, PyDict, PyGlobal, PyObject, PySet, PyTuple } from './py-objects';
import type { TorchParameter, TorchStorage, TorchTensor } from './tensor';

/** Any value a torch.save pickle can hold. */
export type PyValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PySet
  | PyByteArray
  | PyGlobal
  | PyObject
  | TorchStorage
  | TorchTensor
  | TorchParameter;
