// The build paths besides the primary cmake-js one: binding.gyp (node-gyp) and the install-time choice
// between the prebuild and a from-source build.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadAddon } from '../lib/native/loader';
import { ROOT } from './helpers/paths';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-build-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function copyPackage(dest: string): void {
  for (const f of ['package.json', 'CMakeLists.txt', 'binding.gyp', 'libtorch-location.json']) {
    fs.copyFileSync(path.join(ROOT, f), path.join(dest, f));
  }
  fs.cpSync(path.join(ROOT, 'native'), path.join(dest, 'native'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'scripts'), path.join(dest, 'scripts'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dest, 'node_modules'));
}

test('15.1 binding.gyp builds the same addon with node-gyp, and it loads and computes', () => {
  copyPackage(tmp);
  const gyp = require.resolve('node-gyp/bin/node-gyp.js');
  const r = spawnSync(process.execPath, [gyp, 'rebuild', '-j', '2'], { cwd: tmp, encoding: 'utf8' });
  expect(r.stderr + r.stdout).toMatch(/gyp info ok/);
  expect(r.status).toBe(0);
  const addon = loadAddon(tmp);
  expect(addon.path).toBe(path.join(tmp, 'build/Release/small_dataset_audio.node'));
  expect(addon.binding.libtorchVersion()).toBe('2.13.0');
});

function install(env: Record<string, string> = {}) {
  const loc = JSON.parse(fs.readFileSync(path.join(ROOT, 'libtorch-location.json'), 'utf8'));
  return spawnSync(process.execPath, [path.join(tmp, 'scripts/install.js')], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, LIBTORCH: loc.root, SDA_NO_FETCH: '1', npm_config_build_from_source: '', ...env },
  });
}

function fakePrebuild(version: string): void {
  const dir = path.join(tmp, 'prebuilds', `${process.platform}-${process.arch}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(loadAddon().path, path.join(dir, 'small-dataset-audio.node'));
  fs.writeFileSync(path.join(dir, 'libtorch.json'), JSON.stringify({ libtorchVersion: version, cudaBuild: false }));
}

test('15.2 install uses a prebuild made for the located LibTorch version and compiles nothing', () => {
  copyPackage(tmp);
  fakePrebuild('2.13.0');
  const r = install();
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/LibTorch 2\.13\.0 \(env\)/);
  expect(r.stderr).toMatch(/using the prebuilt addon \(built against LibTorch 2\.13\.0\); no compiler needed/);
  expect(fs.existsSync(path.join(tmp, 'build'))).toBe(false);
  expect(loadAddon(tmp).path).toContain(`${path.sep}prebuilds${path.sep}`);
});

test('15.3 install builds from source when the prebuild was made for another LibTorch version', () => {
  copyPackage(tmp);
  fakePrebuild('2.11.0');
  const r = install();
  expect(r.stderr).toMatch(/prebuilt addon was built against LibTorch 2\.11\.0, not 2\.13\.0: building from source/);
  expect(r.status).toBe(0);
  expect(fs.existsSync(path.join(tmp, 'build/Release/small_dataset_audio.node'))).toBe(true);
  expect(loadAddon(tmp).path).toBe(path.join(tmp, 'build/Release/small_dataset_audio.node'));
});

test('15.4 install fails with the list of places tried when LibTorch is nowhere', () => {
  copyPackage(tmp);
  const r = install({ LIBTORCH: '', SDA_PYTHON: path.join(tmp, 'no-python') });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/LibTorch was not found\. Tried, in order:/);
  expect(r.stderr).toMatch(/How to fix/);
});

test('15.5 CMake can link LibTorch directly, without TorchConfig.cmake (a CUDA torch without nvcc)', () => {
  copyPackage(tmp);
  const r = spawnSync(process.execPath, [path.join(tmp, 'scripts/cmake-js-build.js')], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, SDA_TORCH_DIRECT: '1' },
  });
  expect(r.stdout + r.stderr).toMatch(/Linking LibTorch 2\.13\.0 directly from .* \(TorchConfig\.cmake not used\)/);
  expect(r.status).toBe(0);
  const addon = loadAddon(tmp);
  expect(addon.path).toBe(path.join(tmp, 'build/Release/small_dataset_audio.node'));
  expect(addon.binding.libtorchVersion()).toBe('2.13.0');
});
