/**
 * addModelFile(): a model file from elsewhere into a library (`sda model add`). A saved model (`.sda` /
 * `.distill`) is copied with saveModel, keeping its model id; a training checkpoint is converted with
 * saveModelFromCheckpoint, to the format of the app that wrote it. Both write atomically under the library lock; what is not a model is refused
 * by the loader's own checks (savedModelParts) before anything is written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, ModelNotFoundError } from '../errors';
import { PyDict, readTorchFile } from '../torchfile';
import { savedModelParts } from '../model/load-model';
import type { ModelMetadata } from '../model/metadata';
import type { ModelFormat } from '../model/format';
import { appOfValue } from '../model/app-format';
import type { ModelLibraryOptions } from './library';
import { readModelMetadata } from './repair';
import { saveModelDetailed, type SavedModel } from './save-model';
import { saveModelFromCheckpoint } from './convert-checkpoint';

export interface AddModelOptions {
  /** The library to add to (created when missing). */
  modelsDir: string;
  /** The model's name (default: the saved model's own; a checkpoint's file name without extension). */
  name?: string;
  /** Tags added to those the model has (duplicates ignoring case are dropped). */
  tags?: readonly string[];
  /** A saved model whose id is cataloged already replaces that model (saveModel's `replace`). Default false: ModelExistsError. */
  replace?: boolean;
  /** Warnings and lock settings of the catalog. */
  library?: ModelLibraryOptions;
}

/** What addModelFile added. */
export interface AddedModel extends SavedModel {
  /** The file that was added (absolute). */
  source: string;
  /** `copy`: a saved model copied; `checkpoint`: a training checkpoint converted. */
  via: 'copy' | 'checkpoint';
}

/** What a file holds, checked without reading tensor data: a saved model, or a training checkpoint. */
export type ModelFileKind = { kind: 'copy'; metadata: ModelMetadata } | { kind: 'checkpoint'; format: ModelFormat };

/**
 * Checks that `file` can be added: a saved model the loader accepts, or a training checkpoint (a dict with
 * `model_state_dict` and no `format` marker; `format`: the app that wrote it, known from the classes it
 * pickled, else `sda_model`). Reads no tensor data and writes nothing.
 * Errors: ModelNotFoundError (no such file), ModelFormatError, ModelVersionError, TorchFileError, FileAccessError.
 */
export async function checkModelFile(file: string): Promise<ModelFileKind> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new ModelNotFoundError(file, `no model file ${abs}`);
  const { value } = await readTorchFile(abs, { storages: 'skip' });
  if (value instanceof PyDict && !value.has('format') && value.has('model_state_dict')) return { kind: 'checkpoint', format: appOfValue(value) ?? 'sda_model' };
  return { kind: 'copy', metadata: savedModelParts(value, abs).metadata };
}

function withTags(own: readonly string[], added: readonly string[]): string[] {
  const out = [...own];
  for (const t of added) if (!out.some((x) => x.toLowerCase() === t.toLowerCase())) out.push(t);
  return out;
}

/**
 * Adds the model in `file` to the library of `options.modelsDir` (see the file comment) and returns the
 * new file and its metadata. Errors: those of checkModelFile, ModelExistsError (the saved model's id is
 * cataloged and `replace` is not set), InvalidArgumentError, and those of saveModel /
 * saveModelFromCheckpoint.
 */
export async function addModelFile(file: string, options: AddModelOptions): Promise<AddedModel> {
  if (typeof file !== 'string' || file === '') throw new InvalidArgumentError('addModelFile needs the path of a model file');
  if (!options || typeof options !== 'object' || typeof options.modelsDir !== 'string' || options.modelsDir === '') {
    throw new InvalidArgumentError('addModelFile needs options.modelsDir (the models directory)');
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.trim() === '')) {
    throw new InvalidArgumentError('name must be a non-empty string');
  }
  const source = path.resolve(file);
  const found = await checkModelFile(source);
  const tags = options.tags ?? [];
  if (found.kind === 'checkpoint') {
    const name = options.name ?? path.basename(source).replace(/\.[^.]+$/, '');
    const saved = await saveModelFromCheckpoint(source, {
      modelsDir: options.modelsDir,
      metadata: { name, tags: withTags([], tags) },
      format: found.format,
      library: options.library,
    });
    return { path: saved, metadata: await readModelMetadata(saved), source, via: 'checkpoint' };
  }
  const own = found.metadata;
  const metadata: Partial<ModelMetadata> = { modelId: own.modelId || undefined, tags: withTags(own.tags, tags) };
  if (options.name !== undefined) metadata.name = options.name;
  const saved = await saveModelDetailed(source, { modelsDir: options.modelsDir, metadata, replace: options.replace, library: options.library });
  return { ...saved, source, via: 'copy' };
}
