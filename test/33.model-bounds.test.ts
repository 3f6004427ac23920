// Saved models with hostile parts: spectrogram configs refused before anything is allocated, analyses
// and configs whose shared structure would explode, weights that copy more than they store, paths that
// cannot be read. Real configs (48000 Hz, n_fft 2048, hop 512, 128 mels) pass.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  FileAccessError,
  ModelFormatError,
  PyDict,
  TorchFileError,
  checkSpectrogramGeometry,
  loadModel,
  readTorchFile,
  resampleKernelElements,
  savedModelParts,
  saveModel,
  toJSONValue,
  DEFAULT_SPECTROGRAM_CONFIG,
} from '../lib';
import { spectrogramConfigFromPy } from '../lib/model/spectrogram-config';
import { sda } from './helpers/cli';
import { GENUINE } from './helpers/paths';
import { runPython } from './helpers/python';

const TRAINED = path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-bounds-'));
const H = (f: string) => path.join(tmp, f);
beforeAll(() => {
  runPython(path.join(__dirname, 'python/hostile_fixtures.py'), [TRAINED, tmp]);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const REAL = { sampleRate: 48000, nFft: 2048, hopLength: 512, nMels: 128, frames: 94 };

function refusal(f: () => unknown): ModelFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFormatError);
    return e as ModelFormatError;
  }
  throw new Error('not refused');
}

test('33.1 real geometries pass, including the usual sample rates and FFT sizes', () => {
  checkSpectrogramGeometry(REAL);
  for (const sampleRate of [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 176400, 192000]) {
    const hopLength = Math.max(64, 2 ** Math.round(Math.log2(sampleRate / 94)));
    checkSpectrogramGeometry({ sampleRate, nFft: hopLength * 4, hopLength, nMels: 128, frames: Math.floor(sampleRate / hopLength) + 1 });
  }
  expect(resampleKernelElements(48000, 44100)).toBe(25578);
  expect(resampleKernelElements(48000, 48000)).toBe(0);
});

test('33.2 hostile geometries are refused with the key and the allowed range, before any allocation', () => {
  const cases: Array<[Partial<typeof REAL>, string, RegExp]> = [
    [{ sampleRate: 48001 }, 'sample_rate', /resampling kernel .* 1048576 elements/],
    [{ sampleRate: 44101 }, 'sample_rate', /resampling kernel/],
    [{ sampleRate: 7999 }, 'sample_rate', /\[8000, 192000\]/],
    [{ sampleRate: 1e9 }, 'sample_rate', /\[8000, 192000\]/],
    [{ nFft: 4194304 }, 'n_fft', /\[16, 32768\]/],
    [{ nFft: 0 }, 'n_fft', /\[16, 32768\]/],
    [{ hopLength: 0 }, 'hop_length', /\[1, 2048\]/],
    [{ hopLength: 4096 }, 'hop_length', /\[1, 2048\]/],
    [{ hopLength: 1.5 }, 'hop_length', /integer/],
    [{ nMels: 0 }, 'n_mels', /\[1, 1024\]/],
    [{ nMels: 100000 }, 'n_mels', /\[1, 1024\]/],
    [{ frames: 1 }, 'frames', /\[2, 65536\]/],
    [{ frames: 3 }, 'hop_length', /hop_length \* \(frames - 1\) > n_fft \/ 2/],
    [{ frames: 2 ** 40 }, 'frames', /\[2, 65536\]/],
    [{ sampleRate: 192000, nFft: 32768, hopLength: 16, frames: 12001 }, 'hop_length', /\(n_fft \/ 2 \+ 1\) x frames/],
  ];
  for (const [change, key, range] of cases) {
    // Before any allocation: no buffer appears (the 48001 Hz kernel alone would be 4 MB). Measured in
    // bytes, not milliseconds, which a busy machine stretches (113 ms once in a loaded CI run).
    const before = process.memoryUsage().arrayBuffers;
    const e = refusal(() => checkSpectrogramGeometry({ ...REAL, ...change }));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    expect({ change, key: e.key }).toEqual({ change, key: `spectrogram_config.${key}` });
    expect(e.message).toMatch(range);
    expect(e.message).toContain(`spectrogram_config.${key}`);
  }
  checkSpectrogramGeometry({ ...REAL, frames: 4 }); // 512 * 3 > 1024
});

test('33.3 spectrogram_config dicts: every key is checked (f_min, f_max, power too)', () => {
  const cfg = (o: Record<string, unknown>) => PyDict.fromObject(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' && Number.isInteger(v) && k !== 'f_min' && k !== 'f_max' && k !== 'power' ? BigInt(v) : (v as never)])));
  expect(spectrogramConfigFromPy(cfg({ sample_rate: 48000, n_fft: 2048, hop_length: 512, n_mels: 128, f_min: 0.0, f_max: null, power: 2.0 }))).toEqual({ ...DEFAULT_SPECTROGRAM_CONFIG });
  expect(spectrogramConfigFromPy(cfg({ f_max: 24000.0, f_min: 20.0 })).fMax).toBe(24000);
  for (const [bad, key] of [
    [{ f_min: 24000.0 }, 'f_min'],
    [{ f_max: 24000.5 }, 'f_max'],
    [{ f_min: 100.0, f_max: 100.0 }, 'f_max'],
    [{ power: 0.0 }, 'power'],
    [{ power: 1e6 }, 'power'],
    [{ sample_rate: 48001 }, 'sample_rate'],
    [{ n_fft: 4194304 }, 'n_fft'],
    [{ hop_length: 96000 }, 'hop_length'],
    [{ n_mels: 1 << 20 }, 'n_mels'],
  ] as const) {
    expect(refusal(() => spectrogramConfigFromPy(cfg(bad))).key).toBe(`spectrogram_config.${key}`);
  }
});

test('33.4 models with a hostile spectrogram config fail to load with a ModelFormatError, fast', async () => {
  for (const [f, key] of [['rate_48001.sda', 'sample_rate'], ['nfft_huge.sda', 'n_fft'], ['hop_huge.sda', 'hop_length']]) {
    const t0 = Date.now();
    const e = await loadModel(H(f), { device: 'cpu' }).catch((x) => x);
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.key).toBe(`spectrogram_config.${key}`);
    expect(Date.now() - t0).toBeLessThan(5000);
  }
  await expect(saveModel(TRAINED, { modelsDir: H('lib'), spectrogramConfig: { ...DEFAULT_SPECTROGRAM_CONFIG, sampleRate: 48001 } })).rejects.toThrow(/spectrogramConfig: .*sample_rate/);
});

test('33.5 analyses that would expand without bound are refused; a shared training_config is shown bounded', async () => {
  for (const f of ['bomb_pca_nested.sda', 'bomb_pca_rows.sda', 'bomb_feature_correlations.sda', 'bomb_labels.sda']) {
    const t0 = Date.now();
    const { value } = await readTorchFile(H(f), { storages: 'skip' });
    const e = refusal(() => savedModelParts(value, f));
    expect(e.key).toMatch(/^latent_analysis\./);
    expect(Date.now() - t0).toBeLessThan(5000);
  }
  for (const f of ['bomb_training_config.sda', 'bomb_metadata_extra.sda']) {
    const { value } = await readTorchFile(H(f), { storages: 'skip' });
    const parts = savedModelParts(value, f);
    const t0 = Date.now();
    const json = JSON.stringify(toJSONValue(parts.trainingConfig));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(json.length).toBeLessThan(5_000_000);
  }
});

test('33.6 the CLI: model info on a shared training_config, generate on a hostile analysis end quickly', () => {
  const info = sda(['model', 'info', H('bomb_training_config.sda'), '--json']);
  expect(info.status).toBe(0);
  expect(info.stdout).toContain('"$ref"');
  const gen = sda(['generate', H('bomb_pca_nested.sda'), '--duration', '1', '--out', H('out')]);
  expect(gen.status).toBe(1);
  expect(gen.stderr).toMatch(/^sda: ERR_SDA_MODEL_FORMAT: .*latent_analysis\.pca_components/m);
});

test('33.7 weights that copy more than they store, and unreadable paths, are typed errors', async () => {
  const e = await loadModel(H('expand_weight.sda'), { device: 'cpu' }).catch((x) => x);
  expect(e).toBeInstanceOf(TorchFileError);
  expect(e.message).toMatch(/would copy 3932160000 bytes/);
  const missing = H('nope.sda');
  const m = await loadModel(missing, { device: 'cpu' }).catch((x) => x);
  expect(m).toBeInstanceOf(FileAccessError);
  expect(m.message).toBe(`cannot read model file ${missing}: no such file (ENOENT)`);
  expect(m).toMatchObject({ code: 'ERR_SDA_FILE', path: missing, errno: 'ENOENT' });
  const dir = await loadModel(tmp, { device: 'cpu' }).catch((x) => x);
  expect(dir).toMatchObject({ code: 'ERR_SDA_FILE', path: tmp, errno: 'EISDIR' });
  if (process.getuid?.() !== 0) {
    const locked = H('locked.sda');
    fs.copyFileSync(TRAINED, locked);
    fs.chmodSync(locked, 0o000);
    await expect(loadModel(locked, { device: 'cpu' })).rejects.toMatchObject({ code: 'ERR_SDA_FILE', errno: 'EACCES' });
  }
});
