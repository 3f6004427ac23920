/**
 * The chunks of one channel of a generation (SPEC 8): how many there are, known from the config alone, and
 * their latents and Griffin-Lim phases, drawn one chunk at a time as the chunks are rendered.
 *
 * A phase is about 770 KB for a real model (complex [1, 1025, 94]); drawing them all up front made memory
 * grow with the number and length of queued generations (a 60 s dual-seed job holds 99 MB of phases), and
 * only the Python-compatible mode reads them (see PhaseDraw). Each
 * plan owns its TorchRng, so drawing lazily, and interleaving the draws of several plans, leaves every
 * plan's stream (and so its audio) exactly what the Python app's order gives.
 */
import type { GenerationConfig } from './config';
import { interpolationPath } from './latent-path';
import { TorchRng } from '../native/rng';

export interface ChunkGeometry {
  latentDim: number;
  /** Frequency bins of one chunk's spectrogram. */
  nFreqs: number;
  /** Mel frames of one decoded chunk. */
  frames: number;
  /** Samples one chunk renders at the internal rate. */
  chunkSamples: number;
}

export interface Chunk {
  latent: Float32Array;
  /**
   * Griffin-Lim initial phase, complex64 [1, nFreqs, frames], interleaved: the app's random start, drawn
   * for the Python-compatible mode only (the default mode starts from the magnitude); empty otherwise.
   */
  phase: Float32Array;
}

/**
 * Each chunk's phase: drawn (Python-compatible mode), or, in the default mode, not materialised: where a
 * later latent comes from the same stream (sliders), the stream is advanced past it all the same; where
 * only phases follow (crossfade, interpolation), nothing is drawn.
 */
interface PhaseDraw {
  /** The phase of a chunk whose stream has later latents. */
  beforeLatents(): Float32Array;
  /** The phase of a chunk after which the stream only has phases. */
  last(): Float32Array;
}

const NO_PHASE = new Float32Array(0);

function phaseDraw(rng: TorchRng, shape: number[], draw: boolean): PhaseDraw {
  if (draw) return { beforeLatents: () => rng.randComplex(shape), last: () => rng.randComplex(shape) };
  return {
    beforeLatents: () => {
      rng.skipComplex(shape);
      return NO_PHASE;
    },
    last: () => NO_PHASE,
  };
}

export interface ChunkPlan {
  /** Chunks of this channel. */
  readonly count: number;
  readonly join: 'crossfade' | 'concat';
  /** The chunks in order; each is drawn when it is asked for. */
  readonly chunks: Iterator<Chunk, void>;
}

/**
 * The chunks of the channel seeded with `seed`. `rate` is the internal rate, `overlap` the crossfade in
 * samples at that rate. The generator is created here (a bad seed throws now, before any work), but no
 * value is drawn until the first chunk is asked for.
 */
export function planChunks(c: GenerationConfig, seed: number, rate: number, overlap: number, g: ChunkGeometry): ChunkPlan {
  const rng = new TorchRng(seed);
  const phases = phaseDraw(rng, [1, g.nFreqs, g.frames], c.pythonCompat);
  const need = Math.ceil(c.duration * rate - 1e-9);
  const byDuration = Math.ceil(c.duration / c.chunkDuration - 1e-9);
  // Default mode: as many chunks as the exact length needs (the app counts whole seconds).
  const crossfadeChunks = c.pythonCompat || g.chunkSamples <= overlap
    ? byDuration
    : Math.max(1, Math.ceil((need - overlap) / (g.chunkSamples - overlap)));

  if (c.latentVector) {
    const v = Float32Array.from(c.latentVector);
    // The app's perturbation is 0.1 * randn: evolutionAmount 0.5 (the default) keeps it exactly.
    const spread = 0.2 * c.evolutionAmount;
    return { count: crossfadeChunks, join: 'crossfade', chunks: sliderChunks(rng, v, spread, crossfadeChunks, g.latentDim, phases) };
  }
  if (c.concatMode === 'crossfade') {
    return { count: crossfadeChunks, join: 'crossfade', chunks: crossfadeChunksOf(rng, crossfadeChunks, g.latentDim, phases) };
  }
  // Latent interpolation: the app renders the whole path and trims; the default mode renders only the
  // points the duration needs (drawing enough anchors for them).
  const points = Math.ceil(need / g.chunkSamples);
  const anchors = c.pythonCompat ? byDuration : Math.max(byDuration, 1 + Math.ceil((points - 1) / c.stepsBetween));
  const pathLength = (anchors - 1) * c.stepsBetween + 1;
  const count = c.pythonCompat ? pathLength : Math.min(points, pathLength);
  return { count, join: 'concat', chunks: interpolationChunks(rng, anchors, count, c.stepsBetween, g.latentDim, phases) };
}

/** The app draws every chunk latent first, then one phase per chunk. Latents are small (d floats). */
function* crossfadeChunksOf(rng: TorchRng, n: number, d: number, phases: PhaseDraw): Generator<Chunk, void> {
  const latents = Array.from({ length: n }, () => rng.randn([1, d]));
  for (let i = 0; i < n; i++) {
    const latent = latents[i]!;
    latents[i] = new Float32Array(0); // not needed past this chunk
    yield { latent, phase: phases.last() };
  }
}

/** Chunk 0 is the vector, chunk i > 0 the vector plus spread * randn(d), drawn before that chunk's phase. */
function* sliderChunks(rng: TorchRng, v: Float32Array, spread: number, n: number, d: number, phases: PhaseDraw): Generator<Chunk, void> {
  for (let i = 0; i < n; i++) {
    let latent = v;
    if (i > 0) {
      const p = rng.randn([d]);
      latent = v.map((x, j) => Math.fround(x + Math.fround(spread * p[j]!)));
    }
    yield { latent, phase: i + 1 < n ? phases.beforeLatents() : phases.last() };
  }
}

/** The anchors first, then one phase per point of the SLERP path (the first `count` points). */
function* interpolationChunks(
  rng: TorchRng, anchorCount: number, count: number, steps: number, d: number, phases: PhaseDraw,
): Generator<Chunk, void> {
  const anchors = Array.from({ length: anchorCount }, () => rng.randn([1, d]));
  const path = interpolationPath(anchors, steps);
  for (let i = 0; i < count; i++) yield { latent: path[i]!, phase: phases.last() };
}
