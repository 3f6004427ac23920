/**
 * saveModelFromCheckpoint(): a training checkpoint (`*.pt`, SPEC 6) to a saved model, as the Python app's
 * `save_model_from_checkpoint` does: weights, spectrogram and training configs (Python objects such as the
 * `OverfittingPreset` Enum written back intact) and analysis are kept, optimizer and scheduler state
 * dropped, `trainingEpochs` / `finalTrainLoss` / `finalValLoss` filled from the checkpoint.
 *
 * Beyond the Python app (which assumes latent size 64 when a checkpoint has no `latent_dim`, as none has),
 * the latent size is taken from the weights (`decoder.fc.weight`); a `latent_dim` that disagrees with them
 * is refused.
 */
import * as path from 'node:path';
import { InvalidArgumentError, ModelFormatError } from '../errors';
import type { ModelLibraryOptions } from './library';
import { PyDict, pyNumber, readTorchFile } from '../torchfile';
import { analysisFromPy } from '../model/analysis';
import { appOfValue, checkActivationChange } from '../model/app-format';
import { checkStateDict, convVaeGeometry } from '../model/convvae-layout';
import type { ModelFormat } from '../model/format';
import { defaultMetadata, type ModelMetadata } from '../model/metadata';
import { cpuStateDict, inferLatentDim, writeSavedModel } from './save-model';
import { spectrogramConfigFromPy } from '../model/spectrogram-config';

export interface SaveFromCheckpointOptions {
  /** The models directory to save into (created when missing). */
  modelsDir: string;
  /** Metadata fields; those not given take the Python defaults (epochs and losses come from the checkpoint). */
  metadata?: Partial<ModelMetadata>;
  /**
   * Marker of the saved model: `sda_model` (default, `.sda`) or `distill_model` (`.distill`). Classes of
   * the other app in the checkpoint's configs are moved to this format's package.
   */
  format?: ModelFormat;
  /**
   * Allow a format other than the app that wrote the checkpoint (known from the package of the classes it
   * pickled, e.g. its `OverfittingPreset`): the decoder would run with the other output activation than
   * it was trained with. Default false: InvalidArgumentError.
   */
  allowActivationChange?: boolean;
  /** Warnings and lock settings of the catalog. */
  library?: ModelLibraryOptions;
}

/**
 * Converts `checkpointPath` into a saved model in `options.modelsDir` and catalogs it; returns the new
 * file's absolute path. `options.metadata` fields not given take the Python defaults; epochs and losses
 * come from the checkpoint. Errors: ModelFormatError (not a checkpoint, weights that disagree with its
 * config), TorchFileError, InvalidArgumentError.
 */
export async function saveModelFromCheckpoint(checkpointPath: string, options: SaveFromCheckpointOptions): Promise<string> {
  if (typeof checkpointPath !== 'string' || checkpointPath === '') throw new InvalidArgumentError('checkpointPath must be a path');
  if (!options || typeof options !== 'object' || typeof options.modelsDir !== 'string' || options.modelsDir === '') {
    throw new InvalidArgumentError('saveModelFromCheckpoint needs options.modelsDir (the models directory)');
  }
  const { modelsDir, metadata = {} } = options;
  const file = path.resolve(checkpointPath);
  const { value } = await readTorchFile(file, { storages: 'copy' });
  if (!(value instanceof PyDict)) throw new ModelFormatError('is not a training checkpoint (no dict)', { file });
  if (typeof value.get('format') === 'string') {
    throw new ModelFormatError('is already a saved model, not a training checkpoint', { file, key: 'format' });
  }
  const sd = value.get('model_state_dict');
  if (!(sd instanceof PyDict)) throw new ModelFormatError('is not a training checkpoint: it has no model_state_dict', { file, key: 'model_state_dict' });
  const format = options.format ?? 'sda_model';
  checkActivationChange(appOfValue(value), format, options.allowActivationChange, file);
  const latentDim = inferLatentDim(sd, file);
  const stored = value.get('latent_dim');
  if (stored !== undefined && stored !== null && pyNumber(stored) !== latentDim) {
    throw new ModelFormatError(`latent_dim ${String(stored)} disagrees with the weights (decoder.fc.weight has latent size ${latentDim})`, { file, key: 'latent_dim' });
  }
  const spectrogramConfig = value.get('spectrogram_config') ?? null;
  const spectrogram = spectrogramConfigFromPy(spectrogramConfig, file);
  const stateDict = cpuStateDict(sd);
  checkStateDict(stateDict, convVaeGeometry(latentDim, spectrogram, file), file);
  const latentAnalysis = value.get('latent_analysis') ?? null;
  analysisFromPy(latentAnalysis, file); // refuse a damaged analysis here, with the file named
  const num = (key: string, fallback: number): number => {
    const n = pyNumber(value.get(key));
    return n === undefined ? fallback : n;
  };
  const md: ModelMetadata = {
    ...defaultMetadata(),
    ...metadata,
    trainingEpochs: num('epoch', 0),
    finalTrainLoss: num('train_loss', 0),
    finalValLoss: num('val_loss', 0),
  };
  const saved = await writeSavedModel(
    {
      format,
      stateDict,
      latentDim,
      spectrogramConfig,
      latentAnalysis,
      trainingConfig: value.get('training_config') ?? null,
      metadata: md,
    },
    modelsDir,
    options.library,
  );
  return saved.path;
}
