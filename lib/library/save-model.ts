/**
 * saveModel(): a model to a `.sda` file (SPEC 1) in a models directory, cataloged in its
 * `model_library.json` (SPEC 7), the way the Python app's `save_model` does it.
 *
 * The weights come from a state dict of tensors, or from a saved model (a LoadedModel or a path: its
 * weights are re-read from its file with lib/torchfile; this package never changes a loaded model's
 * weights, so the file holds exactly the weights that were loaded). No LibTorch is involved.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, ModelExistsError, ModelFormatError, ModelVersionError } from '../errors';
import { fsyncDir } from '../util/atomic-file';
import { entryFromMetadata } from './entry';
import { modelExtension, sanitizeFileName, uniqueFileName } from './file-name';
import { ModelLibrary, pythonUtcNow, type ModelLibraryOptions } from './library';
import {
  PyDict,
  PyObject,
  PyOrderedDict,
  PyTuple,
  TorchParameter,
  TorchStorage,
  TorchTensor,
  readTorchFile,
  writeTorchFile,
  type PyValue,
} from '../torchfile';
import { analysisFromPy, analysisToPy, type AnalysisResult } from '../model/analysis';
import { checkActivationChange, withAppPackage } from '../model/app-format';
import { checkStateDict, convVaeGeometry } from '../model/convvae-layout';
import { DEFAULT_LATENT_DIM, MODEL_FORMATS, MODEL_FORMAT_VERSION, type ModelFormat } from '../model/format';
import { METADATA_FIELDS, defaultMetadata, fieldKindProblem, metadataFromPy, metadataToPy, type ModelMetadata } from '../model/metadata';
import type { SpectrogramConfig } from '../native/config-types';
import { DEFAULT_SPECTROGRAM_CONFIG, checkSpectrogramConfig, spectrogramConfigFromPy, spectrogramConfigToPy } from '../model/spectrogram-config';

/** A saved model to take the weights (and, by default, everything else) from: a LoadedModel fits. */
export interface SavedModelSource {
  /** The `.sda` / `.distill` file the model was loaded from. */
  path: string;
  format?: ModelFormat;
  latentDim?: number;
  spectrogram?: SpectrogramConfig;
  analysis?: AnalysisResult | null;
  metadata?: ModelMetadata;
  trainingConfig?: PyValue;
}

/** Tensors by state-dict key: a PyDict / PyOrderedDict (as read from a file), a Map or a plain object. */
export type StateDictInput = PyDict | Map<string, TorchTensor | TorchParameter> | Record<string, TorchTensor | TorchParameter>;

/**
 * What saveModel saves: a saved model (a LoadedModel, or the path of a `.sda` / `.distill` file), or the
 * weights alone as a state dict (tensors by key). From a saved model, its spectrogram config, training
 * config, analysis, format and metadata are the defaults of the options; the metadata's `modelId` and
 * `saveDate` are not carried over (the copy is a new model) unless given in `metadata`.
 */
export type ModelToSave = SavedModelSource | string | StateDictInput;

export interface SaveModelOptions {
  /** The models directory (created when missing). */
  modelsDir: string;
  /** Default: the source model's, else the Python defaults. */
  spectrogramConfig?: SpectrogramConfig;
  /**
   * `training_config`, free-form. A PyValue (e.g. a LoadedModel's `trainingConfig`, Enums kept) is written
   * as is; plain JS values are converted (objects -> dict, arrays -> list, integral numbers -> int, other
   * numbers -> float). Default: the source model's, else `{}`.
   */
  trainingConfig?: PyValue | Record<string, unknown>;
  /** Fields to set; the rest take the Python defaults. `modelId` and `saveDate` are filled when empty. */
  metadata?: Partial<ModelMetadata>;
  /** The latent analysis (sliders); null for none. Default: the source model's, else none. */
  analysis?: AnalysisResult | null;
  /**
   * `sda_model` (default, `.sda`) or `distill_model` (`.distill`); default the source model's. Classes of
   * the other app pickled in the configs (the `OverfittingPreset` Enum) are moved to this format's package.
   */
  format?: ModelFormat;
  /**
   * Allow saving a source model under the other format: its decoder would then run with the other output
   * activation (Sigmoid vs Softplus) than its weights were trained for. Default false: InvalidArgumentError.
   */
  allowActivationChange?: boolean;
  /** Check the weights against the ConvVAE layout for the config (default true). */
  checkWeights?: boolean;
  /** Warnings and lock settings of the catalog. */
  library?: ModelLibraryOptions;
  /**
   * When `metadata.modelId` is already cataloged: replace that model (its old file is deleted once the
   * new file and entry are in place). Default false: ModelExistsError.
   */
  replace?: boolean;
}

/** What was saved. */
export interface SavedModel {
  /** The absolute path of the new file. */
  path: string;
  /** The metadata written (with `modelId`, `saveDate`, `hasAnalysis`, `nActiveComponents` filled). */
  metadata: ModelMetadata;
}

/** Internal: a saved-model dict's parts, as Python values. */
export interface SavedModelDict {
  format: ModelFormat;
  stateDict: PyDict;
  latentDim: number;
  spectrogramConfig: PyValue;
  latentAnalysis: PyValue;
  trainingConfig: PyValue;
  metadata: ModelMetadata;
}

/** Plain JS to Python values (see {@link SaveModelOptions.trainingConfig}). */
export function toPyValue(v: unknown, depth = 0): PyValue {
  if (depth > 200) throw new InvalidArgumentError('trainingConfig is nested too deeply');
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string' || typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map((x) => toPyValue(x, depth + 1));
  if (
    v instanceof PyDict ||
    v instanceof PyTuple ||
    v instanceof PyObject ||
    v instanceof Uint8Array ||
    v instanceof TorchTensor ||
    v instanceof TorchParameter ||
    v instanceof TorchStorage
  ) {
    return v as PyValue;
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      return new PyDict(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toPyValue(x, depth + 1)] as [string, PyValue]));
    }
    if (v instanceof Map) return new PyDict([...v].map(([k, x]) => [toPyValue(k, depth + 1), toPyValue(x, depth + 1)] as [PyValue, PyValue]));
    return v as PyValue; // other torchfile value classes
  }
  throw new InvalidArgumentError(`trainingConfig holds a ${typeof v}, which cannot be saved`);
}

/**
 * A state dict as the Python app saves one (`model.state_dict()`): an OrderedDict of plain CPU tensors
 * (Parameters unwrapped), keeping `_metadata`; storages shared in the input stay shared. The input is not
 * changed.
 */
export function cpuStateDict(input: StateDictInput): PyOrderedDict {
  const out = new PyOrderedDict();
  const entries: Iterable<[PyValue, PyValue]> =
    input instanceof PyDict ? input.entries() : input instanceof Map ? input.entries() : Object.entries(input);
  if (input instanceof PyOrderedDict) out.states = [...input.states];
  const storages = new Map<TorchStorage, TorchStorage>();
  for (const [key, v] of entries) {
    if (typeof key !== 'string') throw new InvalidArgumentError('state dict keys must be strings');
    const t = v instanceof TorchParameter ? v.data : v;
    if (!(t instanceof TorchTensor)) throw new InvalidArgumentError(`state dict entry ${key} is not a tensor`);
    let s = storages.get(t.storage);
    if (!s) {
      const src = t.storage;
      s = new TorchStorage({ key: src.key, dtype: src.dtype, numel: src.numel, location: 'cpu', storageClass: src.storageClass, loader: () => src.bytes() });
      storages.set(src, s);
    }
    out.set(key, new TorchTensor({ storage: s, shape: [...t.shape], stride: [...t.stride], storageOffset: t.storageOffset, requiresGrad: false }));
  }
  return out;
}

function checkMetadata(m: ModelMetadata): void {
  for (const [field, , kind] of METADATA_FIELDS) {
    const problem = fieldKindProblem(kind, m[field]);
    if (problem) throw new InvalidArgumentError(`metadata.${field} ${problem}`);
  }
}

/** The latent size of a ConvVAE state dict (`decoder.fc.weight` is [256*h*w, latent_dim]). */
export function inferLatentDim(stateDict: PyDict, file?: string): number {
  const v = stateDict.get('decoder.fc.weight');
  const t = v instanceof TorchParameter ? v.data : v;
  if (!(t instanceof TorchTensor) || t.shape.length !== 2) {
    throw new ModelFormatError('model_state_dict has no 2-D decoder.fc.weight to take the latent size from', { file, key: 'decoder.fc.weight' });
  }
  return t.shape[1]!;
}

/**
 * Writes a saved-model dict under a fresh file name and catalogs it, all under the library lock.
 * Internal building block of saveModel and saveModelFromCheckpoint.
 */
export async function writeSavedModel(parts: SavedModelDict, modelsDir: string, libraryOptions?: ModelLibraryOptions, replace = false): Promise<SavedModel> {
  const metadata: ModelMetadata = { ...parts.metadata, tags: [...parts.metadata.tags] };
  checkMetadata(metadata);
  if (!metadata.modelId) metadata.modelId = randomUUID();
  if (!metadata.saveDate) metadata.saveDate = pythonUtcNow();
  const analysis = analysisFromPy(parts.latentAnalysis);
  metadata.hasAnalysis = analysis !== null;
  metadata.nActiveComponents = analysis ? analysis.nActiveComponents : 0;
  const dict = new PyDict([
    ['format', parts.format],
    ['version', BigInt(MODEL_FORMAT_VERSION)],
    ['model_state_dict', parts.stateDict],
    ['latent_dim', BigInt(parts.latentDim)],
    ['spectrogram_config', withAppPackage(parts.spectrogramConfig, parts.format)],
    ['latent_analysis', withAppPackage(parts.latentAnalysis, parts.format)],
    ['training_config', withAppPackage(parts.trainingConfig, parts.format)],
    ['metadata', metadataToPy(metadata)],
  ]);
  const library = new ModelLibrary(modelsDir, libraryOptions);
  const stem = sanitizeFileName(metadata.name);
  const ext = modelExtension(parts.format);
  const file = await library.transaction(async (tx) => {
    const old = tx.get(metadata.modelId);
    if (old && !replace) throw new ModelExistsError(metadata.modelId, path.join(library.modelsDir, old.filePath));
    const name = uniqueFileName(library.modelsDir, stem, ext, tx.fileNames());
    const file = path.join(library.modelsDir, name);
    await writeTorchFile(file, dict); // temp file + fsync + rename
    fsyncDir(library.modelsDir);
    tx.put(entryFromMetadata(metadata, name, fs.statSync(file).size));
    // The replaced model's file goes only once the catalog points at the new one (a crash leaves both).
    // A file another entry still names (a hand-edited catalog) is kept.
    if (old && !tx.fileNames().has(old.filePath)) tx.afterCommit(() => fs.rmSync(path.join(library.modelsDir, old.filePath), { force: true }));
    return file;
  });
  return { path: file, metadata };
}

async function sourceParts(source: SavedModelSource | string): Promise<{
  file: string;
  stateDict: PyDict;
  format: ModelFormat;
  /** The file's marker: what its weights were trained for. */
  fileFormat: ModelFormat;
  latentDim: number;
  spectrogramConfig: PyValue;
  spectrogram: SpectrogramConfig;
  latentAnalysis: PyValue;
  trainingConfig: PyValue;
  metadata: ModelMetadata;
}> {
  const file = path.resolve(typeof source === 'string' ? source : source.path);
  const { value } = await readTorchFile(file, { storages: 'copy' });
  if (!(value instanceof PyDict)) throw new ModelFormatError('is not a saved model (no dict)', { file });
  const marker = value.get('format');
  if (typeof marker !== 'string' || !(MODEL_FORMATS as readonly string[]).includes(marker)) {
    throw new ModelFormatError('is not a saved model (format marker "sda_model" or "distill_model" missing)', { file, key: 'format' });
  }
  const version = value.get('version');
  if (typeof version === 'bigint' && version > BigInt(MODEL_FORMAT_VERSION)) {
    throw new ModelVersionError('saved-model format', Number(version), MODEL_FORMAT_VERSION, file);
  }
  const sd = value.get('model_state_dict');
  if (!(sd instanceof PyDict)) throw new ModelFormatError('has no model_state_dict', { file, key: 'model_state_dict' });
  const ld = value.get('latent_dim');
  const s = typeof source === 'string' ? undefined : source;
  return {
    file,
    stateDict: sd,
    format: s?.format ?? (marker as ModelFormat),
    fileFormat: marker as ModelFormat,
    latentDim: s?.latentDim ?? (typeof ld === 'bigint' ? Number(ld) : DEFAULT_LATENT_DIM),
    spectrogramConfig: value.get('spectrogram_config') ?? null,
    spectrogram: s?.spectrogram ?? spectrogramConfigFromPy(value.get('spectrogram_config'), file),
    latentAnalysis: value.get('latent_analysis') ?? null,
    trainingConfig: s?.trainingConfig ?? value.get('training_config') ?? null,
    metadata: s?.metadata ?? metadataFromPy(value.get('metadata'), file),
  };
}

/**
 * Saves `model` (see {@link ModelToSave}) as `<options.modelsDir>/<sanitised name>.sda` (`_1`, `_2`, ... when taken) and catalogs it.
 * Returns the file's absolute path (use {@link saveModelDetailed} for the filled metadata too).
 * Errors: InvalidArgumentError (bad options or metadata), ModelFormatError (weights that do not fit the
 * config), ModelExistsError (`metadata.modelId` is cataloged and `replace` is not set), TorchFileError,
 * LibraryCorruptError, LibraryLockTimeoutError, FileAccessError (file-system errors, the original as `cause`).
 */
export async function saveModel(model: ModelToSave, options: SaveModelOptions): Promise<string> {
  return (await saveModelDetailed(model, options)).path;
}

/**
 * A state dict (PyDict, Map, or a plain object whose values are tensors) rather than a saved model (a
 * path, or an object whose `path` is a string, as a LoadedModel's is): a state dict's values are tensors,
 * so no entry of one can be a string.
 */
function isSavedModelSource(model: ModelToSave): model is SavedModelSource | string {
  if (typeof model === 'string') return true;
  if (model instanceof PyDict || model instanceof Map) return false;
  return typeof (model as { path?: unknown }).path === 'string';
}

/** {@link saveModel}, returning the path and the metadata written (with the new `modelId`). */
export async function saveModelDetailed(model: ModelToSave, options: SaveModelOptions): Promise<SavedModel> {
  if (model === undefined || model === null || (typeof model !== 'string' && typeof model !== 'object') || model === '') {
    throw new InvalidArgumentError('saveModel needs the model to save: a LoadedModel, the path of a saved model, or a state dict (tensors by key)');
  }
  if (!options || typeof options !== 'object' || typeof options.modelsDir !== 'string' || options.modelsDir === '') {
    throw new InvalidArgumentError('saveModel needs options.modelsDir (the models directory)');
  }
  const src = isSavedModelSource(model) ? await sourceParts(model) : undefined;
  const format = options.format ?? src?.format ?? 'sda_model';
  if (!(MODEL_FORMATS as readonly string[]).includes(format)) {
    throw new InvalidArgumentError(`format must be one of ${MODEL_FORMATS.join(', ')}; got ${JSON.stringify(format)}`);
  }
  if (src) checkActivationChange(src.fileFormat, format, options.allowActivationChange, src.file);
  const stateDict = cpuStateDict(src ? src.stateDict : (model as StateDictInput));
  if (options.spectrogramConfig !== undefined) {
    try {
      checkSpectrogramConfig(options.spectrogramConfig);
    } catch (e) {
      throw e instanceof ModelFormatError ? new InvalidArgumentError(`spectrogramConfig: ${e.message}`, { cause: e }) : e;
    }
  }
  const spectrogram = options.spectrogramConfig ?? src?.spectrogram ?? { ...DEFAULT_SPECTROGRAM_CONFIG };
  const spectrogramConfig =
    options.spectrogramConfig === undefined && src && src.spectrogramConfig !== null ? src.spectrogramConfig : spectrogramConfigToPy(spectrogram);
  const latentDim = src?.latentDim ?? inferLatentDim(stateDict);
  if (options.checkWeights ?? true) checkStateDict(stateDict, convVaeGeometry(latentDim, spectrogram));
  let latentAnalysis: PyValue;
  if (options.analysis !== undefined) {
    latentAnalysis = options.analysis === null ? null : analysisToPy(options.analysis);
    if (options.analysis && options.analysis.latentDim !== latentDim) {
      throw new InvalidArgumentError(`analysis.latentDim (${options.analysis.latentDim}) differs from the model's latent size ${latentDim}`);
    }
  } else {
    latentAnalysis = src?.latentAnalysis ?? null;
  }
  const trainingConfig = options.trainingConfig !== undefined ? toPyValue(options.trainingConfig) : src ? src.trainingConfig : new PyDict();
  const base: ModelMetadata = src ? { ...src.metadata, modelId: '', saveDate: '' } : defaultMetadata();
  const metadata: ModelMetadata = { ...base, ...(options.metadata ?? {}) };
  return writeSavedModel(
    { format, stateDict, latentDim, spectrogramConfig, latentAnalysis, trainingConfig, metadata },
    options.modelsDir,
    options.library,
    options.replace ?? false,
  );
}
