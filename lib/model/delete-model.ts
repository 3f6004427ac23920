/** deleteModel(): removes a saved model's file and its catalog entry (SPEC 7). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../errors';
import { fsyncDir } from '../library/atomic';
import { fsGuard } from '../library/fs-error';
import { ModelLibrary, type ModelLibraryOptions } from '../library/library';

/**
 * Deletes the model `modelId` of `modelsDir`: its file first, then its entry (so a crash in between leaves
 * an entry without a file, which repairIndex drops, never an uncataloged file that would come back).
 * Returns false when the catalog has no such model, or the folder does not exist (nothing is created).
 * Runs under the library lock. Errors: LibraryCorruptError, LibraryLockTimeoutError, LibraryError (the
 * file cannot be deleted: EACCES, EPERM, ...; the original as `cause`).
 */
export async function deleteModel(modelId: string, modelsDir: string, options: ModelLibraryOptions = {}): Promise<boolean> {
  if (typeof modelId !== 'string' || modelId === '') throw new InvalidArgumentError('modelId must be a non-empty string');
  if (typeof modelsDir !== 'string' || modelsDir === '') throw new InvalidArgumentError('modelsDir must be a non-empty path');
  const library = new ModelLibrary(modelsDir, options);
  if (!fs.existsSync(library.modelsDir)) return false;
  return library.transaction((tx) => {
    const entry = tx.get(modelId);
    if (!entry) return false;
    const file = path.join(library.modelsDir, entry.filePath);
    fsGuard('delete the model file', file, () => fs.rmSync(file, { force: true }));
    fsyncDir(library.modelsDir);
    tx.delete(modelId);
    return true;
  });
}
