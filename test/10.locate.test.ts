// Locating LibTorch at set-up time: the order, the recorded result, and the message when nothing is found.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
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
    locate.locateLibtorch({ packageRoot: tmp, env: noPython });
  } catch (e) {
    err = e as typeof err;
  }
  expect(err.code).toBe('ERR_SDA_LIBTORCH_NOT_FOUND');
  expect(err.tried).toHaveLength(4);
  expect(err.message).toMatch(/LIBTORCH environment variable: not set/);
  expect(err.message).toContain(`project-local ${path.join(tmp, 'libtorch')}: does not exist`);
  expect(err.message).toMatch(/Python torch: .*no-such-python could not be run/);
  expect(err.message).toMatch(/download from the package index: not attempted/);
  expect(err.message).toMatch(/export LIBTORCH=/);
  expect(err.message).toMatch(/npx sda setup-libtorch/);
});

test('10.7 a download that fails is reported among the tries', () => {
  const fetch = () => {
    throw new Error('pip download torch==2.13.0+cpu failed (exit 1): no matching distribution');
  };
  expect(() => locate.locateLibtorch({ packageRoot: tmp, env: noPython, fetch })).toThrow(
    /download into .*libtorch: pip download torch==2\.13\.0\+cpu failed/,
  );
});

test('10.8 the version comes from the headers, also in the older single-file layout', () => {
  const fake = path.join(tmp, 'old/include/torch/csrc/api/include/torch');
  fs.mkdirSync(fake, { recursive: true });
  fs.writeFileSync(path.join(fake, 'version.h'), '#pragma once\n#define TORCH_VERSION_MAJOR 2\n#define TORCH_VERSION \\\n  "2.11.0"\n');
  expect(locate.readLibtorchVersion(path.join(tmp, 'old'))).toBe('2.11.0');
  expect(locate.readLibtorchVersion(realRoot)).toBe('2.13.0');
});

test('10.9 the last resort fills libtorch/ from the torch wheel with only what building and running need', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { fetchLibtorch } = require('../scripts/fetch-libtorch.js');
  const messages: string[] = [];
  const loc = locate.locateLibtorch({
    packageRoot: tmp,
    env: noPython,
    fetch: (dest: string) => fetchLibtorch(dest, { log: (m: string) => messages.push(m) }),
  });
  expect(loc.foundBy).toBe('local');
  expect(loc.root).toBe(path.join(tmp, 'libtorch'));
  expect(loc.version).toBe('2.13.0');
  expect(fs.readdirSync(path.join(tmp, 'libtorch')).sort()).toEqual(['include', 'lib', 'share']);
  expect(fs.readdirSync(path.join(tmp, 'libtorch/lib')).sort()).toEqual(['libc10.so', 'libgomp.so.1', 'libtorch.so', 'libtorch_cpu.so']);
  expect(messages.join('\n')).toMatch(/downloading torch==2\.13\.0\+cpu with pip/);
  // The caller's log adds the package's name once (install.js); the messages do not carry it again.
  expect(messages.filter((m) => m.startsWith('small-dataset-audio:'))).toEqual([]);
  // Nothing is left half-made beside it.
  expect(fs.readdirSync(tmp)).toEqual(['libtorch']);
});
