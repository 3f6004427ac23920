// `sda setup-libtorch`: the set-up step install errors point a user to, runnable from their own project.
// Nothing is downloaded here: the help, the checks made before pip would run, and a cache already filled.
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { sda, tmpDir } from './helpers/cli';
import { ROOT } from './helpers/paths';

test('87.1 --help says what it does, what comes next, and its exit codes', () => {
  const r = sda(['setup-libtorch', '--help']);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^Usage: sda setup-libtorch \[options\]/);
  expect(r.stdout).toMatch(/--spec <pip-spec>/);
  expect(r.stdout).toMatch(/--python <exe>/);
  expect(r.stdout).toMatch(/npm rebuild small-dataset-audio/);
  expect(r.stdout).toMatch(/Exit code 0 when LibTorch is ready/);
  expect(sda(['--help']).stdout).toMatch(/sda setup-libtorch/);
});

test.each([
  [['setup-libtorch', 'extra'], /^error: too many arguments for 'setup-libtorch'/],
  [['setup-libtorch', '--bogus'], /^error: unknown option '--bogus'/],
  [['setup-libtorch', '--spec'], /^error: option '--spec <pip-spec>' argument missing/],
  [['setup-libtorch', '--spec', 'numpy==2.0'], /^sda: ERR_SDA_USAGE: --spec must name the torch package .*'numpy==2\.0'/],
])('87.2 bad usage %j exits 2 with one line', (args, message) => {
  const r = sda(args);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
});

test('87.3 a Python that cannot run fails with exit 1 and leaves the package and the cache untouched', () => {
  const before = fs.readdirSync(ROOT).sort();
  const cache = tmpDir('cache');
  const r = sda(['setup-libtorch', '--python', path.join(ROOT, 'no-such-python')], { env: { SDA_LIBTORCH_CACHE: cache } });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^sda: ERR_SDA_LIBTORCH_NOT_FOUND: setting up LibTorch failed: pip download torch==2\.13\.0\+cpu: could not run .*no-such-python \(ENOENT\)/m);
  expect(fs.readdirSync(ROOT).sort()).toEqual(before);
  expect(fs.readdirSync(cache)).toEqual([]); // no lock and no half-made folder left
  fs.rmSync(cache, { recursive: true, force: true });
});

test('87.4 with LibTorch already in the user cache, nothing is downloaded and it is recorded from there', () => {
  // A cache whose entry is the LibTorch this checkout was built against (a link: nothing is copied).
  const recorded = JSON.parse(fs.readFileSync(path.join(ROOT, 'libtorch-location.json'), 'utf8'));
  const cache = tmpDir('cache');
  const entry = path.join(cache, `${process.platform}-${process.arch}-torch-2.13.0+cpu`);
  fs.symlinkSync(recorded.root, entry);
  // The package root is a copy of what setup-libtorch reads and writes, so this checkout's record stays.
  const pkg = tmpDir('pkg');
  fs.cpSync(path.join(ROOT, 'scripts'), path.join(pkg, 'scripts'), { recursive: true });
  const r = spawnSync(process.execPath, [path.join(pkg, 'scripts/fetch-libtorch.js')], {
    encoding: 'utf8',
    env: { ...process.env, SDA_LIBTORCH_CACHE: cache, SDA_PYTHON: path.join(ROOT, 'no-such-python') },
  });
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/LibTorch is already in .*; nothing to download/);
  expect(r.stderr).not.toMatch(/downloading/);
  const loc = JSON.parse(fs.readFileSync(path.join(pkg, 'libtorch-location.json'), 'utf8'));
  expect(loc).toMatchObject({ root: entry, foundBy: 'cache', version: '2.13.0' });
  fs.rmSync(cache, { recursive: true, force: true });
  fs.rmSync(pkg, { recursive: true, force: true });
});
