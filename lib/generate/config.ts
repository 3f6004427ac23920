/**
 * GenerationConfig (SPEC 8): camelCase here; the sidecar JSON uses the Python app's snake_case names.
 */
import { InvalidArgumentError } from '../errors';

export type ConcatMode = 'crossfade' | 'latentInterpolation';
export type StereoMode = 'mono' | 'midSide' | 'dualSeed';
export type BitDepth = '16-bit' | '24-bit' | '32-bit float';
export type OutputSampleRate = 44100 | 48000 | 96000;

export interface GenerationConfig {
  /** Seconds of audio, 0 < d <= 60. */
  durationS: number;
  /** Random seed (a non-negative integer); drawn and reported when absent. */
  seed?: number | null;
  /** Seconds per chunk (1). */
  chunkDurationS: number;
  concatMode: ConcatMode;
  stereoMode: StereoMode;
  /** Mid/side width, 0 to 1.5 (0.7). */
  stereoWidth: number;
  sampleRate: OutputSampleRate;
  bitDepth: BitDepth;
  /** Latent-interpolation points between consecutive anchors (10). */
  stepsBetween: number;
  /** Crossfade length in samples at 48 kHz (2400). */
  overlapSamples: number;
  /** A latent vector from the sliders (slidersToLatent); chunks vary around it. */
  latentVector?: ArrayLike<number> | null;
  /**
   * Reproduce the Python app's output sample for sample (for 48 kHz models): its length (whole
   * chunks, 2.876 s for a 3 s request), its crossfade, its inverse-mel solver and its Griffin-Lim run
   * chunk by chunk. Default false: exactly round(durationS * sampleRate) samples, chunks at the model's
   * own rate, a crossfade that fades the old chunk out and the new one in, and batched inversion.
   */
  pythonCompat: boolean;
}

export const MAX_DURATION_S = 60;

export const DEFAULT_GENERATION_CONFIG: Readonly<GenerationConfig> = Object.freeze({
  durationS: 1.0,
  seed: null,
  chunkDurationS: 1.0,
  concatMode: 'crossfade',
  stereoMode: 'mono',
  stereoWidth: 0.7,
  sampleRate: 48000,
  bitDepth: '24-bit',
  stepsBetween: 10,
  overlapSamples: 2400,
  latentVector: null,
  pythonCompat: false,
});

const CONCAT: readonly ConcatMode[] = ['crossfade', 'latentInterpolation'];
const STEREO: readonly StereoMode[] = ['mono', 'midSide', 'dualSeed'];
const RATES: readonly number[] = [44100, 48000, 96000];
const DEPTHS: readonly BitDepth[] = ['16-bit', '24-bit', '32-bit float'];

function oneOf<T>(name: string, v: unknown, allowed: readonly T[]): void {
  if (!allowed.includes(v as T)) {
    throw new InvalidArgumentError(`${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}; got ${JSON.stringify(v)}`);
  }
}

function finiteIn(name: string, v: unknown, lo: number, hi: number, loOpen = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || (loOpen ? v <= lo : v < lo) || v > hi) {
    throw new InvalidArgumentError(`${name} must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}]; got ${JSON.stringify(v)}`);
  }
}

/**
 * Fills defaults and checks every value; throws InvalidArgumentError naming the allowed values.
 * `latentDim`, when given, is checked against the latent vector's length.
 */
export function validateGenerationConfig(config: Partial<GenerationConfig> = {}, latentDim?: number): GenerationConfig {
  if (config === null || typeof config !== 'object') throw new InvalidArgumentError('config must be an object');
  const known = new Set(Object.keys(DEFAULT_GENERATION_CONFIG));
  for (const k of Object.keys(config)) {
    if (!known.has(k)) throw new InvalidArgumentError(`unknown generation option "${k}"; known: ${[...known].join(', ')}`);
  }
  const c: GenerationConfig = { ...DEFAULT_GENERATION_CONFIG, ...stripUndefined(config) };
  finiteIn('durationS', c.durationS, 0, MAX_DURATION_S, true);
  if (c.seed !== null && c.seed !== undefined && (!Number.isSafeInteger(c.seed) || c.seed < 0)) {
    throw new InvalidArgumentError(`seed must be a non-negative integer; got ${JSON.stringify(c.seed)}`);
  }
  finiteIn('chunkDurationS', c.chunkDurationS, 0, MAX_DURATION_S, true);
  oneOf('concatMode', c.concatMode, CONCAT);
  oneOf('stereoMode', c.stereoMode, STEREO);
  finiteIn('stereoWidth', c.stereoWidth, 0, 1.5);
  oneOf('sampleRate', c.sampleRate, RATES);
  oneOf('bitDepth', c.bitDepth, DEPTHS);
  if (!Number.isInteger(c.stepsBetween) || c.stepsBetween < 1 || c.stepsBetween > 1000) {
    throw new InvalidArgumentError(`stepsBetween must be an integer from 1 to 1000; got ${JSON.stringify(c.stepsBetween)}`);
  }
  if (!Number.isInteger(c.overlapSamples) || c.overlapSamples < 0 || c.overlapSamples > 48000) {
    throw new InvalidArgumentError(`overlapSamples must be an integer from 0 to 48000; got ${JSON.stringify(c.overlapSamples)}`);
  }
  if (typeof c.pythonCompat !== 'boolean') throw new InvalidArgumentError('pythonCompat must be true or false');
  if (c.latentVector !== null && c.latentVector !== undefined) {
    const v = c.latentVector;
    if (typeof v !== 'object' || typeof v.length !== 'number') throw new InvalidArgumentError('latentVector must be an array of numbers');
    if (latentDim !== undefined && v.length !== latentDim) {
      throw new InvalidArgumentError(`latentVector must have ${latentDim} values (the model's latent size); got ${v.length}`);
    }
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) throw new InvalidArgumentError(`latentVector[${i}] must be a finite number`);
    }
  }
  return c;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The config as the Python app writes it in the sidecar (`generation`). */
export function configToPythonDict(c: GenerationConfig, seedUsed: number): Record<string, unknown> {
  return {
    duration_s: c.durationS,
    max_duration_s: MAX_DURATION_S,
    seed: seedUsed,
    chunk_duration_s: c.chunkDurationS,
    concat_mode: c.concatMode === 'latentInterpolation' ? 'latent_interpolation' : 'crossfade',
    stereo_mode: c.stereoMode === 'midSide' ? 'mid_side' : c.stereoMode === 'dualSeed' ? 'dual_seed' : 'mono',
    stereo_width: c.stereoWidth,
    sample_rate: c.sampleRate,
    bit_depth: c.bitDepth,
    steps_between: c.stepsBetween,
    overlap_samples: c.overlapSamples,
    latent_vector: c.latentVector ? Array.from(c.latentVector) : null,
  };
}
