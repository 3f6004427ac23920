/**
 * loadModel(): a saved model (`.sda` / `.distill`) from disk, ready for generation on a device.
 * The file is read with lib/torchfile (nothing in it is executed), checked against SPEC 1-5, and its
 * weights are handed to LibTorch once, straight from the file buffer.
 */
import * as path from 'path';
import { ModelFormatError, ModelVersionError } from '../errors';
import type { RawTensor } from '../native/addon-types';
import type { SpectrogramConfig } from '../native/config-types';
import { createConvVae, type ConvVae } from '../native/conv-vae';
import { resolveDevice, type DeviceSpec } from '../native/devices';
import { PyDict, readTorchFile, type PyValue, type TorchTensor } from '../torchfile';
import { analysisFromPy, type AnalysisResult } from './analysis';
import { checkStateDict, convVaeGeometry } from './convvae-layout';
import { DEFAULT_LATENT_DIM, MODEL_FORMATS, MODEL_FORMAT_VERSION, type ModelFormat } from './format';
import { metadataFromPy, type ModelMetadata } from './metadata';
import { spectrogramConfigFromPy } from './spectrogram-config';

export interface LoadedModel {
  /** The network, on `device`. */
  model: ConvVae;
  spectrogram: SpectrogramConfig;
  /** The PCA behind the sliders; null when the model was saved without one. */
  analysis: AnalysisResult | null;
  metadata: ModelMetadata;
  /** The resolved device id (`cpu`, `cuda:0`, `mps`). */
  device: string;
  format: ModelFormat;
  latentDim: number;
  /** `training_config` exactly as saved (Python objects such as Enums kept as data). */
  trainingConfig: PyValue;
  /** The file it came from. */
  path: string;
  /** Frees native and device memory (same as `model.dispose()`). */
  dispose(): void;
  /** `using loaded = await loadModel(...)` frees it at the end of the block. */
  [Symbol.dispose](): void;
}

export interface LoadModelOptions {
  /** `auto` (default), `cpu`, `cuda`, `cuda:N`, `mps`. */
  device?: DeviceSpec | string;
}

/** The saved-model dict's parts, checked; no LibTorch involved. */
export interface SavedModelParts {
  format: ModelFormat;
  version: number;
  latentDim: number;
  spectrogram: SpectrogramConfig;
  analysis: AnalysisResult | null;
  metadata: ModelMetadata;
  trainingConfig: PyValue;
  stateDict: PyDict;
}

function pyInt(v: PyValue | undefined): number | undefined {
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/** Checks the top-level dict of a saved model (SPEC 1) and converts its parts. */
export function savedModelParts(value: PyValue, file?: string): SavedModelParts {
  if (!(value instanceof PyDict)) {
    throw new ModelFormatError('is not a saved model: the file holds no dict (is it a .sda file?)', { file });
  }
  const marker = value.get('format');
  if (typeof marker !== 'string' || !(MODEL_FORMATS as readonly string[]).includes(marker)) {
    const found = typeof marker === 'string' ? `"${marker}"` : marker === undefined ? 'no format marker' : 'a non-string marker';
    const hint = value.has('optimizer_state_dict') ? ' It looks like a training checkpoint: convert it with saveModelFromCheckpoint / `sda convert`.' : '';
    throw new ModelFormatError(`is not a saved model: expected format "sda_model" or "distill_model", found ${found}.${hint}`, { file, key: 'format' });
  }
  const version = pyInt(value.get('version'));
  if (version === undefined || version < 1) {
    throw new ModelFormatError('has no valid format version (an int >= 1 under "version")', { file, key: 'version' });
  }
  if (version > MODEL_FORMAT_VERSION) throw new ModelVersionError('saved-model format', version, MODEL_FORMAT_VERSION, file);
  const sd = value.get('model_state_dict');
  if (!(sd instanceof PyDict)) throw new ModelFormatError('has no model_state_dict (an OrderedDict of tensors)', { file, key: 'model_state_dict' });
  const ld = value.get('latent_dim');
  const latentDim = ld === undefined || ld === null ? DEFAULT_LATENT_DIM : pyInt(ld);
  if (latentDim === undefined || latentDim < 1) throw new ModelFormatError('latent_dim must be a positive int', { file, key: 'latent_dim' });
  return {
    format: marker as ModelFormat,
    version,
    latentDim,
    spectrogram: spectrogramConfigFromPy(value.get('spectrogram_config'), file),
    analysis: analysisFromPy(value.get('latent_analysis'), file),
    metadata: metadataFromPy(value.get('metadata'), file),
    trainingConfig: value.get('training_config') ?? null,
    stateDict: sd,
  };
}

function rawTensor(key: string, t: TorchTensor): RawTensor {
  let data = t.bytes(); // a view into the file buffer when contiguous
  if (data.byteOffset % t.storage.itemSize !== 0) data = data.slice(); // LibTorch wants aligned elements
  return { key, dtype: t.dtype, shape: t.shape, data };
}

/**
 * Loads a saved model onto a device. Errors: FileAccessError (missing, a directory, no permission),
 * TorchFileError (damaged file), ModelFormatError (not a
 * model, or weights that disagree with the config), ModelVersionError (newer format: update),
 * DeviceUnavailableError, InvalidArgumentError.
 */
export async function loadModel(file: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const device = resolveDevice(options.device ?? 'auto');
  const abs = path.resolve(file);
  const { value } = await readTorchFile(abs, { storages: 'view', fileDescription: 'model file' });
  const parts = savedModelParts(value, abs);
  const geometry = convVaeGeometry(parts.latentDim, parts.spectrogram, abs);
  const { tensors } = checkStateDict(parts.stateDict, geometry, abs);
  const raw: RawTensor[] = [];
  for (const [key, t] of tensors) if (!key.endsWith('num_batches_tracked')) raw.push(rawTensor(key, t));
  const model = await createConvVae(geometry, parts.format, device.id, raw);
  return {
    model,
    spectrogram: parts.spectrogram,
    analysis: parts.analysis,
    metadata: parts.metadata,
    device: device.id,
    format: parts.format,
    latentDim: parts.latentDim,
    trainingConfig: parts.trainingConfig,
    path: abs,
    dispose: () => model.dispose(),
    [Symbol.dispose]: () => model.dispose(),
  };
}
