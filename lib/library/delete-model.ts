/** deleteModel(): removes a saved model's file and its catalog entry (SPEC 7). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../errors';
import { fsyncDir } from '../util/atomic-file';
import { withFsErrors } from '../util/fs-error';
import { ModelLibrary, type ModelLibraryOptions } from './library';

export interface DeleteModelOptions {
  /** The models directory. */
  modelsDir: string;
  /** Warnings and lock settings of the catalog. */
  library?: ModelLibraryOptions;
}

/**
 * Deletes the model `modelId` of `options.modelsDir`: its file first, then its entry (so a crash in between leaves
 * an entry without a file, which repairIndex drops, never an uncataloged file that would come back).
 * Returns false when the catalog has no such model, or the folder does not exist (nothing is created).
 * Runs under the library lock. Errors: LibraryCorruptError, LibraryLockTimeoutError, FileAccessError (the
 * file cannot be deleted: EACCES, EPERM, ...; the original as `cause`).
 */
export async function deleteModel(modelId: string, options: DeleteModelOptions): Promise<boolean> {
  if (typeof modelId !== 'string' || modelId === '') throw new InvalidArgumentError('modelId must be a non-empty string');
  if (!options || typeof options !== 'object' || typeof options.modelsDir !== 'string' || options.modelsDir === '') {
    throw new InvalidArgumentError('deleteModel needs options.modelsDir (the models directory)');
  }
  const library = new ModelLibrary(options.modelsDir, options.library);
  if (!fs.existsSync(library.modelsDir)) return false;
  return library.transaction((tx) => {
    const entry = tx.get(modelId);
    if (!entry) return false;
    const file = path.join(library.modelsDir, entry.filePath);
    withFsErrors('delete', 'model file', file, () => fs.rmSync(file, { force: true }));
    fsyncDir(library.modelsDir);
    tx.delete(modelId);
    return true;
  });
}
