/**
 * small-dataset-audio: load, run and manage small_dataset_audio (`.sda`) models from Node.
 *
 * The public API. Everything exported here is typed and documented; anything else is internal.
 */

// Errors (all extend SdaError and carry a stable `code`).
export {
  SdaError,
  InvalidArgumentError,
  DeviceUnavailableError,
  LibtorchNotFoundError,
  LibtorchVersionMismatchError,
  AddonLoadError,
  NativeError,
  ModelFormatError,
  ModelVersionError,
  DisposedError,
} from './errors';

// Saved models (lib/model).
export { loadModel, savedModelParts } from './model/load-model';
export type { LoadedModel, LoadModelOptions, SavedModelParts } from './model/load-model';
export { ConvVae } from './model/conv-vae';
export type { MelBatch, LatentBatch, LatentInput } from './model/conv-vae';
export type { ModelFormat } from './model/format';
export { MODEL_FORMAT_VERSION, DEFAULT_LATENT_DIM } from './model/format';
export type { SpectrogramConfig } from './model/spectrogram-config';
export { DEFAULT_SPECTROGRAM_CONFIG, framesPerSecond } from './model/spectrogram-config';
export type { ModelMetadata } from './model/metadata';
export type { AnalysisResult } from './model/analysis';

// LibTorch, the native addon and devices (lib/native).
export type { LibtorchLocation, LibtorchSource } from './native/location';
export { readLocation as libtorchLocation } from './native/location';
export type { DeviceInfo, DeviceSpec, DeviceType } from './native/devices';
export { listDevices, resolveDevice, parseDeviceSpec, setNumThreads, getNumThreads } from './native/devices';
export { deviceMatmul } from './native/smoke';
export { doctor, formatDoctorReport } from './doctor';
export type { DoctorReport } from './doctor';

/** The LibTorch version the native addon was compiled against (loads the addon). */
export function libtorchVersion(): string {
  // Loaded lazily so that pure-TypeScript features (files, library, controls) never load LibTorch.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./native/loader') as typeof import('./native/loader')).loadAddon().binding.libtorchVersion();
}

// torch.save files (lib/torchfile)
export {
  TorchFileError,
  readTorchFile,
  readTorchFileSync,
  writeTorchFile,
  writeTorchFileSync,
  serializeTorchFile,
  DEFAULT_LIMITS as TORCH_FILE_DEFAULT_LIMITS,
  torchDtypeItemSize,
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
  numpyArray,
  numpyDtype,
  numpyScalar,
  numpyFloat32,
  NUMPY_MULTIARRAY,
} from './torchfile';
export type {
  TorchFileErrorDetails,
  ReadTorchFileOptions,
  TorchFile,
  TorchFileLimits,
  WriteTorchFileOptions,
  TorchDtype,
  PyValue,
  TensorTypedArray,
  NumpyByteOrder,
  StorageLoader,
} from './torchfile';
