// Spatial output as Distill renders it: stereo (mid/side width plus the depth reflection), dual seed,
// legacy stereo settings, and binaural from a SOFA HRTF file. References: Distill's own stereo outputs
// (test/fixtures/genuine/distill/refs) and numpy/scipy renderings run in Python (test/python/spatial_ref.py),
// on a synthetic SOFA file written by h5py (test/python/make_sofa.py). Needs the native addon only for
// resampling an HRTF whose rate differs from the signal's.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  applySpatialAsync, applySpatialToDualSeedAsync, migrateStereoMode, normalisePeakAsync, loadHrtf, clearHrtfCache,
  readSofaHrir, DEFAULT_SPATIAL, FileAccessError, HrtfError, InvalidArgumentError, SOFA_LIMITS, type SpatialConfig,
} from '../lib';
import { GENUINE } from './helpers/paths';
import { readNpy } from './helpers/npy';
import { runPython } from './helpers/python';

const REFS = path.join(GENUINE, 'distill/refs');
const generation = JSON.parse(fs.readFileSync(path.join(REFS, 'generation.json'), 'utf8'));
/** A genuine Distill output (crossfade, 3 s, seed 42): the mono signal its stereo runs were made from. */
const mono = readNpy(path.join(REFS, 'crossfade_3s.npy')).data;
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-spatial-'));
  runPython(path.join(__dirname, 'python/make_sofa.py'), [tmp]);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeNpy(file: string, x: Float32Array): string {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${x.length},), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  const h = Buffer.from(`${header}${' '.repeat(pad)}\n`, 'latin1');
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre.writeUInt16LE(h.length, 8);
  fs.writeFileSync(file, Buffer.concat([pre, h, Buffer.from(x.buffer, x.byteOffset, x.byteLength)]));
  return file;
}

/** Runs the Python reference over `jobs` (paths relative to tmp) and reads each output as channels. */
function pythonRefs(jobs: Array<Record<string, unknown>>): Float32Array[][] {
  const file = path.join(tmp, `jobs-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(jobs));
  runPython(path.join(__dirname, 'python/spatial_ref.py'), [file]);
  return jobs.map((j) => {
    const { shape, data } = readNpy(j.out as string);
    const n = shape[1]!;
    return Array.from({ length: shape[0]! }, (_, c) => data.subarray(c * n, (c + 1) * n));
  });
}

/** The largest |a - b| over channels; the channel counts and lengths must be equal. */
function worst(a: Float32Array[], b: Float32Array[]): number {
  expect(a.map((c) => c.length)).toEqual(b.map((c) => c.length));
  let w = 0;
  a.forEach((ch, c) => ch.forEach((v, i) => (w = Math.max(w, Math.abs(v - b[c]![i]!)))));
  return w;
}

const peak = (chs: Float32Array[]) => chs.reduce((m, c) => c.reduce((mm, v) => Math.max(mm, Math.abs(v)), m), 0);

describe('stereo', () => {
  test('61.1 Distill\'s stereo runs (spatial stereo 0.7/0.5, legacy mid_side) from its own mono output, within 2 float32 steps', async () => {
    // Distill's stereo = peak_normalize(spatial(m)) and its mono = peak_normalize(m) for the same m; the
    // processing is linear, so spatial(mono output) normalised is the stereo output up to the float32
    // rounding of the two different scalings (a step is 6e-8 below 1).
    const runs = generation.runs;
    const cases: Array<[string, SpatialConfig]> = [
      ['stereo_w0p7_d0p5_3s', runs.stereo_w0p7_d0p5_3s.config.spatial],
      ['legacy_mid_side_3s', migrateStereoMode('mid-side', runs.legacy_mid_side_3s.config.stereo_width)],
    ];
    for (const [name, spatial] of cases) {
      expect(spatial.mode).toBe('stereo');
      const out = await applySpatialAsync(mono, 48000, spatial);
      await normalisePeakAsync(out, 0.891);
      const ref = readNpy(path.join(REFS, `${name}.npy`));
      const n = ref.shape[1]!;
      expect(worst(out, [ref.data.subarray(0, n), ref.data.subarray(n)])).toBeLessThanOrEqual(2 ** -23);
    }
  });

  test('61.2 migrateStereoMode gives the effective spatial config Distill recorded for its legacy runs', () => {
    const obs = generation.observations;
    expect(migrateStereoMode('mid-side', 0.7)).toEqual(obs.legacy_mid_side_effective_spatial);
    expect(migrateStereoMode('dual-seed', 1.3)).toEqual(obs.legacy_dual_seed_effective_spatial); // width not used
    expect(migrateStereoMode('mono', 1.3)).toEqual({ ...DEFAULT_SPATIAL, mode: 'mono' });
    expect(DEFAULT_SPATIAL).toEqual({ mode: 'mono', width: 0.7, depth: 0.5 });
  });

  test('61.3 stereo equals the numpy rendering bit for bit: rates, widths, depths, signals shorter than the delays', async () => {
    const cases: Array<{ x: Float32Array; rate: number; width: number; depth: number }> = [];
    for (const rate of [44100, 48000, 96000]) {
      for (const [width, depth] of [[0.7, 0.5], [0, 1], [1.5, 0.3], [1, 0.01], [0.33, 0.0099], [1.2, 0]]) cases.push({ x: mono, rate, width: width!, depth: depth! });
    }
    // 500 samples: shorter than the 15 ms Haas delay (right silent); 1000: longer than it but shorter than
    // the 20 ms depth delay at depth 0.5 (no reflection); 1: a single sample.
    for (const len of [500, 1000, 1]) cases.push({ x: mono.slice(40000, 40000 + len), rate: 48000, width: 0.9, depth: 0.5 });
    const jobs = cases.map((c, i) => ({ kind: 'stereo', input: writeNpy(path.join(tmp, `st-in-${i}.npy`), c.x), rate: c.rate, width: c.width, depth: c.depth, out: path.join(tmp, `st-out-${i}.npy`) }));
    const refs = pythonRefs(jobs);
    for (const [i, c] of cases.entries()) {
      const out = await applySpatialAsync(c.x, c.rate, { mode: 'stereo', width: c.width, depth: c.depth });
      expect({ i, diff: worst(out, refs[i]!) }).toEqual({ i, diff: 0 });
    }
    // The short cases are what they claim: right silent below the Haas delay.
    const short = await applySpatialAsync(mono.slice(0, 500), 48000, { mode: 'stereo', width: 1, depth: 0 });
    expect(short[0]).toEqual(mono.slice(0, 500));
    expect(short[1]).toEqual(new Float32Array(500));
  });

  test('61.4 dual seed: both channels kept (width unused), the depth reflection added, the shorter padded; equals numpy', async () => {
    const right = mono.slice(1234, 1234 + 100000).reverse();
    const jobs = [0.3, 0.0, 1].map((depth, i) => ({
      kind: 'dual', left: path.join(tmp, 'dual-l.npy'), right: path.join(tmp, 'dual-r.npy'), rate: 48000, depth, out: path.join(tmp, `dual-${i}.npy`),
    }));
    writeNpy(jobs[0]!.left, mono);
    writeNpy(jobs[0]!.right, right);
    const refs = pythonRefs(jobs);
    for (const [i, job] of jobs.entries()) {
      for (const width of [0, 0.7, 1.5]) {
        const out = await applySpatialToDualSeedAsync(mono, right, 48000, { mode: 'stereo', width, depth: job.depth });
        expect(worst(out, refs[i]!)).toBe(0);
      }
    }
    // Mono averages the two channels; the inputs are left as they were.
    const copy = mono.slice();
    const [avg] = await applySpatialToDualSeedAsync(mono, right, 48000, { mode: 'mono', width: 0.7, depth: 0.5 });
    expect(avg!.length).toBe(mono.length);
    expect(avg![5]).toBe(Math.fround(mono[5]! + right[5]!) * 0.5);
    expect(avg![120000]).toBe(Math.fround(mono[120000]! * 0.5));
    expect(mono).toEqual(copy);
  });

  test('61.5 Distill\'s dual-seed run: its left channel is the seed-42 mono with the 0.3 depth reflection, no mid/side', async () => {
    // The right channel (seed 43) is not stored alone, so the left channel is checked up to the one scale
    // factor of the joint peak normalisation.
    const ref = readNpy(path.join(REFS, 'legacy_dual_seed_3s.npy'));
    const n = ref.shape[1]!;
    const refLeft = ref.data.subarray(0, n);
    const [ours] = await applySpatialToDualSeedAsync(mono, new Float32Array(n), 48000, migrateStereoMode('dual-seed', 0.7));
    let dot = 0;
    let norm = 0;
    for (let i = 0; i < n; i++) [dot, norm] = [dot + refLeft[i]! * ours![i]!, norm + ours![i]! * ours![i]!];
    const k = dot / norm;
    let w = 0;
    for (let i = 0; i < n; i++) w = Math.max(w, Math.abs(refLeft[i]! - k * ours![i]!));
    expect(w).toBeLessThan(3e-7); // a few float32 steps of a signal peaking at 0.891
  });

  test('61.6 a 60 s signal is processed in slices: a callback queued after the start runs before the result', async () => {
    const long = new Float32Array(60 * 48000).map((_, i) => Math.sin(i / 10) * 0.5);
    const order: string[] = [];
    const work = applySpatialAsync(long, 48000, { mode: 'stereo', width: 0.7, depth: 0.5 }).then(() => order.push('done'));
    setImmediate(() => order.push('callback'));
    await work;
    expect(order).toEqual(['callback', 'done']);
  });

  test('61.7 bad spatial configs are refused with what is allowed', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ mode: 'surround', width: 0.7, depth: 0.5 }, /spatial\.mode must be one of "mono", "stereo", "binaural"/],
      [{ mode: 'stereo', width: 1.6, depth: 0.5 }, /spatial\.width must be a number from 0 to 1\.5; got 1\.6/],
      [{ mode: 'stereo', width: 0.7, depth: -0.1 }, /spatial\.depth must be a number from 0 to 1/],
      [{ mode: 'stereo', width: NaN, depth: 0.5 }, /spatial\.width/],
      [{ mode: 'binaural', width: 0.7, depth: 0.5 }, /"binaural" needs spatial\.hrtfPath, a SOFA HRTF file/],
      [null, /spatial must be an object/],
    ];
    for (const [spatial, message] of bad) {
      const e = await applySpatialAsync(mono, 48000, spatial as SpatialConfig).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect((e as Error).message).toMatch(message);
    }
  });
});

describe('binaural', () => {
  const job = (name: string, extra: Record<string, unknown>) => ({
    kind: 'binaural', input: path.join(tmp, 'bin-in.npy'), rate: 48000, width: 0.7, depth: 0.5, out: path.join(tmp, `${name}.npy`), ...extra,
  });

  test('61.8 equals scipy (fftconvolve, butter(1), sosfiltfilt): same HRTF row, within float32 rounding', async () => {
    writeNpy(path.join(tmp, 'bin-in.npy'), mono);
    const settings = [
      { width: 0.7, depth: 0.5 }, { width: 1.5, depth: 1 }, { width: 0, depth: 0 }, { width: 1, depth: 0.01 },
    ];
    const jobs = settings.flatMap((s, i) => [
      job(`b32-${i}`, { ...s, sofa: path.join(tmp, 'hrtf48.sofa') }),
      job(`b64-${i}`, { ...s, sofa: path.join(tmp, 'hrtf48.sofa'), conv: 'float64' }),
    ]);
    const refs = pythonRefs(jobs);
    const info = JSON.parse(fs.readFileSync(`${jobs[0]!.out}.json`, 'utf8'));
    const hrtf = await loadHrtf(path.join(tmp, 'hrtf48.sofa'), 48000);
    expect({ azimuth: hrtf.azimuth, elevation: hrtf.elevation, taps: hrtf.left.length }).toEqual({ azimuth: info.azimuth, elevation: info.elevation, taps: info.taps });
    for (const [i, s] of settings.entries()) {
      const out = await applyBinaural(s);
      const scale = peak(refs[2 * i]!);
      // Against the convolution in float64 (what this package computes): float32 rounding of the result
      // and of the filter's input, a few steps of the signal's peak.
      expect(worst(out, refs[2 * i + 1]!)).toBeLessThan(scale * 4e-7);
      // Against Distill's float32 FFT convolution: its rounding error, measured ~2e-7 of the peak here.
      expect(worst(out, refs[2 * i]!)).toBeLessThan(scale * 2e-6);
    }
    // Width 0 puts both ears in the centre.
    const centre = await applyBinaural({ width: 0, depth: 0 });
    expect(centre[0]).toEqual(centre[1]);
  });

  async function applyBinaural(s: { width: number; depth: number }, sofa = 'hrtf48.sofa', rate = 48000) {
    return applySpatialAsync(mono, rate, { mode: 'binaural', ...s, hrtfPath: path.join(tmp, sofa) });
  }

  test('61.9 an HRTF at 44.1 kHz is resampled to the signal\'s 48 kHz as torchaudio does; dual seed renders the average', async () => {
    const refs = pythonRefs([job('b44', { sofa: path.join(tmp, 'hrtf44.sofa'), conv: 'float64' })]);
    const hrtf = await loadHrtf(path.join(tmp, 'hrtf44.sofa'), 48000);
    expect(hrtf.fileSampleRate).toBe(44100);
    expect(hrtf.left.length).toBe(Math.ceil((128 * 48000) / 44100));
    const out = await applyBinaural({ width: 0.7, depth: 0.5 }, 'hrtf44.sofa');
    expect(worst(out, refs[0]!)).toBeLessThan(peak(refs[0]!) * 4e-7);
    // Dual seed in binaural mode: the channels' float32 average, rendered as one.
    const half = mono.map((v) => v * 0.5);
    const dual = await applySpatialToDualSeedAsync(mono, half, 48000, { mode: 'binaural', width: 0.7, depth: 0.5, hrtfPath: path.join(tmp, 'hrtf48.sofa') });
    const avg = mono.map((v, i) => Math.fround(v + half[i]!) * 0.5);
    const direct = await applySpatialAsync(avg, 48000, { mode: 'binaural', width: 0.7, depth: 0.5, hrtfPath: path.join(tmp, 'hrtf48.sofa') });
    expect(worst(dual, direct)).toBe(0);
  });

  test('61.10 the nearest measurement to azimuth 90, elevation 0 is the one used; of two equally near, the first', async () => {
    const layout = JSON.parse(fs.readFileSync(path.join(tmp, 'layout.json'), 'utf8'));
    const grid = await readSofaHrir(path.join(tmp, 'hrtf48.sofa'));
    expect([grid.azimuth, grid.elevation, grid.measurements, grid.sampleRate]).toEqual([90, 0, layout.positions.length, 48000]);
    const tie = await readSofaHrir(path.join(tmp, 'tie.sofa'));
    expect([tie.azimuth, tie.elevation]).toEqual([layout.tie[1][0], layout.tie[1][1]]);
    const ref = pythonRefs([job('tie', { sofa: path.join(tmp, 'tie.sofa'), depth: 0, width: 1 })]);
    const out = await applyBinaural({ width: 1, depth: 0 }, 'tie.sofa');
    expect(worst(out, ref[0]!)).toBeLessThan(peak(ref[0]!) * 2e-6);
  });

  test('61.11 unusable HRTF files: typed errors with stable codes, refused before anything of their declared size is read', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['missing.sofa', 'ERR_SDA_FILE', /cannot read HRTF file .*missing\.sofa: no such file/],
      ['text.sofa', 'ERR_SDA_HRTF', /not an HDF5 file, so not a SOFA file/],
      ['no_conventions.sofa', 'ERR_SDA_HRTF', /not a SOFA file: its global attribute Conventions is null/],
      ['netcdf_not_sofa.sofa', 'ERR_SDA_HRTF', /not a SOFA file: its global attribute Conventions is "CF-1\.8"/],
      ['no_ir.sofa', 'ERR_SDA_HRTF', /no Data\.IR dataset/],
      ['one_ear.sofa', 'ERR_SDA_HRTF', /1 receivers; binaural needs 2/],
      ['huge_taps.sofa', 'ERR_SDA_HRTF', new RegExp(`1073741824 samples; 1 to ${SOFA_LIMITS.maxTaps} are accepted`)],
      ['huge_measurements.sofa', 'ERR_SDA_HRTF', new RegExp(`268435456 measurements; 1 to ${SOFA_LIMITS.maxMeasurements} are accepted`)],
      ['', 'ERR_SDA_HRTF', /not a file/],
      // Hostile data (issue 21): each of these used to render (all-NaN float WAVs, silence, another file's data).
      ['ir_nan.sofa', 'ERR_SDA_HRTF', /Data\.IR measurement 10 holds NaN; impulse responses must be finite, at most 10000 in magnitude/],
      ['ir_inf.sofa', 'ERR_SDA_HRTF', /Data\.IR measurement 10 holds an infinite value/],
      ['ir_huge.sofa', 'ERR_SDA_HRTF', /Data\.IR measurement 10 holds the value 1e\+30; .* at most 10000 in magnitude/],
      ['ir_zero.sofa', 'ERR_SDA_HRTF', /Data\.IR measurement 10 is all zeros/],
      ['rate_47999.sofa', 'ERR_SDA_HRTF', /Data\.SamplingRate 47999 Hz cannot be resampled to 48000 Hz/],
      ['external_link.sofa', 'ERR_SDA_HRTF', /its data is in another file \(".*ir_target\.h5": an external link or external storage\); refused/],
      ['external_raw.sofa', 'ERR_SDA_HRTF', /its data is in another file \(".*ir_raw\.bin": an external link or external storage\); refused/],
    ];
    for (const [name, code, message] of cases) {
      const file = path.join(tmp, name);
      const t0 = Date.now();
      const e = await applySpatialAsync(mono, 48000, { mode: 'binaural', width: 0.7, depth: 0.5, hrtfPath: file }).catch((x: unknown) => x);
      expect({ name, code: (e as HrtfError).code }).toEqual({ name, code });
      expect(e).toBeInstanceOf(code === 'ERR_SDA_FILE' ? FileAccessError : HrtfError);
      expect((e as Error).message).toMatch(message);
      expect((e as Error).message).toContain(file);
      expect(Date.now() - t0).toBeLessThan(10000);
    }
    clearHrtfCache();
  });
});

describe('in the pipeline', () => {
  test('61.12 generate() with spatial binaural renders the model\'s mono output binaurally (.distill model, pythonCompat)', async () => {
    // Binaural output is linear in the signal, so the pipeline's binaural render is its mono render
    // (same seed and config) rendered binaurally and peak-levelled again, up to float32 rounding of the
    // two scalings. (Whether that mono render is Distill's is test/57.generate-distill's business.)
    const { GenerationPipeline, loadModel } = await import('../lib');
    const pipeline = new GenerationPipeline(await loadModel(path.join(GENUINE, 'distill/models/head_distill_public_fixture_latent_32.distill'), { device: 'cpu' }));
    try {
      const hrtfPath = path.join(tmp, 'hrtf48.sofa');
      const spatial = { mode: 'binaural' as const, width: 1.2, depth: 0.4, hrtfPath };
      const config = { duration: 3, seed: 42, pythonCompat: true };
      const [own] = (await pipeline.generate(config)).channels;
      const r = await pipeline.generate({ ...config, spatial });
      const expected = await applySpatialAsync(own!, 48000, spatial);
      await normalisePeakAsync(expected, 0.891);
      expect(r.channelCount).toBe(2);
      expect(worst(r.channels, expected)).toBeLessThanOrEqual(2 ** -22);
    } finally {
      pipeline.dispose();
    }
  });
});
