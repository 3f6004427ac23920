'use strict';
// Makes a LibTorch root from the torch wheel that the package index serves: LibTorch ships inside it
// (torch/include, torch/lib, torch/share/cmake). pip does the download because it already knows this
// machine's index and mirrors; Python's zipfile extracts only what building and running need (about
// 480 MB of a wheel of about 190 MB). Everything is made in <dest>.partial-<pid> under <dest>.lock and
// renamed into place, so a reader sees no LibTorch or a complete one, and two installs at once download once.
const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const cache = require('./libtorch-cache.js');

const { DEFAULT_SPEC } = cache;
// Runtime libraries the addon needs (CUDA ones only exist in CUDA wheels); libtorch_python, libshm,
// libtorch_global_deps and the test libraries are left out.
const KEEP_LIBS = '^(libc10(_cuda)?|libtorch(_cpu|_cuda)?|libgomp[^/]*)\\.so[.0-9]*$';

// Prints "total <bytes>" first, then "done <bytes>" about every 2 %, so the caller can show progress.
const EXTRACT_PY = `
import re, sys, zipfile
wheel, dest, keep = sys.argv[1], sys.argv[2], re.compile(sys.argv[3])
with zipfile.ZipFile(wheel) as z:
    infos = [i for i in z.infolist() if not i.filename.endswith('/') and (
        i.filename.startswith('torch/include/') or i.filename.startswith('torch/share/cmake/') or
        (i.filename.startswith('torch/lib/') and i.filename.count('/') == 2 and keep.match(i.filename[len('torch/lib/'):])))]
    total = sum(i.file_size for i in infos)
    print('total', total, flush=True)
    done, shown = 0, 0
    for i in infos:
        z.extract(i, dest)
        done += i.file_size
        if done - shown >= total / 50:
            print('done', done, flush=True)
            shown = done
print('files', len(infos), flush=True)
`;

function failure(what, status, outFile) {
  let text = '';
  try {
    text = fs.readFileSync(outFile, 'utf8');
  } catch {
    // nothing was written
  }
  const tail = text.trim().split('\n').filter((l) => !/is ignored: it is neither a file nor a directory/.test(l)).slice(-3).join(' | ');
  return new Error(`${what} failed (exit ${status}): ${tail}`);
}

/**
 * Runs cmd to completion without an event loop (install scripts are synchronous), calling tick()
 * every pollMs meanwhile so progress can be shown and the lock kept fresh. The exit status is written
 * by a shell wrapper, because a child's exit is only reported through the event loop.
 */
function runWatched(cmd, args, what, { env, outFile, tick = () => {}, pollMs = 200 }) {
  const probe = spawnSync(cmd, ['--version'], { stdio: 'ignore', env });
  if (probe.error) throw new Error(`${what}: could not run ${cmd} (${probe.error.code || probe.error.message})`);
  const statusFile = `${outFile}.status`;
  const out = fs.openSync(outFile, 'w');
  try {
    spawn('/bin/sh', ['-c', '"$@" ; echo $? > "$SDA_STATUS_FILE.tmp" && mv "$SDA_STATUS_FILE.tmp" "$SDA_STATUS_FILE"', 'sh', cmd, ...args], {
      stdio: ['ignore', out, out],
      env: { ...env, SDA_STATUS_FILE: statusFile },
    }).unref();
  } finally {
    fs.closeSync(out);
  }
  for (;;) {
    let status = null;
    try {
      status = Number(fs.readFileSync(statusFile, 'utf8').trim());
    } catch {
      // still running
    }
    tick();
    if (status !== null) {
      if (status !== 0) throw failure(what, status, outFile);
      return fs.readFileSync(outFile, 'utf8');
    }
    cache.sleepSync(pollMs);
  }
}

function largestFileSize(dir) {
  let best = 0;
  let entries = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) best = Math.max(best, largestFileSize(p));
    else if (e.isFile()) {
      try {
        best = Math.max(best, fs.statSync(p).size);
      } catch {
        // moved away meanwhile
      }
    }
  }
  return best;
}

const UNITS = { kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 };

// The wheel's size as pip announces it ("Downloading <url> (191.8 MB)"), or the size of the local file
// it takes the wheel from ("Processing /opt/wheels/torch-...whl"); null until known.
function announcedSize(outFile) {
  let text = '';
  try {
    text = fs.readFileSync(outFile, 'utf8');
  } catch {
    return null;
  }
  const remote = /Downloading \S+\.whl \(([0-9.]+) (kB|KB|MB|GB)\)/.exec(text);
  if (remote) return Math.round(Number(remote[1]) * UNITS[remote[2]]);
  const local = /Processing (\/\S+\.whl)/.exec(text);
  if (local) {
    try {
      return fs.statSync(local[1]).size;
    } catch {
      return null;
    }
  }
  return null;
}

function lastExtracted(outFile) {
  let text = '';
  try {
    text = fs.readFileSync(outFile, 'utf8');
  } catch {
    return { bytes: 0, total: null };
  }
  const total = /^total (\d+)$/m.exec(text);
  const done = [...text.matchAll(/^done (\d+)$/gm)].pop();
  return { bytes: done ? Number(done[1]) : 0, total: total ? Number(total[1]) : null };
}

/**
 * A progress reporter for onProgress: on a terminal one line rewritten in place (at most 5 times a
 * second), elsewhere a line at each quarter, so that logs show it moving without filling up.
 */
function progressPrinter(stream = process.stderr, prefix = 'small-dataset-audio: ') {
  const mb = (n) => (n / 1e6).toFixed(1);
  let phase = null;
  let lastAt = 0;
  let lastQuarter = -1;
  let open = false;
  return ({ phase: p, bytes, total, finished = false }) => {
    const verb = p === 'download' ? 'downloading' : 'unpacking';
    if (p !== phase) {
      if (open) stream.write('\n');
      phase = p;
      lastQuarter = -1;
      open = false;
    }
    const pct = total ? Math.min(100, Math.floor((bytes * 100) / total)) : null;
    const line = `${prefix}${verb} LibTorch: ${mb(bytes)}${total ? ` of ${mb(total)} MB (${pct} %)` : ' MB'}`;
    if (stream.isTTY) {
      const now = Date.now();
      if (!finished && now - lastAt < 200) return;
      lastAt = now;
      stream.write(`\r${line}\x1b[K`);
      open = true;
      if (finished) {
        stream.write('\n');
        open = false;
      }
      return;
    }
    const quarter = pct === null ? (finished ? 4 : -1) : Math.floor(pct / 25);
    if (quarter > lastQuarter) {
      lastQuarter = quarter;
      stream.write(`${line}\n`);
    }
  };
}

// Downloads and unpacks into partial/out/torch; returns that folder.
function buildInto(partial, { python, spec, log, onProgress, heartbeat }) {
  const wheelDir = path.join(partial, 'wheel');
  const tmp = path.join(partial, 'tmp');
  fs.mkdirSync(wheelDir, { recursive: true });
  fs.mkdirSync(tmp, { recursive: true });
  // pip's own temporary files go under partial/ too: they are measured for progress and removed with it.
  const env = { ...process.env, TMPDIR: tmp, PIP_PROGRESS_BAR: 'off', PIP_NO_INPUT: '1' };
  log(`downloading ${spec} with pip to take LibTorch from it (a wheel of about 190 MB; about 480 MB is unpacked)...`);
  const pipOut = path.join(partial, 'pip.log');
  runWatched(python, ['-m', 'pip', 'download', spec, '--no-deps', '--only-binary=:all:', '-d', wheelDir], `pip download ${spec}`, {
    env,
    outFile: pipOut,
    tick: () => {
      heartbeat();
      onProgress({ phase: 'download', bytes: largestFileSize(partial), total: announcedSize(pipOut) });
    },
  });
  const wheel = fs.readdirSync(wheelDir).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new Error(`pip download ${spec} produced no wheel`);
  const size = fs.statSync(path.join(wheelDir, wheel)).size;
  onProgress({ phase: 'download', bytes: size, total: size, finished: true });
  fs.rmSync(tmp, { recursive: true, force: true });
  log(`unpacking LibTorch from ${wheel}...`);
  const out = path.join(partial, 'out');
  const pyOut = path.join(partial, 'extract.log');
  runWatched(python, ['-c', EXTRACT_PY, path.join(wheelDir, wheel), out, KEEP_LIBS], 'unpacking the wheel', {
    env,
    outFile: pyOut,
    tick: () => {
      heartbeat();
      const p = lastExtracted(pyOut);
      if (p.total !== null) onProgress({ phase: 'unpack', ...p });
    },
  });
  const p = lastExtracted(pyOut);
  onProgress({ phase: 'unpack', bytes: p.total, total: p.total, finished: true });
  return path.join(out, 'torch');
}

/**
 * Makes dest a LibTorch root taken from the wheel `spec`, unless it already is one (another install
 * filled it while this one waited for the lock); returns dest. onProgress receives
 * { phase: 'download' | 'unpack', bytes, total (null until known), finished }.
 */
function fetchLibtorch(
  dest,
  {
    python = process.env.SDA_PYTHON || 'python3',
    spec = cache.pipSpec(process.env),
    log = (m) => process.stderr.write(`small-dataset-audio: ${m}\n`),
    onProgress = () => {},
  } = {},
) {
  const { rootProblem } = require('./locate-libtorch.js');
  return cache.withEntryLock(
    dest,
    (heartbeat) => {
      if (!rootProblem(dest)) {
        log(`LibTorch is already in ${dest}; nothing to download`);
        return dest;
      }
      cache.removeAbandonedPartials(dest);
      const partial = `${dest}.partial-${process.pid}`;
      fs.rmSync(partial, { recursive: true, force: true });
      try {
        const made = buildInto(partial, { python, spec, log, onProgress, heartbeat });
        // A broken dest (an old half-made folder) is moved aside first; a complete one is never replaced.
        if (fs.existsSync(dest)) fs.renameSync(dest, path.join(partial, 'replaced'));
        fs.renameSync(made, dest);
        return dest;
      } finally {
        fs.rmSync(partial, { recursive: true, force: true });
      }
    },
    { log },
  );
}

/**
 * Fills the user cache's entry for the spec (see libtorch-cache.js) and records it as the located
 * LibTorch of the package at packageRoot; returns the location. Shared by `npm run setup-libtorch` (a
 * clone) and `sda setup-libtorch` (an installed package, where its npm scripts cannot be run).
 */
function setupLibtorch(packageRoot, options = {}) {
  const locate = require('./locate-libtorch.js');
  const env = { ...process.env, LIBTORCH: '', ...(options.spec ? { SDA_TORCH_PIP_SPEC: options.spec } : {}) };
  const entry = cache.cacheEntry(env);
  fetchLibtorch(entry, options);
  const problem = locate.rootProblem(entry);
  if (problem) throw new Error(`the LibTorch unpacked into ${entry} is not usable: ${problem}`);
  const loc = locate.describe(entry, 'cache');
  locate.writeLocation(packageRoot, loc);
  return loc;
}

module.exports = { fetchLibtorch, setupLibtorch, progressPrinter, DEFAULT_SPEC };

if (require.main === module) {
  try {
    const loc = setupLibtorch(path.resolve(__dirname, '..'), { onProgress: progressPrinter() });
    process.stderr.write(`small-dataset-audio: LibTorch ${loc.version} ready at ${loc.root}\n`);
  } catch (err) {
    process.stderr.write(`small-dataset-audio: ${err.message}\n`);
    process.exit(1);
  }
}
