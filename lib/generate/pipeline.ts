/**
 * GenerationPipeline (SPEC 8): chunk latents, decode, invert, join, low-pass, stereo, normalise,
 * resample, quality, trim. TypeScript orchestrates; decoding, inversion and resampling run natively on
 * the model's device. One implementation serves both length behaviours (see GenerationConfig.pythonCompat).
 */
import { randomInt } from 'crypto';
import { AbortedError, InvalidArgumentError } from '../errors';
import { griffinLimIterations } from '../model/format';
import type { LoadedModel } from '../model/load-model';
import { validateGenerationConfig, type GenerationConfig } from './config';
import { exportResult, type ExportedFiles } from './export';
import { concatenate, crossfade } from './join';
import { interpolationPath } from './latent-path';
import { butterworthLowpass, sosfiltfilt } from './lowpass';
import { qualityReport, type QualityReport } from './quality';
import { TorchRng } from './rng';
import { resample, Spectrogram } from './spectrogram';
import { midSide } from './stereo';

/** The sample rate the Python app assumes for every model. */
export const APP_RATE = 48000;
export const PEAK_LEVEL = 0.891;
const LOWPASS_HZ = 20000;
const LOWPASS_ORDER = 8;
/** Chunks inverted per native call in the default mode (progress and abort granularity). */
const BATCH = 8;

export interface GenerationProgress {
  stage: 'decode' | 'invert' | 'finish';
  /** Chunks done of `total` (over both channels for dualSeed). */
  done: number;
  total: number;
}

export interface GenerateOptions {
  onProgress?: (p: GenerationProgress) => void;
  /** Stops the generation between chunks; the promise rejects with AbortedError. */
  signal?: AbortSignal;
}

export interface GenerationResult {
  /** One Float32Array per channel (1 mono, 2 stereo), all the same length. */
  channels: Float32Array[];
  sampleRate: number;
  quality: QualityReport;
  /** The validated config, with `seed` set to the seed used. */
  config: GenerationConfig;
  seedUsed: number;
  durationS: number;
  channelCount: number;
  modelName: string;
}

interface Job {
  config: GenerationConfig;
  seed: number;
  /** Internal sample rate. */
  rate: number;
  /** One plan per channel that is generated (two for dualSeed). */
  plans: Plan[];
}

interface Plan {
  /** Latent per chunk, in order. */
  latents: Float32Array[];
  /** Griffin-Lim initial phases per chunk (complex interleaved). */
  phases: Float32Array[];
  join: 'crossfade' | 'concat';
}

export class GenerationPipeline {
  readonly loaded: LoadedModel;
  readonly spectrogram: Spectrogram;

  constructor(loaded: LoadedModel) {
    this.loaded = loaded;
    this.spectrogram = new Spectrogram(loaded.spectrogram, { device: loaded.device });
  }

  /** Checks a config for this model (InvalidArgumentError names the allowed values). */
  validate(config: Partial<GenerationConfig>): GenerationConfig {
    return validateGenerationConfig(config, this.loaded.latentDim);
  }

  async generate(config: Partial<GenerationConfig>, options: GenerateOptions = {}): Promise<GenerationResult> {
    const job = this.prepare(this.validate(config));
    const progress = { done: 0, total: job.plans.reduce((n, p) => n + p.latents.length, 0) };
    const audio = await this.renderChunks(job.plans.flatMap((p) => p.latents), job.plans.flatMap((p) => p.phases), job.config.pythonCompat, progress, options);
    const result = await this.finish(job, audio);
    options.onProgress?.({ stage: 'finish', done: progress.total, total: progress.total });
    return result;
  }

  /**
   * Several generations on this model with their chunks decoded and inverted together, in native batches
   * of `batchSize` chunks (default 8 on CPU, 32 on a GPU): the same results as one generate() each, with
   * better use of the device. Python-compatible configs are rendered one by one, as the app does.
   * Every config is validated first; an invalid one throws before any work, naming its index.
   */
  async generateBatch(
    configs: Array<Partial<GenerationConfig>>,
    options: GenerateOptions & { batchSize?: number } = {},
  ): Promise<GenerationResult[]> {
    const jobs = configs.map((cfg, i) => {
      try {
        return this.prepare(this.validate(cfg));
      } catch (err) {
        if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(`configs[${i}]: ${err.message}`, { cause: err });
        throw err;
      }
    });
    const batchSize = options.batchSize ?? (this.loaded.device === 'cpu' ? BATCH : 4 * BATCH);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError(`batchSize must be a positive integer; got ${batchSize}`);
    const progress = { done: 0, total: jobs.reduce((n, j) => n + j.plans.reduce((m, p) => m + p.latents.length, 0), 0) };
    const results: GenerationResult[] = new Array(jobs.length);
    const shared = jobs.map((j, i) => [j, i] as const).filter(([j]) => !j.config.pythonCompat);
    const audio = await this.renderChunks(
      shared.flatMap(([j]) => j.plans.flatMap((p) => p.latents)),
      shared.flatMap(([j]) => j.plans.flatMap((p) => p.phases)),
      false,
      progress,
      options,
      batchSize,
    );
    let at = 0;
    for (const [job, i] of shared) {
      const n = job.plans.reduce((m, p) => m + p.latents.length, 0);
      results[i] = await this.finish(job, audio.slice(at, at + n));
      at += n;
    }
    for (const [job, i] of jobs.map((j, k) => [j, k] as const).filter(([j]) => j.config.pythonCompat)) {
      const own = await this.renderChunks(job.plans.flatMap((p) => p.latents), job.plans.flatMap((p) => p.phases), true, progress, options);
      results[i] = await this.finish(job, own);
    }
    options.onProgress?.({ stage: 'finish', done: progress.total, total: progress.total });
    return results;
  }

  /** Writes the sidecar JSON, then the WAV, atomically (see export.ts). */
  export(result: GenerationResult, dir: string, filename?: string): Promise<ExportedFiles> {
    return exportResult(result, dir, filename);
  }

  /** Frees the model (and with it the device memory of this pipeline). */
  dispose(): void {
    this.loaded.dispose();
  }

  /** Draws every latent and phase in the Python app's order, and decides the chunk count. */
  private plan(c: GenerationConfig, seed: number, rate: number): Plan {
    const d = this.loaded.latentDim;
    const [, frames] = this.loaded.model.melShape;
    const chunk = this.spectrogram.samplesFor(frames);
    const overlap = c.pythonCompat ? c.overlapSamples : Math.round((c.overlapSamples * rate) / APP_RATE);
    const need = Math.ceil(c.durationS * rate - 1e-9);
    const byDuration = Math.ceil(c.durationS / c.chunkDurationS - 1e-9);
    const rng = new TorchRng(seed);
    const phaseShape = [1, this.spectrogram.nFreqs, frames];
    const latents: Float32Array[] = [];
    const phases: Float32Array[] = [];
    // Default mode: as many chunks as the exact length needs (the app counts whole seconds).
    const crossfadeChunks = c.pythonCompat || chunk <= overlap ? byDuration : Math.max(1, Math.ceil((need - overlap) / (chunk - overlap)));

    if (c.latentVector) {
      const v = Float32Array.from(c.latentVector);
      for (let i = 0; i < crossfadeChunks; i++) {
        if (i === 0) latents.push(v);
        else {
          const p = rng.randn([d]);
          latents.push(v.map((x, j) => Math.fround(x + Math.fround(0.1 * p[j]!))));
        }
        phases.push(rng.randComplex(phaseShape)); // drawn when the chunk is inverted, before the next perturbation
      }
      return { latents, phases, join: 'crossfade' };
    }
    if (c.concatMode === 'crossfade') {
      for (let i = 0; i < crossfadeChunks; i++) latents.push(rng.randn([1, d]));
      for (let i = 0; i < crossfadeChunks; i++) phases.push(rng.randComplex(phaseShape));
      return { latents, phases, join: 'crossfade' };
    }
    // Latent interpolation: the app renders the whole path and trims; the default mode renders only the
    // points the duration needs (drawing enough anchors for them).
    const points = Math.ceil(need / chunk);
    const anchorsNeeded = c.pythonCompat ? byDuration : Math.max(byDuration, 1 + Math.ceil((points - 1) / c.stepsBetween));
    const anchors = Array.from({ length: anchorsNeeded }, () => rng.randn([1, d]));
    let path = interpolationPath(anchors, c.stepsBetween);
    if (!c.pythonCompat) path = path.slice(0, points);
    for (const p of path) {
      latents.push(p);
      phases.push(rng.randComplex(phaseShape));
    }
    return { latents, phases, join: 'concat' };
  }

  /** The seed, internal rate and per-channel plans of one generation (all RNG draws happen here). */
  private prepare(c: GenerationConfig): Job {
    const seed = c.seed ?? randomInt(0, 2 ** 31);
    const rate = c.pythonCompat ? APP_RATE : this.loaded.spectrogram.sampleRate;
    const channelSeeds = c.stereoMode === 'dualSeed' ? [seed, seed + 1] : [seed];
    return { config: c, seed, rate, plans: channelSeeds.map((s) => this.plan(c, s, rate)) };
  }

  /**
   * Decodes and inverts chunks in order, `batchSize` per native call (one at a time, bit-exact, for the
   * Python-compatible mode). Returns one waveform per chunk.
   */
  private async renderChunks(
    latents: Float32Array[],
    phases: Float32Array[],
    pythonCompat: boolean,
    progress: { done: number; total: number },
    o: GenerateOptions,
    batchSize = BATCH,
  ): Promise<Float32Array[]> {
    const { model } = this.loaded;
    const [nMels, frames] = model.melShape;
    const nIter = griffinLimIterations(this.loaded.format);
    const step = pythonCompat ? 1 : batchSize;
    const audio: Float32Array[] = [];
    for (let start = 0; start < latents.length; start += step) {
      throwIfAborted(o.signal);
      const idx = latents.slice(start, start + step);
      const b = idx.length;
      // One latent per decode call: a convolution's last bits depend on the batch it runs in, and
      // Griffin-Lim's momentum amplifies them, so a chunk must decode the same however jobs are batched
      // (a seed gives the same audio from generate(), generateBatch() and `sda batch`).
      const mel = { data: new Float32Array(b * nMels * frames) };
      for (let i = 0; i < b; i++) mel.data.set((await model.decode(idx[i]!)).data, i * nMels * frames);
      o.onProgress?.({ stage: 'decode', done: progress.done, total: progress.total });
      throwIfAborted(o.signal);
      const ph = new Float32Array(phases[start]!.length * b);
      phases.slice(start, start + b).forEach((p, i) => ph.set(p, i * p.length));
      const wave = await this.spectrogram.melToWaveform(
        { shape: [b, nMels, frames], data: mel.data },
        { nIter, phases: ph, solver: pythonCompat ? 'lstsq' : 'pinv', perItem: pythonCompat, fast: !pythonCompat },
      );
      const len = wave.shape[1]!;
      for (let i = 0; i < b; i++) audio.push(wave.data.subarray(i * len, (i + 1) * len));
      progress.done += b;
      o.onProgress?.({ stage: 'invert', done: progress.done, total: progress.total });
    }
    return audio;
  }

  /** Joins each channel's chunks, low-passes, then stereo, normalise, resample, quality, trim. */
  private async finish(job: Job, audio: Float32Array[]): Promise<GenerationResult> {
    const { config: c, rate, seed } = job;
    let at = 0;
    let channels = job.plans.map((plan) => {
      const chunks = audio.slice(at, at + plan.latents.length);
      at += plan.latents.length;
      return this.joinAndFilter(plan, chunks, c, rate);
    });
    const n = Math.min(...channels.map((ch) => ch.length));
    channels = channels.map((ch) => ch.subarray(0, n));
    if (c.stereoMode === 'midSide') channels = midSide(channels[0]!, rate, c.stereoWidth);
    normalisePeak(channels, PEAK_LEVEL);
    channels = await resample(channels, rate, c.sampleRate, this.loaded.device);
    const quality = qualityReport(channels, c.sampleRate);
    const length = c.pythonCompat ? Math.floor(c.durationS * c.sampleRate) : Math.round(c.durationS * c.sampleRate);
    channels = channels.map((ch) => (ch.length > length ? ch.slice(0, length) : ch));
    const samples = channels[0]!.length;
    return {
      channels,
      sampleRate: c.sampleRate,
      quality,
      config: { ...c, seed },
      seedUsed: seed,
      durationS: Math.round((samples / c.sampleRate) * 1000) / 1000,
      channelCount: channels.length,
      modelName: this.loaded.metadata.name,
    };
  }

  /** Joins one channel's chunks and low-passes the result. */
  private joinAndFilter(plan: Plan, audio: Float32Array[], c: GenerationConfig, rate: number): Float32Array {
    const joined = plan.join === 'crossfade'
      ? crossfade(audio, c.pythonCompat ? c.overlapSamples : Math.round((c.overlapSamples * rate) / APP_RATE), c.pythonCompat)
      : concatenate(audio);
    // The app filters at 48 kHz whatever the model; in the default mode a cutoff at or above the
    // model's Nyquist frequency is left out (nothing there to remove).
    if (LOWPASS_HZ >= rate / 2 || joined.length <= 3 * (LOWPASS_ORDER + 1)) return joined;
    return Float32Array.from(sosfiltfilt(butterworthLowpass(LOWPASS_ORDER, LOWPASS_HZ, rate), joined));
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError('generation was aborted', { cause: signal.reason });
}

/** Scales all channels together so the largest magnitude is `level` (float32 steps, as torch). */
export function normalisePeak(channels: Float32Array[], level: number): void {
  let peak = 0;
  for (const ch of channels) for (let i = 0; i < ch.length; i++) peak = Math.max(peak, Math.abs(ch[i]!));
  if (peak === 0) return;
  const p = Math.fround(peak);
  const l = Math.fround(level);
  for (const ch of channels) for (let i = 0; i < ch.length; i++) ch[i] = Math.fround(Math.fround(ch[i]! / p) * l);
}
