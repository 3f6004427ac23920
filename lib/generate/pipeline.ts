/**
 * GenerationPipeline (SPEC 8): one pipeline for both model formats, with a plan per format chosen when a
 * config is prepared. A `.sda` model's plan (chunk-plan.ts) decodes and inverts chunks and joins their
 * waveforms; a `.distill` model's plan (distill-plan.ts) decodes a latent trajectory, overlap-adds the
 * mels and inverts once. Both then run the same finish (finish.ts). TypeScript orchestrates; decoding,
 * inversion and resampling run natively on the model's device. One implementation serves both length
 * behaviours (see GenerationConfig.pythonCompat).
 */
import { randomInt } from 'crypto';
import { DisposedError, InvalidArgumentError } from '../errors';
import type { LoadedModel } from '../model/load-model';
import { validateGenerationConfig, type GenerationConfig, type GenerationOptions } from './config';
import { exportResult, type ExportedFiles, type ExportOptions } from './export';
import { planChunks, type Chunk, type ChunkPlan } from './chunk-plan';
import { planDistill, type DistillPlan } from './distill-plan';
import { finishChannels, PEAK_LEVEL, type FinishPlan } from './finish';
import { concatenateAsync, crossfadeAsync } from './join';
import { renderChunks, renderDistillChannel, type RenderContext } from './render';
import { migrateStereoMode } from './spatial';
import type { GeneratedItem, GenerateManyOptions, GenerateOptions, GenerationProgress, GenerationResult } from './types';
import { Spectrogram } from '../native/spectrogram';
import { yieldToEventLoop } from '../util/slices';

/** The sample rate the Python app assumes for every model. */
export const APP_RATE = 48000;
/** Chunks inverted per native call in the default mode (progress and abort granularity). */
const BATCH = 8;

interface Job {
  config: GenerationConfig;
  seed: number;
  /** Internal sample rate. */
  rate: number;
  /**
   * The format's plan. `sda`: one chunk plan per rendered channel, their chunks drawn as rendered, joined
   * after inversion. `distill`: one overlap-add render per channel, each rendered alone.
   */
  plan: { kind: 'sda'; plans: ChunkPlan[] } | { kind: 'distill'; distill: DistillPlan };
  /** Rendered channels (two for dual seed). */
  channelCount: number;
  /** Progress units over all channels: chunks, or decode steps. */
  units: number;
  finish: FinishPlan;
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
  validate(config: GenerationOptions): GenerationConfig {
    return validateGenerationConfig(config, this.loaded.latentDim);
  }

  async generate(config: GenerationOptions, options: GenerateOptions = {}): Promise<GenerationResult> {
    const job = this.prepare(this.validate(config));
    const [item] = await collect(this.stream([job], BATCH, options));
    return item!.result;
  }

  /**
   * Several generations on this model, yielded as each finishes, in the order given: `{ index, result }`.
   * Chunks of consecutive generations are decoded and inverted together, `batchSize` per native call
   * (default 8 on CPU, 32 on a GPU). A chunk's latent (and, in the Python-compatible mode, its phase) is
   * drawn only when its batch is rendered, and a result is let go once the consumer asks for the next, so
   * memory holds the batch being rendered and the few generations it belongs to, however many configs are
   * given and however long they are.
   * Each result is the one generate() gives for its config (the same seed gives the same audio). Python-
   * compatible configs of a `.sda` model are rendered alone, chunk by chunk, as the app does; every config
   * of a `.distill` model is rendered alone (its plan inverts one whole mel per channel, so `batchSize`
   * does not apply). Every config is validated and planned here, before any work: an invalid one throws
   * at once, naming its index.
   */
  generateMany(configs: readonly GenerationOptions[], options: GenerateManyOptions = {}): AsyncGenerator<GeneratedItem, void, undefined> {
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
  async generateBatch(configs: readonly GenerationOptions[], options: GenerateManyOptions = {}): Promise<GenerationResult[]> {
    const results: GenerationResult[] = new Array(configs.length);
    for await (const { index, result } of this.generateMany(configs, options)) results[index] = result;
    return results;
  }

  /**
   * Writes the sidecar JSON, then the audio file, atomically (see export.ts), as `options` say: `format`
   * ('wav' default, 'flac', 'ogg', 'mp3'), `bitDepth` ('16', '24' default, '32f'), `tags` (FLAC, Ogg,
   * MP3), `fileName`, `overwrite` (default true). The result is not changed, so it can be exported again
   * in another form.
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

  /** The seed, internal rate and the format's plan of one generation (nothing is drawn yet). */
  private prepare(c: GenerationConfig): Job {
    const seed = c.seed ?? randomInt(0, 2 ** 31);
    const { loaded, spectrogram } = this;
    const distill = loaded.format === 'distill_model';
    // An explicit spatial config wins (no dual seed); otherwise a `.distill` model migrates stereoMode as
    // Distill does, and a `.sda` model keeps the `.sda` app's stereo.
    const spatial = c.spatial ?? (distill ? migrateStereoMode(c.stereoMode, c.stereoWidth) : null);
    const dualSeed = c.spatial === null && c.stereoMode === 'dual-seed';
    const seeds = dualSeed ? [seed, seed + 1] : [seed];
    const [nMels, frames] = loaded.model.melShape;
    const finish = (rate: number): FinishPlan => ({ config: c, rate, spatial, dualSeed, qualityFlattened: distill, device: loaded.device });
    if (distill) {
      const plan = planDistill(c, seeds, loaded.spectrogram.sampleRate, {
        latentDim: loaded.latentDim, nMels, decoderFrames: frames, hop: loaded.spectrogram.hopLength,
        nFreqs: spectrogram.nFreqs, minFrames: spectrogram.minInvertibleFrames,
      });
      const units = plan.channels.reduce((n, ch) => n + ch.steps.steps, 0);
      return { config: c, seed, rate: plan.rate, plan: { kind: 'distill', distill: plan }, channelCount: seeds.length, units, finish: finish(plan.rate) };
    }
    const rate = c.pythonCompat ? APP_RATE : loaded.spectrogram.sampleRate;
    const geometry = { latentDim: loaded.latentDim, nFreqs: spectrogram.nFreqs, frames, chunkSamples: spectrogram.samplesFor(frames) };
    const plans = seeds.map((s) => planChunks(c, s, rate, overlapAt(c, rate), geometry));
    const units = plans.reduce((n, p) => n + p.count, 0);
    return { config: c, seed, rate, plan: { kind: 'sda', plans }, channelCount: seeds.length, units, finish: finish(rate) };
  }

  /**
   * Renders the jobs in order and yields each as it finishes. `.sda` chunks are drawn (latent, and phase
   * in the Python-compatible mode) only to fill the next native batch: at most `batchSize` drawn and not
   * yet rendered, and only the jobs those chunks belong to are held. A Python-compatible `.sda` job is rendered alone, one chunk per call; a
   * `.distill` job is rendered alone, its channels one after the other (one inversion each).
   */
  private async *stream(queue: Array<Job | null>, batchSize: number, o: GenerateOptions): AsyncGenerator<GeneratedItem, void, undefined> {
    const ctx: RenderContext = {
      loaded: this.loaded, spectrogram: this.spectrogram, options: o, progress: { done: 0, total: queue.reduce((n, j) => n + j!.units, 0) },
    };
    const started: Rendering[] = [];
    let batch: Array<{ to: Rendering; plan: number; chunk: Chunk }> = [];
    const render = async () => {
      if (batch.length === 0) return;
      const taken = batch;
      batch = []; // the chunks go with the native call
      const waves = await renderChunks(ctx, taken.map((b) => b.chunk), taken[0]!.to.job.config.pythonCompat);
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
      const { plan } = job;
      const alone = job.config.pythonCompat || plan.kind === 'distill';
      if (alone) {
        await render();
        yield* finished();
      }
      const r: Rendering = { index, job, audio: Array.from({ length: job.channelCount }, () => []), left: job.channelCount };
      started.push(r);
      if (plan.kind === 'distill') {
        for (const [k, ch] of plan.distill.channels.entries()) {
          r.audio[k]!.push(await renderDistillChannel(ctx, ch, job.config.pythonCompat));
          r.left--;
        }
        yield* finished();
        continue;
      }
      r.left = job.units;
      for (let p = 0; p < plan.plans.length; p++) {
        const { chunks } = plan.plans[p]!;
        for (let next = chunks.next(); !next.done; next = chunks.next()) {
          batch.push({ to: r, plan: p, chunk: next.value });
          if (alone || batch.length >= batchSize) {
            await render();
            yield* finished();
          } else {
            await yieldToEventLoop(); // a draw can take ~1 ms (a slider's stream advanced past a phase): not back to back
          }
        }
      }
    }
    await render();
    yield* finished();
    o.onProgress?.({ stage: 'finish', done: ctx.progress.total, total: ctx.progress.total });
  }

  /** Joins each channel's pieces (`audio[k]`, let go once joined), then the shared finish. */
  private async finish(job: Job, audio: Float32Array[][]): Promise<GenerationResult> {
    const { config: c, rate, seed, plan } = job;
    const rendered: Float32Array[] = [];
    for (let k = 0; k < audio.length; k++) {
      const pieces = audio[k]!;
      audio[k] = [];
      if (plan.kind === 'distill') rendered.push(pieces[0]!);
      else if (plan.plans[k]!.join === 'crossfade') rendered.push(await crossfadeAsync(pieces, overlapAt(c, rate), c.pythonCompat));
      else rendered.push(await concatenateAsync(pieces));
    }
    const { channels, quality } = await finishChannels(job.finish, rendered);
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
