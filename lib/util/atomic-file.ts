/**
 * Crash-safe file writes, shared by every writer of the package (torch files, the library index, WAV
 * and sidecar exports): a temp file in the same directory, fsync, rename over the target (or, never
 * replacing a file, a hard link to it), fsync of the directory. A reader sees the old file or the new
 * one, never a half-written one; a killed writer leaves only a temp file named `.<name>.<pid>.<hex>.tmp`.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export type FileData = string | Uint8Array | readonly Uint8Array[];

/**
 * The only temp names this package writes: `.<target name>.<pid>.<8 lowercase hex>.tmp`. Clean-up code
 * (ModelLibrary.repairIndex) removes nothing that does not match this, so keep writer and pattern together.
 */
export const TEMP_FILE_PATTERN = /^\.(.+)\.([1-9][0-9]{0,9})\.([0-9a-f]{8})\.tmp$/;

/** The target name and writer pid of a temp name from {@link tempPathFor}; undefined for any other name. */
export function parseTempFileName(name: string): { target: string; pid: number } | undefined {
  const m = TEMP_FILE_PATTERN.exec(name);
  return m ? { target: m[1]!, pid: Number(m[2]) } : undefined;
}

/** The temp name used for `file`: `.<name>.<pid>.<8 hex>.tmp` beside it (see {@link TEMP_FILE_PATTERN}). */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Flushes a directory's entries (renames) to disk; ignored where the platform cannot (Windows). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Not supported for directories on this platform.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function chunksOf(data: FileData): readonly Uint8Array[] {
  if (typeof data === 'string') return [Buffer.from(data, 'utf8')];
  return data instanceof Uint8Array ? [data] : data;
}

export interface AtomicWriteOptions {
  /** File mode of the new file (default: 0o666 less the umask). */
  mode?: number;
}

export function writeFileAtomicSync(file: string, data: FileData, options: AtomicWriteOptions = {}): void {
  const tmp = tempPathFor(file);
  const fd = fs.openSync(tmp, 'wx', options.mode ?? 0o666);
  try {
    for (const c of chunksOf(data)) {
      let done = 0;
      while (done < c.length) done += fs.writeSync(fd, c, done, c.length - done);
    }
    if (options.mode !== undefined) fs.fchmodSync(fd, options.mode); // the umask may have narrowed it
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(path.dirname(file));
}

/** Writes `data` to a new temp file beside `file` (flushed) and returns its path; nothing is left on error. */
async function writeTempFile(file: string, data: FileData, options: AtomicWriteOptions): Promise<string> {
  const tmp = tempPathFor(file);
  const fh = await fs.promises.open(tmp, 'wx', options.mode ?? 0o666);
  try {
    const chunks = chunksOf(data);
    for (let i = 0; i < chunks.length; i += 512) await fh.writev(chunks.slice(i, i + 512) as Uint8Array[]);
    if (options.mode !== undefined) await fh.chmod(options.mode);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  return tmp;
}

export async function writeFileAtomic(file: string, data: FileData, options: AtomicWriteOptions = {}): Promise<void> {
  const tmp = await writeTempFile(file, data, options);
  try {
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  fsyncDir(path.dirname(file));
}

/** link() cannot be used here (a file system without hard links): fall back to an exclusive placeholder. */
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * As {@link writeFileAtomic}, but never replaces a file: the finished temp file is hard-linked to `file`,
 * which fails with the file system's `EEXIST` error when anything is there, however late it appeared (no
 * check-then-write window). Where hard links are not supported, `file` is claimed by an exclusive create
 * (`wx`) before the temp file is renamed over it. On any error nothing is left under `file` by this call.
 */
export async function writeFileExclusive(file: string, data: FileData, options: AtomicWriteOptions = {}): Promise<void> {
  const tmp = await writeTempFile(file, data, options);
  try {
    try {
      await fs.promises.link(tmp, file);
    } catch (e) {
      if (!NO_LINK.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
      const claim = await fs.promises.open(file, 'wx', options.mode ?? 0o666);
      await claim.close();
      try {
        await fs.promises.rename(tmp, file);
      } catch (e2) {
        await fs.promises.rm(file, { force: true });
        throw e2;
      }
    }
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
  fsyncDir(path.dirname(file));
}
