/**
 * The tensor a value holds, without importing the tensor classes: PyDict.getTensor needs it, and the
 * tensor module builds on PyOrderedDict, so the classes answer through this key instead of instanceof.
 */
import type { TorchTensor } from './tensor';

/** On TorchTensor (the tensor itself) and TorchParameter (its data tensor). */
export const TENSOR_OF: unique symbol = Symbol('torchfile.tensorOf');

/** The tensor of a tensor or Parameter value, else undefined. */
export function tensorOf(v: unknown): TorchTensor | undefined {
  return typeof v === 'object' && v !== null && TENSOR_OF in v ? (v as { [TENSOR_OF]: TorchTensor })[TENSOR_OF] : undefined;
}
