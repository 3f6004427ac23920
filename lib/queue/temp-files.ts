/**
 * A worker killed in the middle of writing leaves the temp files of the package's atomic writes
 * (`.<name>.<pid>.<hex>.tmp`, lib/util/atomic-file.ts) beside the outputs. Whoever takes the job over
 * removes those of the job's two files before rendering: it holds the job's lock, so no other live writer
 * is writing that output, and the pid in the name means nothing on another machine anyway.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseTempFileName } from '../util/atomic-file';

/** Removes the temp files left for `<outDir>/<output>` and its sidecar; returns their names. */
export function removeStaleTempFiles(outDir: string, output: string): string[] {
  const targets = new Set([output, output.replace(/\.(wav|flac|ogg|mp3)$/i, '.json')]);
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
    fs.rmSync(path.join(outDir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
