// Locating LibTorch at set-up time: the order, the recorded result, the message when nothing is found, and
// the user cache that holds one LibTorch per machine (filled once, under a lock, by concurrent installs).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { ROOT } from './helpers/paths';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const locate = require('../scripts/locate-libtorch.js');

const recorded = JSON.parse(fs.readFileSync(path.join(ROOT, 'libtorch-location.json'), 'utf8'));
const realRoot: string = recorded.root;
let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-locate-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const noPython = { SDA_PYTHON: path.join(os.tmpdir(), 'no-such-python') };
// No Python torch, and a user cache of the test's own (never the real ~/.cache).
const isolated = () => ({ ...noPython, SDA_LIBTORCH_CACHE: path.join(tmp, 'cache') });
const entryName = `${process.platform}-${process.arch}-torch-2.13.0+cpu`;

test('10.1 the installation recorded a usable LibTorch 2.13.0 with its runtime libraries', () => {
  expect(recorded.version).toBe('2.13.0');
  expect(locate.rootProblem(realRoot)).toBeNull();
  for (const lib of recorded.libraries) expect(fs.existsSync(lib)).toBe(true);
  expect(recorded.libraries.map((l: string) => path.basename(l))).toEqual(
    expect.arrayContaining(['libc10.so', 'libtorch_cpu.so', 'libtorch.so']),
  );
});

test('10.2 LIBTORCH wins over everything else', () => {
  fs.symlinkSync(realRoot, path.join(tmp, 'elsewhere'));
  const loc = locate.locateLibtorch({ packageRoot: tmp, env: { LIBTORCH: path.join(tmp, 'elsewhere'), ...noPython } });
  expect(loc.foundBy).toBe('env');
  expect(loc.root).toBe(path.join(tmp, 'elsewhere'));
  expect(loc.version).toBe('2.13.0');
  expect(loc.cmakeDir).toBe(path.join(tmp, 'elsewhere/share/cmake/Torch'));
});

test('10.3 a bad LIBTORCH is an error naming what is missing, with no silent fallback', () => {
  fs.mkdirSync(path.join(tmp, 'half/include'), { recursive: true });
  fs.symlinkSync(realRoot, path.join(tmp, 'libtorch')); // a valid local one exists, but must not be used
  expect(() => locate.locateLibtorch({ packageRoot: tmp, env: { LIBTORCH: path.join(tmp, 'half') } })).toThrow(
    /LIBTORCH=.*half is not a usable LibTorch root: missing .*libtorch_cpu\.so/,
  );
});

test('10.4 the project-local libtorch/ comes before a Python torch', () => {
  fs.symlinkSync(realRoot, path.join(tmp, 'libtorch'));
  const loc = locate.locateLibtorch({ packageRoot: tmp, env: {} });
  expect(loc.foundBy).toBe('local');
  expect(loc.root).toBe(path.join(tmp, 'libtorch'));
});

test('10.5 a pip-installed torch is found without importing it', () => {
  const py = spawnSync('python3', ['-c', 'import torch, os; print(os.path.dirname(torch.__file__))'], { encoding: 'utf8' });
  expect(py.status).toBe(0); // CI installs torch==2.13.0+cpu for the interop tests
  const loc = locate.locateLibtorch({ packageRoot: tmp, env: { SDA_PYTHON: 'python3' } });
  expect(loc.foundBy).toBe('python');
  expect(fs.realpathSync(loc.root)).toBe(fs.realpathSync(py.stdout.trim()));
  expect(loc.version).toBe('2.13.0');
});

test('10.6 nothing found: the error lists every place tried and how to fix it', () => {
  let err: Error & { code?: string; tried?: string[] } = new Error('not thrown');
  try {
    locate.locateLibtorch({ packageRoot: tmp, env: isolated() });
  } catch (e) {
    err = e as typeof err;
  }
  expect(err.code).toBe('ERR_SDA_LIBTORCH_NOT_FOUND');
  expect(err.tried).toHaveLength(5);
  expect(err.message).toMatch(/LIBTORCH environment variable: not set/);
  expect(err.message).toContain(`project-local ${path.join(tmp, 'libtorch')}: does not exist`);
  expect(err.message).toMatch(/Python torch: .*no-such-python could not be run/);
  expect(err.message).toContain(`user cache ${path.join(tmp, 'cache', entryName)}: does not exist`);
  expect(err.message).toMatch(/download from the package index: not attempted/);
  expect(err.message).toMatch(/export LIBTORCH=/);
  expect(err.message).toMatch(/npx sda setup-libtorch/);
});

test('10.7 a download that fails is reported among the tries', () => {
  const fetch = () => {
    throw new Error('pip download torch==2.13.0+cpu failed (exit 1): no matching distribution');
  };
  expect(() => locate.locateLibtorch({ packageRoot: tmp, env: isolated(), fetch })).toThrow(
    /download into .*cache\/linux-x64-torch-2\.13\.0\+cpu: pip download torch==2\.13\.0\+cpu failed/,
  );
});

test('10.8 the version comes from the headers, also in the older single-file layout', () => {
  const fake = path.join(tmp, 'old/include/torch/csrc/api/include/torch');
  fs.mkdirSync(fake, { recursive: true });
  fs.writeFileSync(path.join(fake, 'version.h'), '#pragma once\n#define TORCH_VERSION_MAJOR 2\n#define TORCH_VERSION \\\n  "2.11.0"\n');
  expect(locate.readLibtorchVersion(path.join(tmp, 'old'))).toBe('2.11.0');
  expect(locate.readLibtorchVersion(realRoot)).toBe('2.13.0');
});

test('10.9 the last resort fills the user cache once, from the torch wheel, with only what building and running need', async () => {
  // Two installs at once, each in its own process, on an empty cache: one downloads, the other waits.
  const cacheDir = path.join(tmp, 'cache');
  const script = `
    const { fetchLibtorch } = require(${JSON.stringify(path.join(ROOT, 'scripts/fetch-libtorch.js'))});
    const { cacheEntry } = require(${JSON.stringify(path.join(ROOT, 'scripts/libtorch-cache.js'))});
    fetchLibtorch(cacheEntry(process.env), { log: (m) => console.log(m) });`;
  const env = { ...process.env, SDA_LIBTORCH_CACHE: cacheDir, SDA_TORCH_PIP_SPEC: '' };
  const run = () =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['-e', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, out }));
    });
  const [a, b] = await Promise.all([run(), run()]);
  expect([a.code, b.code]).toEqual([0, 0]);
  const both = `${a.out}\n${b.out}`;
  expect(both.match(/downloading torch==2\.13\.0\+cpu with pip/g)).toHaveLength(1);
  expect(both).toMatch(/waiting for pid \d+, which is setting up LibTorch in /);
  expect(both).toMatch(/LibTorch is already in .*; nothing to download/);
  // The caller's log adds the package's name once (install.js); the messages do not carry it again.
  expect(both).not.toMatch(/^small-dataset-audio:/m);
  // One complete entry, nothing half-made or locked beside it.
  expect(fs.readdirSync(cacheDir)).toEqual([entryName]);
  const entry = path.join(cacheDir, entryName);
  expect(fs.readdirSync(entry).sort()).toEqual(['include', 'lib', 'share']);
  expect(fs.readdirSync(path.join(entry, 'lib')).sort()).toEqual(['libc10.so', 'libgomp.so.1', 'libtorch.so', 'libtorch_cpu.so']);

  // Every later project on this machine finds it there: no download.
  const fetch = jest.fn();
  for (const project of ['a', 'b']) {
    const loc = locate.locateLibtorch({ packageRoot: path.join(tmp, project), env: isolated(), fetch });
    expect(loc.foundBy).toBe('cache');
    expect(loc.root).toBe(entry);
    expect(loc.version).toBe('2.13.0');
  }
  expect(fetch).not.toHaveBeenCalled();
}, 240000);

test('10.10 the cache lies where XDG says unless SDA_LIBTORCH_CACHE says otherwise, one entry per platform and wheel', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cache = require('../scripts/libtorch-cache.js');
  expect(cache.cacheEntry({ SDA_LIBTORCH_CACHE: '/c' })).toBe(`/c/${entryName}`);
  expect(cache.cacheEntry({ XDG_CACHE_HOME: '/x' })).toBe(`/x/small-dataset-audio/libtorch/${entryName}`);
  expect(cache.cacheEntry({})).toBe(path.join(os.homedir(), '.cache/small-dataset-audio/libtorch', entryName));
  expect(cache.cacheEntry({ SDA_LIBTORCH_CACHE: '/c', SDA_TORCH_PIP_SPEC: 'torch==2.13.0' })).toBe(`/c/${process.platform}-${process.arch}-torch-2.13.0`);
  // A spec is never a path: separators and spaces become '-'.
  expect(path.basename(cache.cacheEntry({ SDA_LIBTORCH_CACHE: '/c', SDA_TORCH_PIP_SPEC: 'torch @ ../../x' }))).toBe(`${process.platform}-${process.arch}-torch-..-..-x`);
});

test('10.11 a lock whose install was killed is taken over, and only what dead installs left is removed', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cache = require('../scripts/libtorch-cache.js');
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout.trim());
  expect(cache.pidAlive(deadPid)).toBe(false);
  const entry = path.join(tmp, 'cache', entryName);
  fs.mkdirSync(`${entry}.lock`, { recursive: true });
  fs.writeFileSync(path.join(`${entry}.lock`, 'owner.json'), JSON.stringify({ pid: deadPid, host: os.hostname() }));
  fs.mkdirSync(`${entry}.partial-${deadPid}/wheel`, { recursive: true });
  fs.mkdirSync(`${entry}.lock.new-${deadPid}`); // killed while making its lock
  fs.mkdirSync(`${entry}.partial-${process.pid}`); // a live install's: kept
  const messages: string[] = [];
  const result = cache.withEntryLock(
    entry,
    () => {
      expect(JSON.parse(fs.readFileSync(path.join(`${entry}.lock`, 'owner.json'), 'utf8')).pid).toBe(process.pid);
      cache.removeAbandonedPartials(entry);
      return 'ran';
    },
    { log: (m: string) => messages.push(m) },
  );
  expect(result).toBe('ran');
  expect(messages).toEqual([`took over an abandoned lock ${entry}.lock (pid ${deadPid})`]);
  expect(fs.readdirSync(path.join(tmp, 'cache')).sort()).toEqual([`${entryName}.partial-${process.pid}`]);
});

test('10.12 a live lock is waited for, with one message naming its owner', async () => {
  const entry = path.join(tmp, 'cache', entryName);
  const holder = spawn(
    process.execPath,
    ['-e', `require(${JSON.stringify(path.join(ROOT, 'scripts/libtorch-cache.js'))}).withEntryLock(${JSON.stringify(entry)}, () => { console.log('held'); require(${JSON.stringify(path.join(ROOT, 'scripts/libtorch-cache.js'))}).sleepSync(1500); })`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
  const messages: string[] = [];
  const t0 = Date.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../scripts/libtorch-cache.js').withEntryLock(entry, () => undefined, { log: (m: string) => messages.push(m) });
  expect(Date.now() - t0).toBeGreaterThan(500);
  expect(messages).toEqual([`waiting for pid ${holder.pid}, which is setting up LibTorch in ${entry}...`]);
  expect(fs.existsSync(`${entry}.lock`)).toBe(false);
});
