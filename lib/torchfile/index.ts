/** Safe reading and writing of `torch.save` files in pure TypeScript (no LibTorch, nothing executed). */
export { TorchFileError } from './errors';
export type { TorchFileErrorDetails } from './errors';
export { readTorchFile, readTorchFileSync, DEFAULT_LIMITS } from './read';
export type { ReadTorchFileOptions, TorchFile, TorchFileLimits } from './read';
export { writeTorchFile, writeTorchFileSync, serializeTorchFile } from './write';
export type { WriteTorchFileOptions } from './write';
export type { TorchDtype } from './dtypes';
export { itemSizeOf as torchDtypeItemSize } from './dtypes';
export {
  PyTuple,
  PyDict,
  PyOrderedDict,
  PySet,
  PyByteArray,
  PyGlobal,
  PyObject,
  TorchStorage,
  TorchTensor,
  TorchParameter,
  NumpyArray,
  NumpyDtype,
  NumpyScalar,
  tuple,
  asTensor,
  dictGet,
  pyNumber,
  toJSONValue,
  contiguousStride,
  halfToFloat,
  bfloat16ToFloat,
} from './values';
export type { PyValue, TensorTypedArray, NumpyByteOrder, StorageLoader } from './values';
export { inspectTorchFile } from './inspect';
export type { InspectNode, InspectReport } from './inspect';
export { forEachObject, childrenOf, SharedExpansion } from './walk';
export { numpyArray, numpyDtype, numpyScalar, numpyFloat32, NUMPY_MULTIARRAY } from './numpy';
