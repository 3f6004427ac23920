// Loading the native addon: the located LibTorch is preloaded, the addon's LibTorch version is checked.
import * as fs from 'fs';
import * as os from 'os';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { AddonLoadError, LibtorchNotFoundError, LibtorchVersionMismatchError, libtorchVersion } from '../lib';
import { loadAddon } from '../lib/native/loader';
import { ROOT } from './helpers/paths';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-addon-'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(tmp, 'package.json'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function recordLocation(patch: Record<string, unknown>): void {
  const loc = JSON.parse(fs.readFileSync(path.join(ROOT, 'libtorch-location.json'), 'utf8'));
  fs.writeFileSync(path.join(tmp, 'libtorch-location.json'), JSON.stringify({ ...loc, ...patch }));
}

test('11.1 the addon loads and reports the LibTorch version it was compiled against', () => {
  const { binding, location, path: addonPath } = loadAddon();
  expect(binding.libtorchVersion()).toBe(location.version);
  expect(libtorchVersion()).toBe('2.13.0');
  expect(fs.existsSync(addonPath)).toBe(true);
});

test('11.2 an addon built against another LibTorch version is refused with a clear error', () => {
  recordLocation({ version: '9.9.9' });
  fs.mkdirSync(path.join(tmp, 'build'));
  fs.symlinkSync(path.dirname(loadAddon().path), path.join(tmp, 'build/Release'));
  let err: unknown;
  try {
    loadAddon(tmp);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(LibtorchVersionMismatchError);
  const m = err as LibtorchVersionMismatchError;
  expect(m.code).toBe('ERR_SDA_LIBTORCH_VERSION_MISMATCH');
  expect(m.builtAgainst).toBe('2.13.0');
  expect(m.located).toBe('9.9.9');
  expect(m.message).toMatch(/built against LibTorch 2\.13\.0, but the located LibTorch .* is 9\.9\.9.*npm rebuild/);
});

test('11.3 no recorded location: a typed error that says how to fix it', () => {
  expect(() => loadAddon(tmp)).toThrow(LibtorchNotFoundError);
  expect(() => loadAddon(tmp)).toThrow(/has not been located .*npm rebuild small-dataset-audio/);
});

test('11.4 a recorded LibTorch that has since been deleted is reported, not crashed on', () => {
  recordLocation({ libraries: [path.join(tmp, 'gone/libtorch_cpu.so')] });
  expect(() => loadAddon(tmp)).toThrow(/has gone: missing .*gone\/libtorch_cpu\.so/);
});

test('11.5 no addon built: a typed error that says how to build it', () => {
  recordLocation({});
  expect(() => loadAddon(tmp)).toThrow(AddonLoadError);
  expect(() => loadAddon(tmp)).toThrow(/No native addon was built .*--build-from-source/);
});

test("11.6 loading the addon sets MKL_DYNAMIC=FALSE (MKL's thread count fixed), unless the user set it", () => {
  // A fresh process each: the variable must be in place before the addon's LibTorch is loaded.
  const probe = `const { loadAddon } = require(${JSON.stringify(path.join(ROOT, 'dist/native/loader.js'))}); loadAddon(); process.stdout.write(String(process.env.MKL_DYNAMIC));`;
  const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['-e', probe], { env, encoding: 'utf8' });
  const { MKL_DYNAMIC: _unset, ...clean } = process.env;
  const plain = run(clean);
  expect(plain.status).toBe(0);
  expect(plain.stdout).toBe('FALSE');
  const chosen = run({ ...clean, MKL_DYNAMIC: 'TRUE' });
  expect(chosen.status).toBe(0);
  expect(chosen.stdout).toBe('TRUE');
});
