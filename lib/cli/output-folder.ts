/**
 * Where `sda generate` and `sda batch` write, checked before any rendering: a render of minutes must not
 * end in "cannot write". `--out` is a folder, or (generate only) the path of the one audio file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FileAccessError } from '../errors';
import { isAudioFileName, sidecarNameOf } from '../generate/export';
import { outputNameProblem } from '../jobs/output-pair';
import { tempPathFor } from '../util/atomic-file';
import { fileAccessError } from '../util/fs-error';
import { outputExists, usageError } from './cli-error';

export interface OutputTarget {
  /** The folder the files go to (absolute; created at the first write when missing). */
  dir: string;
  /** The audio file's name when `--out` named a file; undefined for a folder. */
  file?: string;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `--out` as a folder, or as one audio file when it ends in `.wav`, `.flac`, `.ogg` or `.mp3` and is not
 * an existing folder (an old folder named `takes.wav` keeps working as a folder). One file cannot hold
 * `--count` clips, and `--name` would contradict it: both are usage errors.
 */
export function outputTarget(out: string, options: { count: number; name?: string }): OutputTarget {
  for (const name of [options.name, out]) {
    const problem = name === undefined ? undefined : outputNameProblem(name);
    if (problem) throw usageError(problem);
  }
  const abs = path.resolve(out);
  if (!isAudioFileName(out) || isDirectory(abs)) return { dir: abs };
  const file = path.basename(abs);
  if (options.count > 1) {
    throw usageError(`--out ${JSON.stringify(out)} names one file, so --count must be 1 (got ${options.count}); give a folder for several clips`);
  }
  if (options.name !== undefined) throw usageError('--out names the file itself; leave out --name, or give --out a folder');
  if (file.startsWith('.')) throw usageError(`--out must name a file whose name does not start with "."; got ${JSON.stringify(out)}`);
  return { dir: path.dirname(abs), file };
}

/**
 * Checks that files can be created in `dir`, creating nothing: for a missing folder, its nearest existing
 * ancestor must be a folder we can write in (the folder itself is made at the first export). The probe
 * is a real create-and-delete (under the atomic writer's temp name), since permission bits alone do not
 * tell (root ignores them; a read-only mount does not show in them).
 * Throws FileAccessError (`ERR_SDA_FILE`) naming `dir`.
 */
export function checkOutputFolder(dir: string): void {
  let at = dir;
  for (;;) {
    let st: fs.Stats;
    try {
      st = fs.statSync(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const parent = path.dirname(at);
      if (code === 'ENOENT' && parent !== at) {
        at = parent;
        continue;
      }
      throw fileAccessError(e, at === dir ? 'write' : 'create', 'output folder', dir);
    }
    if (!st.isDirectory()) {
      const what = at === dir ? 'it is a file, not a folder' : `${at} is a file, not a folder`;
      throw new FileAccessError(`cannot ${at === dir ? 'write' : 'create'} output folder ${dir}: ${what} (ENOTDIR)`, dir, 'ENOTDIR');
    }
    break;
  }
  const probe = tempPathFor(path.join(at, 'sda-write-check'));
  try {
    fs.closeSync(fs.openSync(probe, 'wx'));
  } catch (e) {
    throw fileAccessError(e, at === dir ? 'write' : 'create', 'output folder', dir);
  }
  fs.rmSync(probe, { force: true });
}

/** lstat, not exists: a dangling symlink is an entry that a rename would replace. */
function present(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** `--no-clobber`: refuses (ERR_SDA_OUTPUT_EXISTS, exit 1) when an audio file or its sidecar is already there. */
export function refuseExisting(wavPaths: readonly string[]): void {
  for (const wav of wavPaths) {
    for (const file of [wav, sidecarNameOf(wav)]) if (present(file)) throw outputExists(file);
  }
}
