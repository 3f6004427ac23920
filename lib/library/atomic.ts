/** Crash-safe file replacement: temp file in the same directory, fsync, rename, fsync of the directory. */
import { parseTempFileName, writeFileAtomicSync } from '../util/atomic-file';

/** The pid in the name of a temp file written by this package (see lib/util/atomic-file.ts); undefined for any other name. */
export function tempFileOwner(name: string): number | undefined {
  return parseTempFileName(name)?.pid;
}

/** Writes `data` to `file` atomically (lib/util/atomic-file.ts) with the index's mode (0600 by default). */
export function atomicWriteFileSync(file: string, data: string | Uint8Array, mode = 0o600): void {
  writeFileAtomicSync(file, data, { mode });
}

/** Whether a process with this id runs on this machine (EPERM: it runs, under another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
