/**
 * The CLI's model argument (lib/jobs/job-model.ts: nothing means the demo model, else a file, id or name
 * in the library), with the library's recoveries printed as warnings; and the library for `sda model`.
 */
import * as fs from 'fs';
import { resolveJobModel, type ResolvedModel } from '../jobs/job-model';
import { ModelLibrary } from '../library/library';
import { type LibraryWarning } from '../library/index-store';
import { escapeForTerminal } from './escape';

export type { ResolvedModel };

/** Prints library recoveries as one `sda: warning:` line each on stderr (control characters escaped). */
export function cliWarning(w: LibraryWarning): void {
  process.stderr.write(`sda: warning: ${escapeForTerminal(w.message)}\n`);
}

/** The library of `dir`, or undefined when the folder does not exist (read-only commands never create it). */
export function openLibrary(dir: string): ModelLibrary | undefined {
  if (!fs.existsSync(dir)) return undefined;
  return new ModelLibrary(dir, { onWarning: cliWarning });
}

/**
 * Resolves a model argument. `undefined` is the demo model; otherwise see lib/library/resolve.ts.
 * Errors: ModelNotFoundError, AmbiguousModelError, LibraryCorruptError.
 */
export function resolveModel(spec: string | undefined, modelsDir: string): Promise<ResolvedModel> {
  return resolveJobModel(spec, modelsDir, cliWarning);
}
