/**
 * Writing one clip (audio + sidecar) from the CLI: the job runner's pair write (lib/jobs/output-pair.ts:
 * together or not at all, a failed write removing only what it put in place, FileAccessErrors naming the
 * file), run to the end even when Ctrl-C or a closed stdout arrives meanwhile (lib/cli/stop.ts), with
 * --no-clobber refused in the CLI's words.
 */
import * as path from 'path';
import { type ExportedFiles, type ExportOptions } from '../generate/export';
import type { GenerationResult } from '../generate/types';
import { outputNameFor, writeOutputPair } from '../jobs/output-pair';
import { OutputExistsError } from '../errors';
import { outputExists } from './cli-error';
import { refuseExisting } from './output-folder';
import { throwIfStopped, uninterruptible } from './stop';

/**
 * Exports `result` as `<dir>/<fileName>` and its sidecar (the default name from the time and seed when
 * none is given) with the export `options`; `overwrite: false` is `--no-clobber`. Does not start once a
 * stop was requested (AbortedError).
 */
export async function exportClip(result: GenerationResult, dir: string, options: ExportOptions = {}): Promise<ExportedFiles> {
  throwIfStopped();
  // Named here, not inside the write, so --no-clobber checks the very name that will be written.
  const file = outputNameFor(result, options);
  return uninterruptible(async () => {
    // Refused here with the CLI's message (naming --no-clobber); export() creates each file exclusively, so
    // one that appears meanwhile is refused too, never replaced.
    if (options.overwrite === false) refuseExisting([path.join(dir, file)]);
    try {
      return await writeOutputPair(result, dir, { ...options, fileName: file });
    } catch (e) {
      throw e instanceof OutputExistsError ? outputExists(e.path) : e;
    }
  });
}
