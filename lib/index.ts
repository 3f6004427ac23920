/**
 * small-dataset-audio: load, run and manage small_dataset_audio (`.sda`) models from Node.
 *
 * The public API. Everything exported here is typed and documented; anything else is internal.
 */
// The public types use Node's (Buffer, streams, Symbol.dispose): this directive, kept in index.d.ts, loads
// @types/node (a dependency of the package) in every consumer, whatever its `types` setting.
/// <reference types="node" preserve="true" />

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
  AbortedError,
  FileAccessError,
  OutputExistsError,
  ConfigError,
  HrtfError,
  NonFiniteAudioError,
  EncodeError,
  BadJobError,
} from './errors';

// Saved models (lib/model).
export { loadModel, savedModelParts } from './model/load-model';
export type { LoadedModel, LoadModelOptions, SavedModelParts } from './model/load-model';
// The demo model shipped in the package (assets/demo/demo.sda): `loadModel(demoModelPath)`.
export { demoModelPath } from './model/demo';
export { ConvVae } from './native/conv-vae';
export type { MelBatch, LatentBatch, LatentInput } from './native/conv-vae';
export type { ModelFormat } from './model/format';
export { MODEL_FORMAT_VERSION, DEFAULT_LATENT_DIM } from './model/format';
export type { InvertBaseOptions, SpectrogramConfig } from './native/config-types';
export {
  DEFAULT_SPECTROGRAM_CONFIG,
  framesPerSecond,
  checkSpectrogramGeometry,
  checkSpectrogramConfig,
  resampleKernelElements,
  SPECTROGRAM_LIMITS,
} from './model/spectrogram-config';
export type { SpectrogramGeometry } from './model/spectrogram-config';
export type { ModelMetadata } from './model/metadata';
export type { AnalysisResult } from './model/analysis';

// Generation (lib/generate). GenerationPipeline: generate(config) for one clip; generateMany(configs) an
// async iterator of { index, result } as each finishes (memory bounded by the batch being rendered, for
// queues of any length); generateBatch(configs) the same, collected into an array.
export { GenerationPipeline, APP_RATE } from './generate/pipeline';
export { PEAK_LEVEL } from './generate/finish';
// Whole-signal helpers: the *Async forms run in slices that yield to the event loop (a few ms each),
// with results identical to the synchronous forms; encodeWav is async only.
export { normalisePeak, normalisePeakAsync } from './generate/normalise';
export type { GenerationResult, GenerateOptions, GenerateManyOptions, GeneratedItem, GenerationProgress } from './generate/types';
// One vocabulary (docs/vocabulary.md): these keys and values are also the `sda batch` job keys and, in
// kebab-case, the `sda generate` flags; only the sidecar spells them the Python app's way.
export {
  validateGenerationConfig, DEFAULT_GENERATION_CONFIG, MAX_DURATION_S, MIN_CHUNK_DURATION_S, MAX_CHUNKS_PER_GENERATION, MAX_SEED,
  plannedChunkCount, outputSampleCount, CONCAT_MODES, STEREO_MODES, OUTPUT_SAMPLE_RATES,
} from './generate/config';
// GenerationOptions (= Partial<GenerationConfig>) is what generate(), generateMany(), generateBatch() and
// generateBlend() take; GenerationConfig, every option filled in, is what a result's `config` holds.
export type { GenerationConfig, GenerationOptions, ConcatMode, StereoMode, OutputSampleRate } from './generate/config';
// The options table (docs/vocabulary.md): per option its values or range, default, help and sidecar key,
// from which the checks, the parsers, the flags and the sidecar are derived; for programs that build forms.
export { GEN_OPTIONS, GEN_OPTION_KEYS, describeValues } from './generate/options-table';
export type { GenOptionKey, OptionSpec, OptionValues, NumberOption, EnumOption, BooleanOption, TextOption, FileOption, SlidersOption } from './generate/options-table';
export { DEFAULT_STOP_RULE, Spectrogram, spectralConvergence } from './native/spectrogram';
export type { Float32Tensor, InvertOptions, StopRule } from './native/spectrogram';
export { resample } from './native/resample';
export { TorchRng } from './native/rng';
// Export: how a result is written (format, bitDepth, tags, fileName, overwrite) is given here, not to generate().
// sidecarFor(result, options) is the sidecar object export() writes, without writing anything.
export { exportResult, strictJson } from './generate/export';
export { EXPORT_FORMATS, FORMAT_EXTENSIONS } from './generate/types';
export type { ExportedFiles, ExportOptions } from './generate/export';
export type { ExportFormat } from './generate/types';
export type { ExportTags } from './generate/encode/tags';
export { sidecarFor, defaultFileName } from './generate/sidecar';
export type { GenerationSidecar, SidecarOptions } from './generate/sidecar';
export { encodeWav, BIT_DEPTHS, DEFAULT_BIT_DEPTH } from './generate/wav';
export type { BitDepth } from './generate/wav';
export { qualityReport, qualityReportAsync } from './generate/quality';
export type { QualityReport, ClippingReport } from './generate/quality';
export { butterworthLowpass, sosfiltfilt, sosfiltfiltAsync } from './generate/lowpass';
// Spatial output as Distill renders it (config `spatial`): mono, stereo (width and depth) or binaural from
// a SOFA HRTF file (read with h5wasm in a worker thread; cached while the file is unchanged).
export {
  applySpatialAsync, applySpatialToDualSeedAsync, migrateStereoMode, validateSpatial, DEFAULT_SPATIAL, SPATIAL_MODES,
} from './generate/spatial';
export type { SpatialConfig, SpatialMode } from './generate/spatial';
export { applyBinauralAsync, loadHrtf, clearHrtfCache, depthLowpass } from './generate/binaural';
export type { BinauralOptions, Hrtf } from './generate/binaural';
export { readSofaHrir, SOFA_LIMITS, DEFAULT_HRTF_DIRECTION } from './generate/sofa';
export type { SofaHrir } from './generate/sofa';
// Blending up to 4 models (Distill's blend engine): generateBlend([{ pipeline | model, weight }], config,
// { blendMode: 'latent' | 'audio', sliders }).
export { generateBlend, normaliseBlendWeights, BLEND_MODES, MAX_BLEND_MODELS } from './generate/blend';
export type { BlendMode, BlendSource, BlendOptions } from './generate/blend';

// The job queue (BullMQ on Redis) is its own entry, `small-dataset-audio/queue` (lib/queue/index.ts), so
// that this entry's types never pull in bullmq's.
// The report of a finished job, the same from `sda batch --json` (`results`), a worker (QueueJobResult) and
// the UI's takes: output, audioPath, sidecarPath, skipped, modelName, seed, duration, quality, ...
export type { JobResultView } from './jobs/result-view';
// The local web interface (lib/ui; `sda ui`). startUi(options) listens (default 127.0.0.1, a free port) and
// resolves to { url, openUrl(), close() }: url carries the random token every API call must present;
// openUrl() a one-time link without it (for a browser's command line); close() stops the server, cancels
// renders and frees the model. Refusals are UiError (ERR_SDA_UI_FORBIDDEN, ERR_SDA_UI_BUSY, ...).
export { startUi } from './ui/server';
export type { UiOptions, UiHandle } from './ui/server';
export { UiError } from './ui/errors';
export type { UiErrorCode } from './ui/errors';
// LibTorch, the native addon and devices (lib/native).
export type { LibtorchLocation, LibtorchSource } from './native/location';
export { readLocation as libtorchLocation } from './native/location';
export type { DeviceInfo, DeviceSpec, DeviceType, NumericsInfo } from './native/devices';
export { listDevices, resolveDevice, parseDeviceSpec, setNumThreads, getNumThreads, numericsInfo } from './native/devices';
export { deviceMatmul } from './native/smoke';
export { doctor, formatDoctorReport } from './native/doctor';
export type { DoctorReport } from './native/doctor';
export { libtorchVersion } from './native/loader';

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
  inspectTorchFile,
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
  InspectNode,
  InspectReport,
} from './torchfile';

// Model library, persistence and controls (lib/library, lib/controls)
export { ModelLibrary, INDEX_FILE, INDEX_VERSION, MODEL_EXTENSIONS, readModelMetadata, sanitizeFileName, pyJsonDumps, pyJsonParse, pyFloatRepr, JsonInt, resolveModel, matchModel } from './library';
export type { ModelEntry, ModelEntrySortKey, LibraryWarning, ModelLibraryOptions, ListOptions, SearchOptions, RepairResult, UnreadableModel, LibraryTransaction, LockOptions, PyJson, ResolvedModel, ResolveModelOptions, ModelMatch, MatchModelOptions, MatchRule } from './library';
// Library calls take (subject, options): resolveModel(query, { modelsDir }), saveModel(model, { modelsDir, ... }),
// saveModelFromCheckpoint(checkpointPath, { modelsDir, metadata, ... }), addModelFile(file, { modelsDir, name, tags }),
// deleteModel(modelId, { modelsDir }).
export { saveModel, saveModelDetailed, cpuStateDict, inferLatentDim } from './library/save-model';
export type { SaveModelOptions, SavedModel, SavedModelSource, StateDictInput, ModelToSave } from './library/save-model';
export { deleteModel } from './library/delete-model';
export type { DeleteModelOptions } from './library/delete-model';
export { saveModelFromCheckpoint } from './library/convert-checkpoint';
export type { SaveFromCheckpointOptions } from './library/convert-checkpoint';
export { addModelFile, checkModelFile } from './library/add-model';
export type { AddModelOptions, AddedModel, ModelFileKind } from './library/add-model';
export { analysisToPy } from './model/analysis';
export { LibraryError, LibraryLockTimeoutError, LibraryCorruptError, ModelExistsError, ModelNotFoundError, AmbiguousModelError } from './errors';
export type { ModelCandidate } from './errors';
export type { SdaErrorCode } from './error-codes';
export { slidersToLatent, randomizeSliders, centerSliders, getSliderInfo, isInWarningZone } from './controls';
export type { SliderInfo } from './controls';
