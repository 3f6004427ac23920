// Loading the native addon: the located LibTorch is preloaded, the addon's LibTorch version is checked.
import * as fs from 'fs';
import * as os from 'os';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { AddonLoadError, LibtorchNotFoundError, LibtorchVersionMismatchError, getNumThreads, libtorchVersion, numericsInfo } from '../lib';
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

test("11.6 MKL's dynamic threading is off in every process that loads the addon, unless its environment sets MKL_DYNAMIC", async () => {
  const here = await numericsInfo();
  expect(here.threads).toBe(getNumThreads());
  if (here.mklMaxThreads < 0) {
    expect([here.mklDynamic, here.mklDynamicSource]).toEqual([null, 'no MKL']);
    return;
  }
  // In this Jest process first: Jest gives each test file a copy of process.env, so a variable set from
  // JavaScript here never reached MKL (until issue 27 the full suite ran with dynamic threading on).
  const inherited = process.env.MKL_DYNAMIC;
  if (inherited === undefined) expect([here.mklDynamic, here.mklDynamicSource]).toEqual([false, 'addon']);
  else expect(here.mklDynamicSource).toBe(`MKL_DYNAMIC=${inherited}`);
  // Fresh processes: a plain one, and two whose environment chose for itself (left to MKL).
  const probe = `require(${JSON.stringify(path.join(ROOT, 'dist/index.js'))}).numericsInfo().then((r) => process.stdout.write(JSON.stringify([r.mklDynamic, r.mklDynamicSource])));`;
  const run = (env: NodeJS.ProcessEnv) => {
    const r = spawnSync(process.execPath, ['-e', probe], { env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout) as unknown;
  };
  const { MKL_DYNAMIC: _unset, ...clean } = process.env;
  expect(run(clean)).toEqual([false, 'addon']);
  expect(run({ ...clean, MKL_DYNAMIC: 'TRUE' })).toEqual([true, 'MKL_DYNAMIC=TRUE']);
  expect(run({ ...clean, MKL_DYNAMIC: 'FALSE' })).toEqual([false, 'MKL_DYNAMIC=FALSE']);
});
