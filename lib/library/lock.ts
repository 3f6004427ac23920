/**
 * An exclusive lock on a models directory's catalog, between processes (a lock file created with
 * O_EXCL) and between async operations of one process (a promise queue).
 *
 * A lock left by a killed process is recovered: the lock file names its holder (pid, host, token). It is
 * stale when
 * - its holder is on this host and no longer runs;
 * - its holder is on this host with this process's pid but a token this process does not hold: a previous
 *   process that had our pid (pid namespaces make that common: containers restart with the same pids).
 *   Every lock this process holds has its token in `heldTokens`, so this is never a live lock of ours;
 * - it was not refreshed for `staleMs` (another host, or a live pid that is not the holder: a reused pid);
 * - its mtime is in the future (a clock stepped back, a touched file), so its age cannot be read: it is
 *   stale once seen unchanged for `staleMs / 2` from when this process first saw it. Live holders refresh
 *   every `staleMs / 4`, which changes the mtime and restarts that count, so they are never judged by it.
 * Breaking a stale lock happens under a second, short-lived lock (`<lock>.break`) and only if the lock
 * file still holds what was judged stale, so two processes cannot both break and both take it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { randomBytes } from 'node:crypto';
import { LibraryLockTimeoutError } from '../errors';
import { processAlive } from './atomic';
import { fileAccessError } from '../util/fs-error';

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
/** An empty (or half-written) lock file older than this lost its writer. */
const EMPTY_STALE_MS = 2000;
/** Mtimes up to this far ahead of our clock count as now (file systems round times). */
const CLOCK_TOLERANCE_MS = 1000;
const inProcess = new Map<string, Promise<void>>();
/** Tokens of the locks this process holds now (any path, so also through a symlinked folder). */
const heldTokens = new Set<string>();
/** Per lock file: when this process first saw its current content with a future mtime. */
const futureSeen = new Map<string, { sig: string; at: number }>();

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface LockInfo {
  text: string;
  holder: Holder | undefined;
  mtimeMs: number;
}

function readLock(file: string): LockInfo | undefined {
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
    throw fileAccessError(e, 'read', 'lock file', file);
  }
}

/**
 * How long the lock has gone unrefreshed, and the limit to judge that by: its age by mtime, or for a
 * future mtime the time since this process first saw it unchanged (`since`: when the caller started
 * watching, if earlier) against half the limit (see the header).
 */
function unrefreshed(file: string, info: LockInfo, limitMs: number, since?: number): { age: number; limit: number } {
  const now = Date.now();
  if (info.mtimeMs <= now + CLOCK_TOLERANCE_MS) {
    futureSeen.delete(file);
    return { age: now - info.mtimeMs, limit: limitMs };
  }
  const sig = `${info.mtimeMs}\n${info.text}`;
  let seen = futureSeen.get(file);
  // The waiter's start counts only for the first sight: a changed lock (a refresh) restarts the count now.
  if (!seen) futureSeen.set(file, (seen = { sig, at: Math.min(now, since ?? now) }));
  else if (seen.sig !== sig) futureSeen.set(file, (seen = { sig, at: now }));
  return { age: now - seen.at, limit: limitMs / 2 };
}

function isStale(file: string, info: LockInfo, staleMs: number, since?: number): boolean {
  const { age, limit } = unrefreshed(file, info, info.holder ? staleMs : EMPTY_STALE_MS, since);
  if (!info.holder) return age > limit; // an empty lock file: its writer died mid-write
  if (info.holder.host === os.hostname()) {
    if (info.holder.pid === process.pid) return !heldTokens.has(info.holder.token); // see the header
    if (!processAlive(info.holder.pid)) return true;
  }
  return age > limit;
}

function tryCreate(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fileAccessError(e, 'create', 'lock file', file);
  }
  try {
    fs.writeSync(fd, content);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw fileAccessError(e, 'write', 'lock file', file);
  }
  fs.closeSync(fd);
  return true;
}

function removeLock(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch (e) {
    throw fileAccessError(e, 'delete', 'lock file', file);
  }
}

/** Removes the stale lock `file` if it still reads `seen`. Returns whether anything was done. */
function breakStale(file: string, seen: string): boolean {
  const breakFile = `${file}.break`;
  const me = JSON.stringify({ pid: process.pid, host: os.hostname(), token: randomBytes(8).toString('hex') });
  if (!tryCreate(breakFile, me)) {
    const b = readLock(breakFile);
    if (b && isStale(breakFile, b, BREAK_STALE_MS)) removeLock(breakFile);
    return false;
  }
  try {
    const now = readLock(file);
    if (now && now.text === seen) {
      removeLock(file);
      futureSeen.delete(file);
      return true;
    }
    return false;
  } finally {
    const b = readLock(breakFile);
    if (b?.text === me) removeLock(breakFile);
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
    if (isStale(file, info, staleMs, start)) {
      if (breakStale(file, info.text)) continue;
    }
    if (Date.now() - start > timeoutMs) {
      throw new LibraryLockTimeoutError(file, timeoutMs, info.holder ? `process ${info.holder.pid} on ${info.holder.host}` : undefined);
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 1.5, 40);
  }
  heldTokens.add(holder.token);
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
      heldTokens.delete(holder.token);
      const info = readLock(file);
      if (info?.holder?.token === holder.token) removeLock(file);
    },
  };
}

/**
 * Runs `fn` holding the lock `file` (exclusive between processes and between calls in this process).
 * Errors: LibraryLockTimeoutError when a live holder keeps it past `timeoutMs`; FileAccessError when the
 * lock file cannot be created, read or removed (EACCES, EROFS, ...), with the original as `cause`.
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
