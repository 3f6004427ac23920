/**
 * A job's model, as `sda generate`, `sda batch` and the queue's workers take it: nothing at all means the
 * demo model shipped in the package; anything else is looked up with lib/library/resolve.ts (a file, or a
 * model id, id prefix, name or part of a name in the library, ambiguity reported). `demo` is the demo
 * model when no library model has that id prefix or name (a name merely containing it does not count).
 */
import * as fs from 'fs';
import { ModelNotFoundError } from '../errors';
import { ModelLibrary } from '../library/library';
import { type LibraryWarning } from '../library/index-store';
import { matchModel, resolveModel as resolveInLibrary, type ResolvedModel as LibraryResolved } from '../library/resolve';
import { demoModelPath } from '../model/demo';

export interface ResolvedModel {
  /** Absolute path of the `.sda` / `.distill` file. */
  path: string;
  via: 'demo' | LibraryResolved['via'];
  /** The catalog entry, when found through the library. */
  entry?: LibraryResolved['entry'];
}

/**
 * Resolves a job's model in the library of `modelsDir`; `onWarning` hears the library's recoveries.
 * Errors: ModelNotFoundError, AmbiguousModelError, LibraryCorruptError.
 */
export async function resolveJobModel(spec: string | undefined, modelsDir: string, onWarning: (w: LibraryWarning) => void = () => undefined): Promise<ResolvedModel> {
  if (spec === undefined) return demo();
  const nameParts = spec !== 'demo';
  try {
    return await resolveInLibrary(spec, { modelsDir, nameParts, library: { onWarning } });
  } catch (e) {
    if (spec !== 'demo' || !(e instanceof ModelNotFoundError)) throw e;
    // `demo` names the package's demo model only when no library model answers to it.
    const library = new ModelLibrary(modelsDir, { onWarning: () => undefined }); // already reported
    if (matchModel(await library.listAll(), spec, library.modelsDir, { nameParts })) throw e;
    return demo();
  }
}

function demo(): ResolvedModel {
  const file = demoModelPath;
  if (!fs.existsSync(file)) throw new ModelNotFoundError('demo', `the demo model ${file} is missing from this installation; reinstall small-dataset-audio or name a model`);
  return { path: file, via: 'demo' };
}
