/**
 * A job's output pair in the output folder: the audio file and its sidecar `<name>.json`
 * (lib/generate/export.ts `sidecarNameOf`). One owner for the output name's check (a plain file name
 * inside the folder, the same rule and message wherever the job came from: a jobs file, the queue, the
 * UI), for writing the pair (together or not at all: a failed write removes only the files it put in
 * place), for finding a finished pair (the resume rule's input) and for the temp files a killed writer
 * left behind.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BadJobError } from '../errors';
import { exportResult, isPlainFileName, sidecarNameOf, type ExportedFiles, type ExportOptions } from '../generate/export';
import { defaultFileName } from '../generate/sidecar';
import { FORMAT_EXTENSIONS, type ExportFormat, type GenerationResult } from '../generate/types';
import { parseTempFileName } from '../util/atomic-file';
import { fileAccessError } from '../util/fs-error';

/**
 * Why a file name cannot be used, or undefined: control characters (NUL cannot be in a path at all; the
 * others would garble every listing and terminal that shows the name).
 */
export function outputNameProblem(name: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(name) ? `an output file name must not contain control characters; got ${JSON.stringify(name)}` : undefined;
}

/**
 * A job's `output` checked: a plain file name (no folder part, no absolute path, not starting with ".",
 * no control characters) ending in the extension of the job's format. BadJobError otherwise.
 */
export function checkOutputName(output: unknown, format: ExportFormat | undefined): string {
  const problem = typeof output === 'string' ? outputNameProblem(output) : undefined;
  if (problem) throw new BadJobError(problem);
  const ext = FORMAT_EXTENSIONS[format ?? 'wav'];
  if (!isPlainFileName(output, ext)) {
    const why = format ? ` (options.format "${format}")` : '';
    throw new BadJobError(`"output" must be a plain file name ending in ${ext}${why}; got ${JSON.stringify(output)}`);
  }
  return output;
}

/**
 * The path of `output` in `outDir`. Every file operation on a job's output goes through here, so a name
 * that would leave the folder (whoever let it through) is a BadJobError, never a path.
 */
export function outputPathOf(outDir: string, output: string): string {
  const dir = path.resolve(outDir);
  const file = path.resolve(dir, String(output));
  if (path.dirname(file) !== dir || path.basename(file) !== output) {
    throw new BadJobError(`"output" must be a plain file name in the output folder; got ${JSON.stringify(output)}`);
  }
  return file;
}

/** The paths of the pair of `output` in `outDir`: the audio file and its sidecar. */
export function outputPairOf(outDir: string, output: string): { audioPath: string; sidecarPath: string } {
  return { audioPath: outputPathOf(outDir, output), sidecarPath: outputPathOf(outDir, sidecarNameOf(output)) };
}

/** The sidecar's text when `output` and its sidecar are both in `outDir` (the audio a file), else undefined. */
export function readFinishedPair(outDir: string, output: string): string | undefined {
  const { audioPath, sidecarPath } = outputPairOf(outDir, output);
  try {
    if (!fs.statSync(audioPath).isFile()) return undefined;
    return fs.readFileSync(sidecarPath, 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether both files of `output`'s pair exist in `outDir`. */
export function pairPresent(outDir: string, output: string): boolean {
  const { audioPath, sidecarPath } = outputPairOf(outDir, output);
  return fs.existsSync(audioPath) && fs.existsSync(sidecarPath);
}

/** Which file is at a path now (device, inode, change time), to tell a file this write put there from an old one. */
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

/** The file name a result is written under: `options.fileName`, else the default from the time and seed. */
export function outputNameFor(result: GenerationResult, options: ExportOptions = {}): string {
  return options.fileName ?? defaultFileName(result.seedUsed).replace(/\.wav$/, FORMAT_EXTENSIONS[options.format ?? 'wav']);
}

/**
 * Writes `result` as its pair in `dir` (lib/generate/export.ts: each file to a temp file, then renamed).
 * If the write fails, whichever of the two files it had already put in place is removed again, so no
 * audio file is left without its sidecar (or a sidecar describing audio that was never written); files
 * that were there before and were not replaced are left alone. With `overwrite: false` each file is
 * created exclusively (OutputExistsError when anything is there, however late it appeared). File-system
 * errors become FileAccessErrors naming the file.
 */
export async function writeOutputPair(result: GenerationResult, dir: string, options: ExportOptions = {}): Promise<ExportedFiles> {
  const name = outputNameFor(result, options);
  const { audioPath, sidecarPath } = outputPairOf(dir, name);
  const pair = [audioPath, sidecarPath];
  const before = pair.map(identity);
  try {
    return await exportResult(result, dir, { ...options, fileName: name });
  } catch (err) {
    // overwrite: false creates each file exclusively and removes what it created itself; a file that is
    // new here may be another writer's, made at the same moment.
    if (options.overwrite === false) throw fileAccessError(err, 'write', 'output file', userPath(err, audioPath));
    pair.forEach((p, i) => {
      const now = identity(p);
      if (now !== undefined && now !== before[i]) fs.rmSync(p, { force: true });
    });
    throw fileAccessError(err, 'write', 'output file', userPath(err, audioPath));
  }
}

/**
 * Removes the temp files (`.<name>.<pid>.<hex>.tmp`, lib/util/atomic-file.ts) left for `output` and its
 * sidecar in `outDir` by a writer that was killed; returns their names. Only for a caller that holds the
 * job (a queue worker holding its lock): no other live writer is writing that output.
 */
export function removeStaleTempFiles(outDir: string, output: string): string[] {
  const targets = new Set([output, sidecarNameOf(output)]);
  let names: string[];
  try {
    names = fs.readdirSync(outDir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const t = parseTempFileName(name);
    if (!t || !targets.has(t.target)) continue;
    fs.rmSync(outputPathOf(outDir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
