// `.distill` models: Distill's generation (overlap-added mels, one Griffin-Lim) reproduced from the same
// seed with pythonCompat, the intermediates it is built from, and the default mode's length and fidelity.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AbortedError, GenerationPipeline, InvalidArgumentError, getNumThreads, loadModel, type GenerationConfig } from '../lib';
import { drawAnchors, planDistill, synthesizeMel, trajectoryOf, type DistillGeometry } from '../lib/generate/distill-plan';
import { TorchRng } from '../lib/native/rng';
import { GENUINE, ROOT } from './helpers/paths';
import { runPython } from './helpers/python';
import { sda, tmpDir } from './helpers/cli';
import { configToPythonDict } from '../lib/generate/sidecar';
import type { BitDepth } from '../lib/generate/wav';
import { applySpatialAsync } from '../lib/generate/spatial';
import { midSideAsync } from '../lib/generate/stereo';
import { maxAbsDiff, readNpy } from './helpers/npy';
import { correlation } from './helpers/signal';
import { expectTorchCorrelation, readPythonRecord } from './helpers/torch-interop';

const DIR = path.join(GENUINE, 'distill');
const REFS = path.join(DIR, 'refs');
const gen = JSON.parse(fs.readFileSync(path.join(REFS, 'generation.json'), 'utf8'));
const sliderVectors = readNpy(path.join(REFS, 'slider_vectors.npy'));

/** A Distill GenerationConfig (as generation.json records it) in the package's vocabulary. */
function ourConfig(py: Record<string, any>): Partial<GenerationConfig> {
  const stereo: Record<string, GenerationConfig['stereoMode']> = { mono: 'mono', mid_side: 'mid-side', dual_seed: 'dual-seed' };
  return {
    duration: py.duration_s,
    seed: py.seed,
    chunkDuration: py.chunk_duration_s,
    concatMode: py.concat_mode === 'latent_interpolation' ? 'interpolation' : 'crossfade',
    stereoMode: stereo[py.stereo_mode],
    stereoWidth: py.stereo_width,
    spatial: py.spatial ? { mode: py.spatial.mode, width: py.spatial.width, depth: py.spatial.depth } : null,
    sampleRate: py.sample_rate,
    stepsBetween: py.steps_between,
    overlapSamples: py.overlap_samples,
    evolutionAmount: py.evolution_amount,
    // The slider runs record their vector as a row of slider_vectors.npy.
    latentVector: py.latent_vector ? sliderVectors.data.slice(py.latent_vector.row * 32, (py.latent_vector.row + 1) * 32) : null,
    pythonCompat: true,
  };
}

let pipeline: GenerationPipeline;
beforeAll(async () => {
  pipeline = new GenerationPipeline(await loadModel(path.join(DIR, 'models/head_distill_public_fixture_latent_32.distill'), { device: 'cpu' }));
});
afterAll(() => pipeline?.dispose());

function geometry(): DistillGeometry {
  const { loaded, spectrogram } = pipeline;
  return {
    latentDim: loaded.latentDim, nMels: loaded.model.melShape[0], decoderFrames: loaded.model.melShape[1],
    hop: loaded.spectrogram.hopLength, nFreqs: spectrogram.nFreqs, minFrames: spectrogram.minInvertibleFrames,
  };
}

const snr = (v: number | string) => (typeof v === 'string' ? Number(v) : v); // the refs write Infinity as a string

/**
 * Griffin-Lim over a whole multi-second mel (128 iterations, momentum 0.99) is chaotic in the last bits of
 * its FFTs: the same torch 2.13 running Distill's inversion on this machine's CPU (test/python/
 * distill_griffinlim.py on Distill's own stored mel and phase) gives 0.99976 against crossfade_3s and
 * 0.99857 against sliders_evo0p5_4s (thread count alone moves it by 2e-4); the references were made on
 * another CPU. Ours equals torch's here (57.5), so the bar is 0.999 except where Distill's own code run
 * here does not reach it.
 */
const BAR: Record<string, number> = { sliders_evo0p5_4s: 0.998 };

describe('57.1 pythonCompat reproduces every Distill run', () => {
  test.each(Object.keys(gen.runs))('%s: same length and channels, correlation >= 0.999, same quality', async (name) => {
    const run = gen.runs[name];
    const config = ourConfig(run.config);
    const result = await pipeline.generate(config);
    const want = readNpy(path.join(REFS, run.file));
    const n = run.shape[run.shape.length - 1];
    expect(result.channelCount).toBe(run.channels);
    expect(result.sampleRate).toBe(run.sample_rate);
    expect(result.seedUsed).toBe(run.seed_used);
    for (let ch = 0; ch < run.channels; ch++) {
      const ref = want.data.subarray(ch * n, (ch + 1) * n);
      expect(result.channels[ch]!.length).toBe(n);
      expect(correlation(result.channels[ch]!, ref)).toBeGreaterThanOrEqual(BAR[name] ?? 0.999);
    }
    const q = run.quality;
    if (Number.isFinite(snr(q.snr_db))) expect(Math.abs(result.quality.snrDb - snr(q.snr_db))).toBeLessThanOrEqual(0.1);
    else expect(result.quality.snrDb).toBe(snr(q.snr_db));
    expect(result.quality.clipping.clippedSamples).toBe(q.clipping.clipped_samples);
    // After resampling, the peak is a sample of a waveform that agrees to correlation 0.999: 1e-3 (0.01 dB).
    expect(Math.abs(result.quality.clipping.peakValue - q.clipping.peak_value)).toBeLessThan(1e-3);
    expect(result.quality.clipping.hasClipping).toBe(q.clipping.has_clipping);
    expect(result.quality.rating).toBe(q.rating);
    expect(result.quality.ratingReason).toBe(q.rating_reason);
  });
});

describe('57.2 the intermediates equal Distill\'s', () => {
  test('crossfade 3 s: 3 anchors, 5 trajectory points and the overlap-added mel', async () => {
    const run = gen.runs.crossfade_3s;
    const c = pipeline.validate(ourConfig(run.config));
    const plan = planDistill(c, [42], 48000, geometry()).channels[0]!;
    expect(plan.steps.steps).toBe(run.derived_from_head_helpers.num_decode_steps);
    expect(plan.steps.totalFrames).toBe(run.derived_from_head_helpers.total_mel_frames);
    expect(plan.anchorCount).toBe(run.derived_from_head_helpers.num_anchors);
    const trajectory = trajectoryOf(plan, drawAnchors(plan, new TorchRng(42), 32));
    const want = readNpy(path.join(REFS, 'inter_crossfade_3s_trajectory.npy'));
    expect(trajectory).toHaveLength(want.shape[0]!);
    // float32 SLERP of unit-scale vectors: a few ulps apart at most.
    expect(maxAbsDiff(concat(trajectory), want.data)).toBeLessThan(1e-5);
    await expectMel(plan, trajectory, 'inter_crossfade_3s_mel.npy');
  });

  test('sliders with evolution 0.5: the slider vector and 2 evolved anchors, 7 points, the mel', async () => {
    const run = gen.runs.sliders_evo0p5_4s;
    const c = pipeline.validate(ourConfig(run.config));
    const plan = planDistill(c, [42], 48000, geometry()).channels[0]!;
    const anchors = drawAnchors(plan, new TorchRng(42), 32);
    expect(maxAbsDiff(concat(anchors), readNpy(path.join(REFS, 'inter_sliders_evo0p5_4s_anchors.npy')).data)).toBeLessThan(1e-5);
    const trajectory = trajectoryOf(plan, anchors);
    expect(maxAbsDiff(concat(trajectory), readNpy(path.join(REFS, 'inter_sliders_evo0p5_4s_trajectory.npy')).data)).toBeLessThan(1e-5);
    await expectMel(plan, trajectory, 'inter_sliders_evo0p5_4s_mel.npy');
  });
});

const N_ITER_57_5 = 16;

describe('57.5 the inversion is torch\'s own', () => {
  test.each([
    ['inter_crossfade_3s_mel.npy', 3],
    ['inter_sliders_evo0p5_4s_mel.npy', 2],
  ])('%s: Griffin-Lim of Distill\'s mel equals this machine\'s torch (Python), correlation >= 0.99999', async (file, draws) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda57-'));
    const out = path.join(dir, 'wave.npy');
    // Same thread count on both sides (the solver's and FFTs' last bits may depend on it), and 16 of
    // Distill's 128 iterations: the same solver, phase draw and update, without Griffin-Lim's chaos, which
    // turns any last-bit difference into correlations of 0.97-0.9997 by the 128th iteration (57.1 covers
    // the full count against Distill's own output).
    const threads = String(getNumThreads());
    let torchWave: Float32Array;
    let python: unknown;
    try {
      runPython(path.join(ROOT, 'test/python/distill_griffinlim.py'), [path.join(REFS, file), '42', String(draws), threads, out, String(N_ITER_57_5)]);
      torchWave = readNpy(out).data;
      python = readPythonRecord(`${out}.numerics.json`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const mel = readNpy(path.join(REFS, file));
    const T = mel.shape[3]!;
    const rng = new TorchRng(42);
    for (let i = 0; i < draws; i++) rng.randn([1, 32]);
    const ours = await pipeline.spectrogram.melToWaveform(
      { shape: [1, 128, T], data: mel.data },
      { nIter: N_ITER_57_5, phases: rng.randComplex([1, pipeline.spectrogram.nFreqs, T]), solver: 'lstsq', perItem: true },
    );
    expect(ours.data.length).toBe((T - 1) * 512);
    const evidence = { python, inputs: { mel: mel.data } };
    await expectTorchCorrelation(`57.5 ${file}`, ours.data, torchWave, 0.99999, evidence);
  });
});

async function expectMel(plan: ReturnType<typeof planDistill>['channels'][number], trajectory: Float32Array[], file: string): Promise<void> {
  const { model } = pipeline.loaded;
  const nMels = model.melShape[0];
  const mel = await synthesizeMel(plan, trajectory, nMels, async (zs, frames) => [(await model.decode(zs[0]!, { targetShape: [nMels, frames] })).data]);
  const want = readNpy(path.join(REFS, file));
  expect(want.shape).toEqual([1, 1, nMels, plan.steps.totalFrames]);
  // Log-mel values of a few units; the Hann window (Math.cos vs torch's vectorised cos) and the decoder
  // agree with torch to float32 rounding: an ulp or two.
  expect(maxAbsDiff(mel, want.data)).toBeLessThan(1e-6);
}

function concat(vs: Float32Array[]): Float32Array {
  const out = new Float32Array(vs.reduce((n, v) => n + v.length, 0));
  let at = 0;
  for (const v of vs) {
    out.set(v, at);
    at += v.length;
  }
  return out;
}

describe('57.3 the default mode', () => {
  test.each([
    [3, 48000], [2.5, 44100], [0.3, 96000], [1, 48000],
  ])('%s s at %s Hz: exactly round(duration * rate) samples', async (duration, sampleRate) => {
    const r = await pipeline.generate({ duration, sampleRate: sampleRate as GenerationConfig['sampleRate'], seed: 7 });
    expect(r.channels[0]!.length).toBe(Math.round(duration * sampleRate));
    let peak = 0;
    for (const v of r.channels[0]!) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeCloseTo(0.891, 5); // normalised after the trim: the samples written peak at the level
  });

  test('the same seed gives the same samples; another seed differs; stereo with depth has two channels', async () => {
    const a = await pipeline.generate({ duration: 2, seed: 11 });
    const b = await pipeline.generate({ duration: 2, seed: 11 });
    const other = await pipeline.generate({ duration: 2, seed: 12 });
    expect(Buffer.from(a.channels[0]!.buffer).equals(Buffer.from(b.channels[0]!.buffer))).toBe(true);
    expect(Math.abs(correlation(a.channels[0]!, other.channels[0]!))).toBeLessThan(0.9);
    const dual = await pipeline.generate({ duration: 2, seed: 11, stereoMode: 'dual-seed' });
    expect(dual.channelCount).toBe(2);
    expect(Math.abs(correlation(dual.channels[0]!, dual.channels[1]!))).toBeLessThan(0.9);
  });

  test('progress counts decode steps; an abort stops between steps with AbortedError', async () => {
    const seen: Array<{ stage: string; done: number; total: number }> = [];
    await pipeline.generate({ duration: 3, seed: 1 }, { onProgress: (p) => seen.push({ ...p }) });
    // 3 s at 48 kHz: 283 frames needed, windows of 94 frames every 47: 6 steps.
    expect(seen.filter((p) => p.stage === 'decode').map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen.at(-1)).toEqual({ stage: 'finish', done: 6, total: 6 });
    const ac = new AbortController();
    const err = await pipeline
      .generate({ duration: 20, seed: 1 }, { signal: ac.signal, onProgress: (p) => p.done === 2 && ac.abort() })
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
  });

  test('generateMany gives each config what generate() gives', async () => {
    const configs: Array<Partial<GenerationConfig>> = [{ duration: 1.5, seed: 3 }, { duration: 1, seed: 4, spatial: { mode: 'stereo', width: 0.7, depth: 0.5 } }];
    const many = await pipeline.generateBatch(configs);
    for (const [i, c] of configs.entries()) {
      const one = await pipeline.generate(c);
      expect(many[i]!.channels.length).toBe(one.channels.length);
      many[i]!.channels.forEach((ch, k) => expect(Buffer.from(ch.buffer).equals(Buffer.from(one.channels[k]!.buffer))).toBe(true));
    }
  });

  test('is at least as close to its decoded mels as Distill\'s output (spectral convergence)', async () => {
    const run = gen.runs.crossfade_3s;
    const compat = await pipeline.generate(ourConfig(run.config));
    const ours = await pipeline.generate({ ...ourConfig(run.config), pythonCompat: false });
    const scCompat = await convergence(compat.channels[0]!, compat.config);
    const scOurs = await convergence(ours.channels[0]!, ours.config);
    // Both figures are printed for docs/generation.md.
    console.log(`57.3 spectral convergence, 3 s seed 42: default ${scOurs.toFixed(4)}, pythonCompat ${scCompat.toFixed(4)}`);
    // Measured 0.3762 vs 0.3779 (docs/generation.md); 2 % is room for FFT rounding on other CPUs and
    // thread counts, far below what a wrong mel, phase start or solver costs.
    expect(scOurs).toBeLessThanOrEqual(scCompat * 1.02);
  });
});

/**
 * || g |STFT(x)| - S || / || S ||, S the magnitude the overlap-added mel asks for (its inverse mel, square
 * root of the power), g the least-squares gain (the output is peak-normalised, S is not), over the frames
 * both cover.
 */
async function convergence(x: Float32Array, c: GenerationConfig): Promise<number> {
  const { spectrogram, loaded } = pipeline;
  const plan = planDistill(c, [c.seed!], loaded.spectrogram.sampleRate, geometry()).channels[0]!;
  const nMels = loaded.model.melShape[0];
  const trajectory = trajectoryOf(plan, drawAnchors(plan, new TorchRng(c.seed!), loaded.latentDim));
  const mel = await synthesizeMel(plan, trajectory, nMels, async (zs, frames) => [(await loaded.model.decode(zs[0]!, { targetShape: [nMels, frames] })).data]);
  const T = plan.steps.totalFrames;
  const power = await spectrogram.inverseMel({ shape: [1, nMels, T], data: mel.map((v) => Math.expm1(Math.max(0, v))) }, 'lstsq');
  const mag = await spectrogram.magnitude({ shape: [1, x.length], data: x });
  const frames = Math.min(mag.shape[2]!, T);
  const F = spectrogram.nFreqs;
  let xs = 0;
  let xx = 0;
  let ss = 0;
  for (let f = 0; f < F; f++) {
    for (let t = 0; t < frames; t++) {
      const a = mag.data[f * mag.shape[2]! + t]!;
      const s = Math.sqrt(Math.max(0, power.data[f * T + t]!));
      xs += a * s;
      xx += a * a;
      ss += s * s;
    }
  }
  const g = xs / xx;
  let num = 0;
  for (let f = 0; f < F; f++) {
    for (let t = 0; t < frames; t++) {
      const a = mag.data[f * mag.shape[2]! + t]!;
      const s = Math.sqrt(Math.max(0, power.data[f * T + t]!));
      num += (g * a - s) ** 2;
    }
  }
  return Math.sqrt(num / ss);
}

describe('57.4 config validation', () => {
  test.each([
    [{ evolutionAmount: 1.5 }, 'evolutionAmount must be a number in [0, 1]; got 1.5'],
    [{ evolutionAmount: 'lots' }, 'evolutionAmount must be a number in [0, 1]; got "lots"'],
    [{ spatial: { mode: 'surround' } }, 'spatial.mode must be one of "mono", "stereo", "binaural"; got "surround"'],
    [{ spatial: { mode: 'stereo', width: 2 } }, 'spatial.width must be a number from 0 to 1.5; got 2'],
    [{ spatial: { mode: 'stereo', depth: -0.1 } }, 'spatial.depth must be a number from 0 to 1; got -0.1'],
    [{ spatial: { mode: 'binaural' } }, 'spatial.mode "binaural" needs spatial.hrtfPath'],
    [{ spatial: { mode: 'stereo', level: 1 } }, 'unknown spatial option "level"'],
    [{ spatial: 'stereo' }, 'spatial must be null or an object'],
    [{ chunkDuration: 2 }, 'chunkDuration 2 asks this model for mel windows of 188 frames; its decoder makes 2 to 94'],
  ])('%j is refused: %s', async (config, message) => {
    // Refused before any work: validation, then the plan (a chunk's size needs the model).
    const err = await pipeline.generate(config as Partial<GenerationConfig>).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toContain(message);
  });

  test('defaults: evolutionAmount 0.5, spatial null; a partial spatial gets width 0.7 and depth 0.5', () => {
    const c = pipeline.validate({});
    expect(c.evolutionAmount).toBe(0.5);
    expect(c.spatial).toBeNull();
    expect(pipeline.validate({ spatial: { mode: 'stereo' } as GenerationConfig['spatial'] }).spatial).toEqual({ mode: 'stereo', width: 0.7, depth: 0.5 });
  });
});

describe('57.6 the sidecar and the command line', () => {
  const bitDepths: Record<string, BitDepth> = { '16-bit': '16', '24-bit': '24', '32-bit float': '32f' };

  test.each(Object.keys(gen.runs))('%s: the sidecar\'s generation block is Distill\'s config, fields in its order', (name) => {
    const run = gen.runs[name];
    const c = pipeline.validate(ourConfig(run.config));
    const ours = configToPythonDict(c, run.seed_used, bitDepths[run.config.bit_depth]!, 'wav');
    const { python_compat: compat, latent_vector: ourVector, ...rest } = ours;
    const { latent_vector: theirVector, ...theirs } = run.config;
    expect(compat).toBe(true); // ours, after Distill's fields
    expect(Object.keys(ours).slice(0, -1)).toEqual(Object.keys(run.config));
    expect(rest).toEqual(theirs);
    if (theirVector) expect(maxAbsDiff(ourVector as number[], sliderVectors.data.slice(theirVector.row * 32, (theirVector.row + 1) * 32))).toBe(0);
    else expect(ourVector).toBeNull();
  });

  test('sda generate --spatial stereo --depth 0.2 --stereo-width 1.1 --evolution-amount 0.3 renders and records them', () => {
    const out = tmpDir('distill-cli');
    const model = path.join(DIR, 'models/head_distill_public_fixture_latent_32.distill');
    const r = sda(['generate', model, '-d', '1.5', '-s', '5', '--spatial', 'stereo', '--depth', '0.2', '--stereo-width', '1.1',
      '--evolution-amount', '0.3', '--sliders', '0=3', '-o', out, '--name', 'take.wav']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const side = JSON.parse(fs.readFileSync(path.join(out, 'take.json'), 'utf8'));
    expect(side.generation.spatial).toEqual({ mode: 'stereo', width: 1.1, depth: 0.2 });
    expect(side.generation.evolution_amount).toBe(0.3);
    expect(side.audio.channels).toBe(2);
    expect(side.audio.duration_s).toBe(1.5);
    const bad = sda(['generate', model, '-d', '1', '--depth', '0.2', '-o', out]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('depth is the depth of a spatial mode');
  });
});

describe('57.7 spatial in the pipeline, both formats', () => {
  /** Per channel: `got` is `want` up to one gain (the pipeline normalises after spatial). */
  function expectProportional(got: Float32Array[], want: Float32Array[]): void {
    expect(got.length).toBe(want.length);
    got.forEach((ch, k) => expect(correlation(ch, want[k]!.subarray(0, ch.length))).toBeGreaterThan(0.99999));
  }

  test('.distill binaural with a SOFA file: two channels of exactly the length, the mono render through the HRTF', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda57-sofa-'));
    runPython(path.join(ROOT, 'test/python/make_sofa.py'), [dir]);
    const spatial = { mode: 'binaural' as const, width: 0.8, depth: 0.4, hrtfPath: path.join(dir, 'hrtf48.sofa') };
    const mono = await pipeline.generate({ duration: 1, seed: 3 });
    const binaural = await pipeline.generate({ duration: 1, seed: 3, spatial });
    expect(binaural.channelCount).toBe(2);
    expect(binaural.channels.map((ch) => ch.length)).toEqual([48000, 48000]);
    expectProportional(binaural.channels, await applySpatialAsync(mono.channels[0]!, 48000, spatial));
    expect(binaural.config.spatial).toEqual(spatial);
  });

  test('.sda with spatial stereo: the mono render through Distill\'s stereo with depth; without it, its own mid-side', async () => {
    const modelsDir = path.join(GENUINE, 'trained/models');
    const sda = new GenerationPipeline(await loadModel(path.join(modelsDir, fs.readdirSync(modelsDir).find((f) => f.endsWith('.sda'))!), { device: 'cpu' }));
    try {
      const spatial = { mode: 'stereo' as const, width: 1.2, depth: 0.6 };
      const mono = await sda.generate({ duration: 1.2, seed: 9 });
      const stereo = await sda.generate({ duration: 1.2, seed: 9, spatial, stereoMode: 'dual-seed' }); // spatial wins: no dual seed
      expect(stereo.channelCount).toBe(2);
      expectProportional(stereo.channels, await applySpatialAsync(mono.channels[0]!, 48000, spatial));
      const legacy = await sda.generate({ duration: 1.2, seed: 9, stereoMode: 'mid-side', stereoWidth: 1.2 });
      expectProportional(legacy.channels, await midSideAsync(mono.channels[0]!, 48000, 1.2));
    } finally {
      sda.dispose();
    }
  });
});
