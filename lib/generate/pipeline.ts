/**
 * GenerationPipeline (SPEC 8): chunk latents, decode, invert, join, low-pass, stereo, normalise,
 * resample, quality, trim. TypeScript orchestrates; decoding, inversion and resampling run natively on
 * the model's device. One implementation serves both length behaviours (see GenerationConfig.pythonCompat).
 */
import { randomInt } from 'crypto';
import { AbortedError, DisposedError, InvalidArgumentError } from '../errors';
import { griffinLimIterations } from '../model/format';
import type { LoadedModel } from '../model/load-model';
import { validateGenerationConfig, type GenerationConfig } from './config';
import { exportResult, type ExportedFiles, type ExportOptions } from './export';
import { planChunks, type Chunk, type ChunkPlan } from './chunk-plan';
import { concatenateAsync, crossfadeAsync } from './join';
import { butterworthLowpass, sosfiltfiltAsync } from './lowpass';
import { normalisePeakAsync } from './normalise';
import { qualityReportAsync, type QualityReport } from './quality';
import { resample, Spectrogram } from './spectrogram';
import { midSideAsync } from './stereo';
import { yieldToEventLoop } from '../util/slices';

/** The sample rate the Python app assumes for every model. */
export const APP_RATE = 48000;
export const PEAK_LEVEL = 0.891;
const LOWPASS_HZ = 20000;
const LOWPASS_ORDER = 8;
/** Chunks inverted per native call in the default mode (progress and abort granularity). */
const BATCH = 8;

export interface GenerationProgress {
  stage: 'decode' | 'invert' | 'finish';
  /** Chunks done of `total` (over both channels for `dual-seed`). */
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
  /** Seconds of audio in `channels` (rounded to the millisecond). */
  duration: number;
  channelCount: number;
  modelName: string;
}

/** One generation of a {@link GenerationPipeline.generateMany} stream, as it finishes. */
export interface GeneratedItem {
  /** The index of its config in the list given. */
  index: number;
  result: GenerationResult;
}

export interface GenerateManyOptions extends GenerateOptions {
  /**
   * Chunks decoded and inverted per native call (default 8 on CPU, 32 on a GPU); chunks of consecutive
   * generations share a call. At most this many chunks are drawn and not yet rendered at any time.
   */
  batchSize?: number;
}

interface Job {
  config: GenerationConfig;
  seed: number;
  /** Internal sample rate. */
  rate: number;
  /** One plan per channel that is generated (two for `dual-seed`); their chunks are drawn as rendered. */
  plans: ChunkPlan[];
  /** Chunks over all plans. */
  chunkCount: number;
}

/** A job being rendered: its chunks' waveforms, per plan, until all are in. */
interface Rendering {
  index: number;
  job: Job;
  audio: Float32Array[][];
  left: number;
}

export class GenerationPipeline {
  readonly loaded: LoadedModel;
  readonly spectrogram: Spectrogram;

  /** Throws DisposedError for a model that has been disposed. */
  constructor(loaded: LoadedModel) {
    if (loaded.model.disposed) throw new DisposedError('GenerationPipeline: this model has been disposed');
    this.loaded = loaded;
    this.spectrogram = new Spectrogram(loaded.spectrogram, { device: loaded.device });
    const frames = loaded.model.melShape[1];
    if (frames < this.spectrogram.minInvertibleFrames) {
      throw new InvalidArgumentError(
        `this model's chunks have ${frames} frames; Griffin-Lim needs at least ${this.spectrogram.minInvertibleFrames} ` +
          `with n_fft ${loaded.spectrogram.nFft} and hop ${loaded.spectrogram.hopLength}`,
      );
    }
  }

  /** Checks a config for this model (InvalidArgumentError names the allowed values). */
  validate(config: Partial<GenerationConfig>): GenerationConfig {
    return validateGenerationConfig(config, this.loaded.latentDim);
  }

  async generate(config: Partial<GenerationConfig>, options: GenerateOptions = {}): Promise<GenerationResult> {
    const job = this.prepare(this.validate(config));
    const [item] = await collect(this.stream([job], BATCH, options));
    return item!.result;
  }

  /**
   * Several generations on this model, yielded as each finishes, in the order given: `{ index, result }`.
   * Chunks of consecutive generations are decoded and inverted together, `batchSize` per native call
   * (default 8 on CPU, 32 on a GPU). A chunk's latent and phase are drawn only when its batch is rendered,
   * and a result is let go once the consumer asks for the next, so memory holds the batch being rendered
   * and the few generations it belongs to, however many configs are given and however long they are.
   * Each result is the one generate() gives for its config (the same seed gives the same audio). Python-
   * compatible configs are rendered alone, chunk by chunk, as the app does. Every config is validated
   * here, before any work: an invalid one throws at once, naming its index.
   */
  generateMany(configs: Array<Partial<GenerationConfig>>, options: GenerateManyOptions = {}): AsyncGenerator<GeneratedItem, void, undefined> {
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
    return this.stream(jobs, batchSize, options);
  }

  /**
   * generateMany, collected: the results in the order of `configs`. They are all held at the end; for many
   * or long generations, consume generateMany instead.
   */
  async generateBatch(configs: Array<Partial<GenerationConfig>>, options: GenerateManyOptions = {}): Promise<GenerationResult[]> {
    const results: GenerationResult[] = new Array(configs.length);
    for await (const { index, result } of this.generateMany(configs, options)) results[index] = result;
    return results;
  }

  /**
   * Writes the sidecar JSON, then the WAV, atomically (see export.ts), as `options` say: `bitDepth`
   * ('16', '24' default, '32f'), `fileName`, `overwrite` (default true), `format` ('wav'). The result is
   * not changed, so it can be exported again in another form.
   */
  export(result: GenerationResult, dir: string, options?: ExportOptions): Promise<ExportedFiles> {
    return exportResult(result, dir, options);
  }

  /** Frees the model and the spectrogram's device memory; later calls throw DisposedError. */
  dispose(): void {
    this.loaded.dispose();
    this.spectrogram.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** The seed, internal rate and per-channel chunk plans of one generation (nothing is drawn yet). */
  private prepare(c: GenerationConfig): Job {
    const seed = c.seed ?? randomInt(0, 2 ** 31);
    const rate = c.pythonCompat ? APP_RATE : this.loaded.spectrogram.sampleRate;
    const [, frames] = this.loaded.model.melShape;
    const geometry = {
      latentDim: this.loaded.latentDim, nFreqs: this.spectrogram.nFreqs, frames, chunkSamples: this.spectrogram.samplesFor(frames),
    };
    const channelSeeds = c.stereoMode === 'dual-seed' ? [seed, seed + 1] : [seed];
    const plans = channelSeeds.map((s) => planChunks(c, s, rate, overlapAt(c, rate), geometry));
    return { config: c, seed, rate, plans, chunkCount: plans.reduce((n, p) => n + p.count, 0) };
  }

  /**
   * Renders the jobs in order and yields each as it finishes. Chunks are drawn (latent, phase) only to fill
   * the next native batch: at most `batchSize` drawn and not yet rendered, and only the jobs those chunks
   * belong to are held. A Python-compatible job is rendered alone, one chunk per call.
   */
  private async *stream(queue: Array<Job | null>, batchSize: number, o: GenerateOptions): AsyncGenerator<GeneratedItem, void, undefined> {
    const progress = { done: 0, total: queue.reduce((n, j) => n + j!.chunkCount, 0) };
    const started: Rendering[] = [];
    let batch: Array<{ to: Rendering; plan: number; chunk: Chunk }> = [];
    const render = async () => {
      if (batch.length === 0) return;
      const taken = batch;
      batch = []; // the phases go with the native call
      const waves = await this.renderChunks(taken.map((b) => b.chunk), taken[0]!.to.job.config.pythonCompat, progress, o);
      taken.forEach((b, i) => {
        b.to.audio[b.plan]!.push(waves[i]!);
        b.to.left--;
      });
    };
    // The jobs at the head of `started` whose chunks are all in, finished and handed out in order.
    const self = this;
    async function* finished(): AsyncGenerator<GeneratedItem, void, undefined> {
      while (started.length > 0 && started[0]!.left === 0) {
        const r = started.shift()!;
        yield { index: r.index, result: await self.finish(r.job, r.audio) };
      }
    }
    for (let index = 0; index < queue.length; index++) {
      const job = queue[index]!;
      queue[index] = null; // held from here on only while it is being rendered
      const alone = job.config.pythonCompat;
      if (alone) {
        await render();
        yield* finished();
      }
      const r: Rendering = { index, job, audio: job.plans.map(() => []), left: job.chunkCount };
      started.push(r);
      for (let p = 0; p < job.plans.length; p++) {
        const { chunks } = job.plans[p]!;
        for (let next = chunks.next(); !next.done; next = chunks.next()) {
          batch.push({ to: r, plan: p, chunk: next.value });
          if (alone || batch.length >= batchSize) {
            await render();
            yield* finished();
          } else {
            await yieldToEventLoop(); // each phase draw is ~1 ms: a batch's draws do not run back to back
          }
        }
      }
    }
    await render();
    yield* finished();
    o.onProgress?.({ stage: 'finish', done: progress.total, total: progress.total });
  }

  /**
   * Decodes and inverts one batch of chunks in a native call (a single chunk, bit-exact, for the
   * Python-compatible mode). Returns one waveform per chunk.
   */
  private async renderChunks(
    chunks: Chunk[],
    pythonCompat: boolean,
    progress: { done: number; total: number },
    o: GenerateOptions,
  ): Promise<Float32Array[]> {
    const { model } = this.loaded;
    const [nMels, frames] = model.melShape;
    const nIter = griffinLimIterations(this.loaded.format);
    throwIfAborted(o.signal);
    const b = chunks.length;
    // One latent per decode call: a convolution's last bits depend on the batch it runs in, and
    // Griffin-Lim's momentum amplifies them, so a chunk must decode the same however jobs are batched
    // (a seed gives the same audio from generate(), generateMany() and `sda batch`).
    const mel = { data: new Float32Array(b * nMels * frames) };
    for (let i = 0; i < b; i++) mel.data.set((await model.decode(chunks[i]!.latent)).data, i * nMels * frames);
    o.onProgress?.({ stage: 'decode', done: progress.done, total: progress.total });
    throwIfAborted(o.signal);
    const ph = new Float32Array(chunks[0]!.phase.length * b);
    chunks.forEach((c, i) => ph.set(c.phase, i * c.phase.length));
    const wave = await this.spectrogram.melToWaveform(
      { shape: [b, nMels, frames], data: mel.data },
      { nIter, phases: ph, solver: pythonCompat ? 'lstsq' : 'pinv', perItem: pythonCompat, fast: !pythonCompat },
    );
    const len = wave.shape[1]!;
    const audio: Float32Array[] = [];
    for (let i = 0; i < b; i++) audio.push(wave.data.subarray(i * len, (i + 1) * len));
    progress.done += b;
    o.onProgress?.({ stage: 'invert', done: progress.done, total: progress.total });
    return audio;
  }

  /**
   * Joins each channel's chunks (`audio[k]`: plan k's waveforms, let go once joined), low-passes, then
   * stereo, and resample, trim, normalise, quality. `pythonCompat` keeps the app's order: normalise,
   * resample, quality, trim.
   */
  private async finish(job: Job, audio: Float32Array[][]): Promise<GenerationResult> {
    const { config: c, rate, seed } = job;
    let channels: Float32Array[] = [];
    for (let k = 0; k < job.plans.length; k++) {
      channels.push(await this.joinAndFilter(job.plans[k]!, audio[k]!, c, rate));
      audio[k] = [];
    }
    const n = Math.min(...channels.map((ch) => ch.length));
    channels = channels.map((ch) => ch.subarray(0, n));
    if (c.stereoMode === 'mid-side') channels = await midSideAsync(channels[0]!, rate, c.stereoWidth);
    const length = c.pythonCompat ? Math.floor(c.duration * c.sampleRate) : Math.round(c.duration * c.sampleRate);
    const trim = (chs: Float32Array[]) => chs.map((ch) => (ch.length > length ? ch.slice(0, length) : ch));
    // The app normalises and rates the whole rendered signal, then trims: a clip shorter than its chunks
    // (0.1 s of a 1 s chunk) then peaks below the level and its report describes samples that are cut.
    // The default mode trims first, so the peak level and the report describe the samples written.
    const appOrder = c.pythonCompat;
    if (!appOrder) channels = trim(await resample(channels, rate, c.sampleRate, this.loaded.device));
    await normalisePeakAsync(channels, PEAK_LEVEL);
    if (appOrder) channels = await resample(channels, rate, c.sampleRate, this.loaded.device);
    const quality = await qualityReportAsync(channels, c.sampleRate);
    channels = trim(channels);
    const samples = channels[0]!.length;
    return {
      channels,
      sampleRate: c.sampleRate,
      quality,
      config: { ...c, seed },
      seedUsed: seed,
      duration: Math.round((samples / c.sampleRate) * 1000) / 1000,
      channelCount: channels.length,
      modelName: this.loaded.metadata.name,
    };
  }

  /** Joins one channel's chunks and low-passes the result. */
  private async joinAndFilter(plan: ChunkPlan, audio: Float32Array[], c: GenerationConfig, rate: number): Promise<Float32Array> {
    const joined = plan.join === 'crossfade'
      ? await crossfadeAsync(audio, overlapAt(c, rate), c.pythonCompat)
      : await concatenateAsync(audio);
    // The app filters at 48 kHz whatever the model; in the default mode a cutoff at or above the
    // model's Nyquist frequency is left out (nothing there to remove).
    if (LOWPASS_HZ >= rate / 2 || joined.length <= 3 * (LOWPASS_ORDER + 1)) return joined;
    return sosfiltfiltAsync(butterworthLowpass(LOWPASS_ORDER, LOWPASS_HZ, rate), joined, { output: 'float32' });
  }
}

/** The crossfade in samples at the internal rate (`overlapSamples` is given at 48 kHz). */
function overlapAt(c: GenerationConfig, rate: number): number {
  return c.pythonCompat ? c.overlapSamples : Math.round((c.overlapSamples * rate) / APP_RATE);
}

/** Drains an async iterator into an array. */
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError('generation was aborted', { cause: signal.reason });
}
