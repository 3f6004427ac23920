'use strict';
// The user cache that holds one LibTorch per machine, platform and torch wheel, shared by every project
// and every `npm rebuild`: <cache>/<platform>-<arch>-<spec>/ (a LibTorch root), where <cache> is
// $SDA_LIBTORCH_CACHE, else $XDG_CACHE_HOME/small-dataset-audio/libtorch, else
// ~/.cache/small-dataset-audio/libtorch. Filling an entry is serialised by a lock folder beside it
// (<entry>.lock, renamed into place with its owner inside, which is atomic), so two installs that run at
// once download once.
// Plain JavaScript because it runs at install time, before TypeScript is compiled.
const fs = require('fs');
const os = require('os');
const path = require('path');

const DEFAULT_SPEC = 'torch==2.13.0+cpu';
// A lock whose owner has not refreshed it for this long is abandoned (its owner was killed on another
// host that shares the cache, or its pid was reused). On this host a dead pid is enough.
const LOCK_STALE_MS = 120000;
const LOCK_HEARTBEAT_MS = 10000;

function pipSpec(env) {
  return (env.SDA_TORCH_PIP_SPEC || DEFAULT_SPEC).trim();
}

function cacheRoot(env) {
  if (env.SDA_LIBTORCH_CACHE) return path.resolve(env.SDA_LIBTORCH_CACHE);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'small-dataset-audio', 'libtorch');
}

/** The cache folder for one wheel spec: `torch==2.13.0+cpu` -> `<cache>/linux-x64-torch-2.13.0+cpu`. */
function cacheEntry(env, spec = pipSpec(env)) {
  const name = `${process.platform}-${process.arch}-${spec.replace(/[^A-Za-z0-9.+_-]+/g, '-')}`;
  return path.join(cacheRoot(env), name);
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function readOwner(lockDir) {
  const file = path.join(lockDir, 'owner.json');
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8'));
    return { ...owner, beatMs: fs.statSync(file).mtimeMs };
  } catch {
    // Just made and not yet written, or gone: judge by the folder's own age.
    try {
      return { pid: null, host: null, beatMs: fs.statSync(lockDir).mtimeMs };
    } catch {
      return null;
    }
  }
}

function isStale(owner) {
  if (!owner) return false; // released meanwhile: the next try decides
  if (owner.host === os.hostname() && Number.isInteger(owner.pid) && !pidAlive(owner.pid)) return true;
  return Date.now() - owner.beatMs > LOCK_STALE_MS;
}

/**
 * Makes `lockDir` with this process's owner.json in it, or returns false when it exists. The folder is
 * filled under another name and renamed into place (a rename onto a folder that holds a file fails), so
 * a waiter never sees a lock without its owner.
 */
function takeLock(lockDir) {
  const made = `${lockDir}.new-${process.pid}`;
  fs.rmSync(made, { recursive: true, force: true });
  fs.mkdirSync(made);
  fs.writeFileSync(path.join(made, 'owner.json'), JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() }));
  try {
    fs.renameSync(made, lockDir);
    return true;
  } catch (err) {
    fs.rmSync(made, { recursive: true, force: true });
    if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Holds `<entry>.lock` while fn() runs; waits (synchronously: install scripts are synchronous) while
 * another process holds it, and takes over a lock whose owner died. fn receives heartbeat(), to call
 * during long work so that other hosts sharing the cache do not take the lock over.
 */
function withEntryLock(entry, fn, { log = () => {}, pollMs = 250 } = {}) {
  const lockDir = `${entry}.lock`;
  fs.mkdirSync(path.dirname(entry), { recursive: true });
  let waitedSince = 0;
  let lastNotice = 0;
  for (;;) {
    if (takeLock(lockDir)) break;
    const owner = readOwner(lockDir);
    if (isStale(owner)) {
      // Renaming first makes the take-over atomic: of several waiters, one moves it away.
      const aside = `${lockDir}.stale-${process.pid}`;
      try {
        fs.renameSync(lockDir, aside);
        fs.rmSync(aside, { recursive: true, force: true });
        log(`took over an abandoned lock ${lockDir} (pid ${owner.pid ?? 'unknown'})`);
      } catch {
        // another waiter moved it first
      }
      continue;
    }
    const now = Date.now();
    if (!waitedSince) waitedSince = now;
    if (now - lastNotice >= 30000) {
      const who = owner && owner.pid ? `pid ${owner.pid}${owner.host && owner.host !== os.hostname() ? ` on ${owner.host}` : ''}` : 'another install';
      log(`${lastNotice ? 'still waiting' : 'waiting'} for ${who}, which is setting up LibTorch in ${entry}${lastNotice ? ` (${Math.round((now - waitedSince) / 1000)} s)` : ''}...`);
      lastNotice = now;
    }
    sleepSync(pollMs);
  }
  const ownerFile = path.join(lockDir, 'owner.json');
  let lastBeat = Date.now();
  const heartbeat = () => {
    if (Date.now() - lastBeat < LOCK_HEARTBEAT_MS) return;
    lastBeat = Date.now();
    try {
      const t = new Date();
      fs.utimesSync(ownerFile, t, t);
    } catch {
      // the lock was taken over; the final rename still cannot clobber a complete entry
    }
  };
  try {
    return fn(heartbeat);
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Removes what an install killed part-way left beside entry, of dead pids only: `<entry>.partial-<pid>`,
 * and the lock folders `<entry>.lock.new-<pid>` (being filled) and `<entry>.lock.stale-<pid>` (taken over).
 */
function removeAbandonedPartials(entry) {
  const dir = path.dirname(entry);
  const base = path.basename(entry);
  const prefixes = [`${base}.partial-`, `${base}.lock.new-`, `${base}.lock.stale-`];
  let names = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const prefix = prefixes.find((p) => name.startsWith(p));
    if (!prefix) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

module.exports = { DEFAULT_SPEC, pipSpec, cacheRoot, cacheEntry, withEntryLock, removeAbandonedPartials, sleepSync, pidAlive };
