/**
 * An exclusive lock on a models directory's catalog, between processes (a lock file created with
 * O_EXCL) and between async operations of one process (a promise queue).
 *
 * A lock left by a killed process is recovered: the lock file names its holder (pid, host); a holder that
 * no longer runs on this host, or a lock file not refreshed for `staleMs` (another host, a reused pid),
 * is stale. Breaking a stale lock happens under a second, short-lived lock (`<lock>.break`) and only if the
 * lock file still holds what was judged stale, so two processes cannot both break and both take it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { randomBytes } from 'node:crypto';
import { LibraryLockTimeoutError } from '../errors';
import { processAlive } from './atomic';

export interface LockOptions {
  /** Give up after this long (ms). Default 60000. */
  timeoutMs?: number;
  /** A lock file not refreshed for this long (ms) is stale whoever holds it. Default 120000. */
  staleMs?: number;
}

interface Holder {
  pid: number;
  host: string;
  token: string;
}

const BREAK_STALE_MS = 5000;
const inProcess = new Map<string, Promise<void>>();

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function readLock(file: string): { text: string; holder: Holder | undefined; mtimeMs: number } | undefined {
  try {
    const st = fs.statSync(file);
    const text = fs.readFileSync(file, 'utf8');
    let holder: Holder | undefined;
    try {
      const h = JSON.parse(text) as Holder;
      if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.token === 'string') holder = h;
    } catch {
      holder = undefined; // being written, or written by a process killed before it finished
    }
    return { text, holder, mtimeMs: st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function isStale(info: { holder: Holder | undefined; mtimeMs: number }, staleMs: number): boolean {
  const age = Date.now() - info.mtimeMs;
  if (!info.holder) return age > 2000; // an empty lock file older than 2 s: its writer died mid-write
  if (info.holder.host === os.hostname() && !processAlive(info.holder.pid)) return true;
  return age > staleMs;
}

function tryCreate(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    fs.writeSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** Removes the stale lock `file` if it still reads `seen`. Returns whether anything was done. */
function breakStale(file: string, seen: string): boolean {
  const breakFile = `${file}.break`;
  const me = JSON.stringify({ pid: process.pid, host: os.hostname(), token: randomBytes(8).toString('hex') });
  if (!tryCreate(breakFile, me)) {
    const b = readLock(breakFile);
    if (b && isStale({ holder: b.holder, mtimeMs: b.mtimeMs }, BREAK_STALE_MS)) fs.rmSync(breakFile, { force: true });
    return false;
  }
  try {
    const now = readLock(file);
    if (now && now.text === seen) {
      fs.rmSync(file, { force: true });
      return true;
    }
    return false;
  } finally {
    const b = readLock(breakFile);
    if (b?.text === me) fs.rmSync(breakFile, { force: true });
  }
}

/** A held lock: call {@link HeldLock.release} (or use {@link withLock}). */
export interface HeldLock {
  readonly file: string;
  release(): void;
}

async function acquireFileLock(file: string, options: LockOptions): Promise<HeldLock> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const staleMs = options.staleMs ?? 120_000;
  const holder: Holder = { pid: process.pid, host: os.hostname(), token: randomBytes(12).toString('hex') };
  const content = JSON.stringify(holder);
  const start = Date.now();
  let delay = 1;
  for (;;) {
    if (tryCreate(file, content)) break;
    const info = readLock(file);
    if (info === undefined) continue; // released just now
    if (isStale(info, staleMs)) {
      if (breakStale(file, info.text)) continue;
    }
    if (Date.now() - start > timeoutMs) {
      throw new LibraryLockTimeoutError(file, timeoutMs, info.holder ? `process ${info.holder.pid} on ${info.holder.host}` : undefined);
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 1.5, 40);
  }
  // Refresh the lock's mtime while it is held, so a long hold is not judged stale by age.
  const timer = setInterval(() => {
    const now = new Date();
    try {
      fs.utimesSync(file, now, now);
    } catch {
      // gone: nothing to refresh
    }
  }, Math.max(1000, Math.floor(staleMs / 4)));
  timer.unref();
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      const info = readLock(file);
      if (info?.holder?.token === holder.token) fs.rmSync(file, { force: true });
    },
  };
}

/**
 * Runs `fn` holding the lock `file` (exclusive between processes and between calls in this process).
 * Errors: LibraryLockTimeoutError when a live holder keeps it past `timeoutMs`.
 */
export async function withLock<T>(file: string, options: LockOptions, fn: () => Promise<T> | T): Promise<T> {
  const prev = inProcess.get(file) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const tail = prev.then(() => mine);
  inProcess.set(file, tail);
  try {
    await prev;
    const held = await acquireFileLock(file, options);
    try {
      return await fn();
    } finally {
      held.release();
    }
  } finally {
    done();
    if (inProcess.get(file) === tail) inProcess.delete(file);
  }
}
