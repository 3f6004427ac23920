/**
 * How a `.distill` model renders one channel, as Distill's `GenerationPipeline.generate` does it
 * (`inference/chunking.py`, `_generate_chunks_from_vector`): latent anchors drawn from the seed, a SLERP
 * trajectory of one point per decode step, every point decoded to a mel window, the windows overlap-added
 * (Hann, 50%), and ONE inverse mel + Griffin-Lim over the whole mel. The `.sda` plan (chunk-plan.ts)
 * instead inverts every chunk and joins the waveforms.
 *
 * `pythonCompat` takes Distill's arithmetic as it is: 48 kHz, whole chunks (`ceil(duration /
 * chunkDuration)` of `int(chunkDuration * 48000)` samples), the app's lstsq inverse mel and torchaudio's
 * Griffin-Lim. The default mode uses the model's own rate, decodes just the frames the exact length needs
 * and inverts with the pseudo-inverse and the fast Griffin-Lim.
 */
import { InvalidArgumentError } from '../errors';
import type { GenerationConfig } from './config';
import { MelOverlapAdd } from './overlap-add';
import { TorchRng } from '../native/rng';
import { decodeSteps, interpolateTrajectory, slerpDistill, type DecodeSteps } from './trajectory';

/** What the plan needs to know of the model. */
export interface DistillGeometry {
  latentDim: number;
  nMels: number;
  /** Frames of the decoder's default window (the widest it crops to). */
  decoderFrames: number;
  hop: number;
  /** Frequency bins of the linear spectrogram. */
  nFreqs: number;
  /** Griffin-Lim's frame minimum for this n_fft and hop. */
  minFrames: number;
}

/** One channel's overlap-add render, fixed by the config and its seed; nothing is drawn until it runs. */
export interface DistillChannelPlan {
  seed: number;
  steps: DecodeSteps;
  /** Frames given to Griffin-Lim: the whole mel, or (default mode) just those the length needs. */
  invertFrames: number;
  /** Anchors: `max(2, chunks)` random ones, or the slider vector and its evolved copies. */
  anchorCount: number;
  /** The slider vector, or null for random anchors. */
  vector: Float32Array | null;
  evolution: number;
}

/** The `.distill` plan of one generation: the internal rate and one channel plan per rendered channel. */
export interface DistillPlan {
  rate: number;
  channels: DistillChannelPlan[];
}

/**
 * The plan of one generation (`seeds`: one per rendered channel, two for dual seed). Throws
 * InvalidArgumentError for a chunk the decoder cannot produce (Distill fails on it too).
 */
export function planDistill(c: GenerationConfig, seeds: number[], modelRate: number, g: DistillGeometry): DistillPlan {
  const compat = c.pythonCompat;
  const rate = compat ? 48000 : modelRate;
  // Distill: `num_chunks = ceil(duration / chunk)`, `chunk_samples = int(chunk * 48000)` (exact float maths).
  const chunks = compat ? Math.ceil(c.duration / c.chunkDuration) : Math.max(1, Math.ceil(c.duration / c.chunkDuration - 1e-9));
  const chunkSamples = compat ? Math.trunc(c.chunkDuration * rate) : Math.round(c.chunkDuration * rate);
  const chunkFrames = Math.floor(chunkSamples / g.hop) + 1;
  if (chunkFrames > g.decoderFrames || chunkFrames < 2) {
    throw new InvalidArgumentError(
      `chunkDuration ${c.chunkDuration} asks this model for mel windows of ${chunkFrames} frames; its decoder makes 2 to ${g.decoderFrames} ` +
        `(chunkDuration under ${+((g.decoderFrames * g.hop) / rate).toFixed(4)} s)`,
    );
  }
  // The default mode decodes what the exact length needs ((frames - 1) * hop >= samples), not whole chunks.
  const need = Math.ceil(c.duration * rate - 1e-9);
  const needFrames = Math.ceil(need / g.hop) + 1;
  const steps = compat ? decodeSteps(chunks * chunkSamples, chunkSamples, g.hop) : decodeSteps((needFrames - 1) * g.hop, chunkSamples, g.hop);
  // At least Griffin-Lim's minimum where the mel has that many (a clip of a few samples).
  const invertFrames = compat ? steps.totalFrames : Math.min(Math.max(needFrames, g.minFrames), steps.totalFrames);
  if (invertFrames < g.minFrames) {
    throw new InvalidArgumentError(`chunkDuration ${c.chunkDuration} gives ${invertFrames} mel frames; Griffin-Lim needs at least ${g.minFrames}`);
  }
  const vector = c.latentVector ? Float32Array.from(c.latentVector) : null;
  const evolution = c.evolutionAmount;
  const anchorCount = vector
    ? steps.steps === 1 || evolution === 0 ? 1 : Math.max(2, Math.floor((chunks * 2 + 2) / 3))
    : Math.max(2, chunks);
  return { rate, channels: seeds.map((seed) => ({ seed, steps, invertFrames, anchorCount, vector, evolution })) };
}

/**
 * The anchors of a channel, drawn from `rng` (seeded with the channel's seed) as Distill draws them:
 * `randn(1, latentDim)` each, or for a slider vector `v`, `slerp(v, randn_like(v), evolution)` for each
 * anchor after `v` (none with no evolution or a single step).
 */
export function drawAnchors(plan: DistillChannelPlan, rng: TorchRng, latentDim: number): Float32Array[] {
  if (!plan.vector) return Array.from({ length: plan.anchorCount }, () => rng.randn([1, latentDim]));
  const v = plan.vector;
  const anchors = [v];
  for (let i = 1; i < plan.anchorCount; i++) anchors.push(slerpDistill(v, rng.randn([v.length]), plan.evolution));
  return anchors;
}

/** The channel's latent trajectory: one point per decode step. */
export function trajectoryOf(plan: DistillChannelPlan, anchors: Float32Array[]): Float32Array[] {
  return interpolateTrajectory(anchors, plan.steps.steps);
}

/**
 * Decodes latent points to their mel windows `[nMels, frames]`, one array per point, in order (a group
 * at a time: see synthesizeMel).
 */
export type DecodeWindows = (latents: Float32Array[], frames: number) => Promise<Float32Array[]>;

/**
 * The overlap-added log-mel of a trajectory, `[nMels, totalFrames]` (a single step is its decoded window
 * as is, as in Distill). The points are decoded `group` at a time, in order; `afterStep` runs after each
 * point is added (progress, abort).
 */
export async function synthesizeMel(
  plan: DistillChannelPlan,
  trajectory: Float32Array[],
  nMels: number,
  decode: DecodeWindows,
  afterStep: () => void = () => {},
  group = 1,
): Promise<Float32Array> {
  const { steps, chunkFrames, hopFrames } = plan.steps;
  if (steps === 1) {
    const [mel] = await decode([trajectory[0]!], chunkFrames);
    afterStep();
    return mel!;
  }
  const ola = new MelOverlapAdd(nMels, chunkFrames, hopFrames, steps);
  for (let i0 = 0; i0 < steps; i0 += group) {
    const mels = await decode(trajectory.slice(i0, Math.min(steps, i0 + group)), chunkFrames);
    for (let j = 0; j < mels.length; j++) {
      await ola.add(i0 + j, mels[j]!);
      afterStep();
    }
  }
  return ola.finish();
}

/** The first `frames` frames of a `[nMels, total]` mel (the default mode inverts only what it keeps). */
export function firstFrames(mel: Float32Array, nMels: number, total: number, frames: number): Float32Array {
  if (frames >= total) return mel;
  const out = new Float32Array(nMels * frames);
  for (let m = 0; m < nMels; m++) out.set(mel.subarray(m * total, m * total + frames), m * frames);
  return out;
}
