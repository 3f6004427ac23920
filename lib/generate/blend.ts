/**
 * Blending up to four models (Distill's `inference/blending.py`). Each model gets its latent vector from
 * the same slider positions (slider i of every model that has one; its latent mean where a model has no
 * analysis) and a weight from 0 to 100, normalised over the models weighted above 0. `latent` mode
 * averages the vectors and renders the average with the first of those models; `audio` mode renders
 * every model with its own vector and averages the waveforms (shorter ones padded with silence, no
 * second peak level, as Distill). A single model weighted above 0 is rendered as it is, not blended.
 */
import { randomInt } from 'node:crypto';
import { InvalidArgumentError } from '../errors';
import { slidersToLatent } from '../controls/sliders';
import type { LoadedModel } from '../model/load-model';
import type { GenerationOptions } from './config';
import { GenerationPipeline } from './pipeline';
import { type GenerateOptions, type GenerationResult } from './types';
import { qualityReportAsync } from './quality';
import { runSliced, type SliceOptions } from '../util/slices';
import { concatenateAsync } from './join';

/** `latent`: average the latent vectors, render once (equal latent sizes); `audio`: average the renders. */
export type BlendMode = 'latent' | 'audio';
export const BLEND_MODES: readonly BlendMode[] = Object.freeze(['latent', 'audio']);
/** Distill's limit on models loaded for blending. */
export const MAX_BLEND_MODELS = 4;

/** One model of a blend: a pipeline (or a loaded model, given a pipeline for the call) and its weight. */
export type BlendSource = { weight: number } & ({ pipeline: GenerationPipeline; model?: undefined } | { model: LoadedModel; pipeline?: undefined });

export interface BlendOptions extends GenerateOptions {
  /** `latent` (default, as Distill's blend engine starts) or `audio`; the CLI's `--blend-mode`. */
  blendMode?: BlendMode;
  /**
   * Slider positions shared by the models (default all 0, each model's latent mean): position i moves
   * slider i of every model that has one. Positions past a model's sliders are not used for it.
   */
  sliders?: readonly number[];
}

/** Weights (0 to 100) normalised to sum to 1 (Distill's `normalize_weights`; all 0: equal shares). */
export function normaliseBlendWeights(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) return weights.map(() => 1 / weights.length);
  return weights.map((w) => w / total);
}

/**
 * Renders a blend of 1 to 4 models with `config` (the GenerationOptions of generate(), without
 * `latentVector`: the vectors come from `options.sliders`). All models use one seed (drawn once when the
 * config has none). The result's `modelName` joins the blended models' names with " + ".
 */
export async function generateBlend(sources: readonly BlendSource[], config: GenerationOptions, options: BlendOptions = {}): Promise<GenerationResult> {
  const { blendMode: mode = 'latent', sliders = [], ...generateOptions } = options;
  checkBlend(sources, config, mode, sliders);
  const owned: GenerationPipeline[] = [];
  try {
    const active = sources.flatMap((s, index) => {
      if (!(s.weight > 0)) return [];
      let pipeline = s.pipeline;
      if (!pipeline) owned.push((pipeline = new GenerationPipeline(s.model!)));
      return [{ pipeline, weight: s.weight, index }];
    });
    const seed = config.seed ?? randomInt(0, 2 ** 31);
    const vectors = active.map((a) => latentFor(a.pipeline.loaded, sliders, a.index));
    const names = active.map((a) => a.pipeline.loaded.metadata.name);
    const render = (i: number, latentVector: Float32Array) => active[i]!.pipeline.generate({ ...config, seed, latentVector }, generateOptions);
    if (active.length === 1) return await render(0, vectors[0]!);
    const weights = normaliseBlendWeights(active.map((a) => a.weight));
    if (mode === 'latent') {
      const dims = active.map((a) => a.pipeline.loaded.latentDim);
      if (new Set(dims).size > 1) {
        throw new InvalidArgumentError(
          `latent blending needs models of one latent size; these have ${active.map((a, i) => `${JSON.stringify(names[i])}: ${dims[i]}`).join(', ')}. ` +
            'Use blendMode "audio" to blend models of different latent sizes.',
        );
      }
      const result = await render(0, averageVectors(vectors, weights));
      return { ...result, modelName: names.join(' + ') };
    }
    const results: GenerationResult[] = [];
    for (let i = 0; i < active.length; i++) results.push(await render(i, vectors[i]!));
    return await averageResults(results, weights, names.join(' + '), active[0]!.pipeline.loaded.format === 'distill_model', generateOptions);
  } finally {
    // A pipeline made here for a loaded model frees only its spectrogram: the model stays the caller's.
    for (const p of owned) p.spectrogram.dispose();
  }
}

function checkBlend(sources: readonly BlendSource[], config: GenerationOptions, mode: unknown, sliders: unknown): void {
  if (!Array.isArray(sources) || sources.length < 1 || sources.length > MAX_BLEND_MODELS) {
    throw new InvalidArgumentError(`a blend takes 1 to ${MAX_BLEND_MODELS} models; got ${Array.isArray(sources) ? sources.length : typeof sources}`);
  }
  sources.forEach((s, i) => {
    if (typeof s !== 'object' || s === null || (!s.pipeline === !s.model)) throw new InvalidArgumentError(`blend source ${i} must have a pipeline or a model (one of them)`);
    if (typeof s.weight !== 'number' || !Number.isFinite(s.weight) || s.weight < 0 || s.weight > 100) {
      throw new InvalidArgumentError(`blend source ${i}: weight must be a number from 0 to 100; got ${JSON.stringify(s.weight)}`);
    }
  });
  if (!sources.some((s) => s.weight > 0)) throw new InvalidArgumentError('every blend weight is 0: give at least one model a weight above 0');
  if (!BLEND_MODES.includes(mode as BlendMode)) throw new InvalidArgumentError(`blendMode must be "latent" or "audio"; got ${JSON.stringify(mode)}`);
  if (!Array.isArray(sliders)) throw new InvalidArgumentError('blend sliders must be an array of slider positions');
  if (config.latentVector !== undefined && config.latentVector !== null) {
    throw new InvalidArgumentError('a blend takes its latent vectors from slider positions (option "sliders"), not from latentVector');
  }
}

/** The latent vector of one model for the shared slider positions (Distill's `_build_latent_for_slot`). */
function latentFor(loaded: LoadedModel, sliders: readonly number[], index: number): Float32Array {
  const a = loaded.analysis;
  if (!a) return new Float32Array(loaded.latentDim); // no analysis: the latent mean, zeros
  const positions = Array.from({ length: a.nActiveComponents }, (_, i) => sliders[i] ?? 0);
  try {
    return slidersToLatent(positions, a);
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`blend source ${index} (${loaded.metadata.name}): ${e.message}`, { cause: e });
    throw e;
  }
}

/** `sum(w * z)` accumulated in float32, as numpy's `blended += w * z` with float32 arrays. */
function averageVectors(vectors: Float32Array[], weights: number[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  vectors.forEach((z, k) => {
    const w = Math.fround(weights[k]!);
    for (let j = 0; j < out.length; j++) out[j] = out[j]! + Math.fround(w * z[j]!);
  });
  return out;
}

/**
 * The weighted average of the renders, in float32 as Distill's `blend_audio_domain` (each padded with
 * zeros to the longest), with its quality report: over the channels one after the other when the first
 * model is a `.distill` one (Distill rates the flattened array), per channel as the `.sda` app otherwise.
 */
async function averageResults(results: GenerationResult[], weights: number[], modelName: string, flattened: boolean, o: SliceOptions): Promise<GenerationResult> {
  const first = results[0]!;
  if (results.some((r) => r.channelCount !== first.channelCount || r.sampleRate !== first.sampleRate)) {
    throw new InvalidArgumentError('audio blending needs renders of one channel count and sample rate');
  }
  const n = Math.max(...results.map((r) => r.channels[0]!.length));
  const channels = await runSliced((function* () {
    const out = first.channels.map(() => new Float32Array(n));
    for (const [k, r] of results.entries()) {
      const w = Math.fround(weights[k]!);
      for (const [c, ch] of r.channels.entries()) {
        const dst = out[c]!;
        yield {
          n: ch.length,
          grain: 8192,
          body: (s: number, e: number) => {
            for (let i = s; i < e; i++) dst[i] = dst[i]! + Math.fround(w * ch[i]!);
          },
        };
      }
    }
    return out;
  })(), o);
  const rated = flattened && channels.length > 1 ? [await concatenateAsync(channels, o)] : channels;
  return {
    channels,
    sampleRate: first.sampleRate,
    quality: await qualityReportAsync(rated, first.sampleRate, o),
    // No one latent vector made this audio (Distill's result keeps the config it was given).
    config: { ...first.config, latentVector: null },
    seedUsed: first.seedUsed,
    duration: Math.round((n / first.sampleRate) * 1000) / 1000,
    channelCount: channels.length,
    modelName,
  };
}
