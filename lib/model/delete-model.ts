/** deleteModel(): removes a saved model's file and its catalog entry (SPEC 7). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../errors';
import { fsyncDir } from '../library/atomic';
import { ModelLibrary, type ModelLibraryOptions } from '../library/library';

/**
 * Deletes the model `modelId` of `modelsDir`: its file first, then its entry (so a crash in between leaves
 * an entry without a file, which repairIndex drops, never an uncataloged file that would come back).
 * Returns false when the catalog has no such model. Runs under the library lock.
 */
export async function deleteModel(modelId: string, modelsDir: string, options: ModelLibraryOptions = {}): Promise<boolean> {
  if (typeof modelId !== 'string' || modelId === '') throw new InvalidArgumentError('modelId must be a non-empty string');
  const library = new ModelLibrary(modelsDir, options);
  return library.transaction((tx) => {
    const entry = tx.get(modelId);
    if (!entry) return false;
    fs.rmSync(path.join(library.modelsDir, entry.filePath), { force: true });
    fsyncDir(library.modelsDir);
    tx.delete(modelId);
    return true;
  });
}
