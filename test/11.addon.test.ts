// Loading the native addon: the located LibTorch is preloaded, the addon's LibTorch version is checked.
import * as fs from 'fs';
import * as os from 'os';
import { spawnSync } from 'child_process';
import * as path from 'path';
import {
  AddonLoadError, LibtorchNotFoundError, LibtorchVersionMismatchError, Spectrogram, deviceMatmul, getNumThreads, libtorchVersion, numericsInfo, setNumThreads,
} from '../lib';
import { NATIVE_LIMITS } from '../lib/native/limits';
import { loadAddon } from '../lib/native/loader';
import { HEADER_PATH, renderLimitsHeader } from '../scripts/gen-native-limits';
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

test('11.7 the native limits are one table: the C++ header is generated from it, and both sides refuse just past it', async () => {
  expect(fs.readFileSync(HEADER_PATH, 'utf8')).toBe(renderLimitsHeader());
  const { binding } = loadAddon();
  const { threads, griffinLimIterations, batch, matmulSize } = NATIVE_LIMITS;
  // The TypeScript check and, with it bypassed, the C++ one give the same range.
  expect(() => setNumThreads(threads.max + 1)).toThrow(`from ${threads.min} to ${threads.max}`);
  expect(() => binding.setNumThreads(threads.max + 1)).toThrow(`[${threads.min}, ${threads.max}]`);
  const cfg = { sampleRate: 8000, nFft: 64, hopLength: 16, nMels: 8, fMin: 0, fMax: null, power: 2 };
  const spec = new Spectrogram(cfg);
  const power = { shape: [1, 33, 8], data: new Float32Array(33 * 8).fill(1) };
  await expect(spec.griffinLim(power, { nIter: griffinLimIterations.max + 1 })).rejects.toThrow(`from 0 to ${griffinLimIterations.max}`);
  const raw = binding.createSpectrogram({ ...cfg, device: 'cpu' });
  expect(() => raw.griffinLim(power.data, 1, 8, { nIter: griffinLimIterations.max + 1 })).toThrow(`[0, ${griffinLimIterations.max}]`);
  const ran = await raw.griffinLim(power.data, 1, 8, { nIter: 1 });
  expect(ran.iterations).toEqual([1]);
  raw.dispose();
  spec.dispose();
  await expect(deviceMatmul(new Float32Array(1), new Float32Array(1), matmulSize.max + 1)).rejects.toThrow(`from 1 to ${matmulSize.max}`);
  expect(() => binding.smokeMatmul('cpu', new Float32Array(1), new Float32Array(1), matmulSize.max + 1)).toThrow(`[1, ${matmulSize.max}]`);
  const model = await binding.createConvVae({ distill: false, latentDim: 1, nMels: 1, frames: 1, device: 'cpu' }, []).catch((e: Error) => e);
  expect(String(model)).toMatch(/state dict has no/); // sizes in range: refused later, for the missing weights
  const tooBig = { distill: false, latentDim: NATIVE_LIMITS.convVaeSize.max + 1, nMels: 1, frames: 1, device: 'cpu' };
  await expect(binding.createConvVae(tooBig, [])).rejects.toThrow(`latentDim must be in [1, ${NATIVE_LIMITS.convVaeSize.max}]`);
  expect(batch.max).toBe(65536);
});
