/**
 * GenerationPipeline (SPEC 8): chunk latents, decode, invert, join, low-pass, stereo, normalise,
 * resample, quality, trim. TypeScript orchestrates; decoding, inversion and resampling run natively on
 * the model's device. One implementation serves both length behaviours (see GenerationConfig.pythonCompat).
 */
import { randomInt } from 'crypto';
import { AbortedError } from '../errors';
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
    const c = this.validate(config);
    const seed = c.seed ?? randomInt(0, 2 ** 31);
    const rate = c.pythonCompat ? APP_RATE : this.loaded.spectrogram.sampleRate;
    const channelSeeds = c.stereoMode === 'dualSeed' ? [seed, seed + 1] : [seed];
    const progress = { done: 0, total: 0 };
    const plans = channelSeeds.map((s) => this.plan(c, s, rate));
    progress.total = plans.reduce((n, p) => n + p.latents.length, 0);

    let channels: Float32Array[] = [];
    for (const plan of plans) channels.push(await this.render(plan, c, rate, progress, options));
    const n = Math.min(...channels.map((ch) => ch.length));
    channels = channels.map((ch) => ch.subarray(0, n));
    if (c.stereoMode === 'midSide') channels = midSide(channels[0]!, rate, c.stereoWidth);
    normalisePeak(channels, PEAK_LEVEL);
    channels = await resample(channels, rate, c.sampleRate, this.loaded.device);
    const quality = qualityReport(channels, c.sampleRate);
    const length = c.pythonCompat ? Math.floor(c.durationS * c.sampleRate) : Math.round(c.durationS * c.sampleRate);
    channels = channels.map((ch) => (ch.length > length ? ch.slice(0, length) : ch));
    options.onProgress?.({ stage: 'finish', done: progress.total, total: progress.total });
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

  /** Decodes and inverts the planned chunks, joins them and low-passes the result. */
  private async render(plan: Plan, c: GenerationConfig, rate: number, progress: { done: number; total: number }, o: GenerateOptions): Promise<Float32Array> {
    const { model } = this.loaded;
    const [nMels, frames] = model.melShape;
    const nIter = griffinLimIterations(this.loaded.format);
    const step = c.pythonCompat ? 1 : BATCH;
    const audio: Float32Array[] = [];
    for (let start = 0; start < plan.latents.length; start += step) {
      throwIfAborted(o.signal);
      const idx = plan.latents.slice(start, start + step);
      const b = idx.length;
      const z = new Float32Array(b * model.latentDim);
      idx.forEach((v, i) => z.set(v, i * model.latentDim));
      const mel = await model.decode(z);
      o.onProgress?.({ stage: 'decode', done: progress.done, total: progress.total });
      throwIfAborted(o.signal);
      const ph = new Float32Array(plan.phases[0]!.length * b);
      plan.phases.slice(start, start + b).forEach((p, i) => ph.set(p, i * p.length));
      const wave = await this.spectrogram.melToWaveform(
        { shape: [b, nMels, frames], data: mel.data },
        { nIter, phases: ph, solver: c.pythonCompat ? 'lstsq' : 'pinv', perItem: c.pythonCompat, fast: !c.pythonCompat },
      );
      const len = wave.shape[1]!;
      for (let i = 0; i < b; i++) audio.push(wave.data.subarray(i * len, (i + 1) * len));
      progress.done += b;
      o.onProgress?.({ stage: 'invert', done: progress.done, total: progress.total });
    }
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
