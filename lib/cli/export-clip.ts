/**
 * Writing one clip (WAV + sidecar) from the CLI so that the pair appears together or not at all: the
 * export runs to the end even when Ctrl-C or a closed stdout arrives meanwhile (lib/cli/stop.ts), a
 * failed export removes the file of the pair it had already put in place, and file-system errors become
 * FileAccessErrors naming the file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { type ExportedFiles, type ExportOptions } from '../generate/export';
import { FORMAT_EXTENSIONS, type GenerationResult } from '../generate/types';
import { defaultFileName } from '../generate/sidecar';
import type { GenerationPipeline } from '../generate/pipeline';
import { parseTempFileName } from '../util/atomic-file';
import { fileAccessError } from '../util/fs-error';
import { refuseExisting, sidecarPathOf } from './output-folder';
import { throwIfStopped, uninterruptible } from './stop';

/** Which file is at a path now (device, inode, change time), to tell a file this export put there from an old one. */
function identity(p: string): string | undefined {
  try {
    const s = fs.statSync(p, { bigint: true });
    return `${s.dev}:${s.ino}:${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}

/** The path a user knows for a failed write: the target of a temp file, else the error's own path. */
function userPath(err: unknown, fallback: string): string {
  const at = (err as NodeJS.ErrnoException | null)?.path;
  if (typeof at !== 'string') return fallback;
  const temp = parseTempFileName(path.basename(at));
  return temp ? path.join(path.dirname(at), temp.target) : at;
}

/**
 * Exports `result` as `<dir>/<fileName>` and its sidecar (the default name from the time and seed when
 * none is given) with the export `options`; `overwrite: false` is `--no-clobber`. Does not start once a
 * stop was requested (AbortedError).
 */
export async function exportClip(
  pipeline: GenerationPipeline,
  result: GenerationResult,
  dir: string,
  options: ExportOptions = {},
): Promise<ExportedFiles> {
  throwIfStopped();
  // Named here, not inside export(), so --no-clobber checks the very name that will be written.
  const file = options.fileName ?? defaultFileName(result.seedUsed).replace(/\.wav$/, FORMAT_EXTENSIONS[options.format ?? 'wav']);
  const wav = path.join(dir, file);
  return uninterruptible(async () => {
    // Refused here with the CLI's message (naming --no-clobber); export() checks again just before writing.
    if (options.overwrite === false) refuseExisting([wav]);
    const pair = [wav, sidecarPathOf(wav)];
    const before = pair.map(identity);
    try {
      return await pipeline.export(result, dir, { ...options, fileName: file });
    } catch (err) {
      // Whichever of the two this export had already renamed into place goes again, so no file is left
      // without its sidecar (or a sidecar describing audio that was never written).
      pair.forEach((p, i) => {
        const now = identity(p);
        if (now !== undefined && now !== before[i]) fs.rmSync(p, { force: true });
      });
      throw fileAccessError(err, 'write', 'output file', userPath(err, wav));
    }
  });
}
