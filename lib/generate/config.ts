/**
 * GenerationConfig (SPEC 8). Its keys and values are the package's one vocabulary (docs/vocabulary.md):
 * the same names are the keys of a `sda batch` job's options and, in kebab-case, the flags of
 * `sda generate`. Only the sidecar JSON spells them the Python app's way (lib/generate/sidecar.ts). The
 * value lists, ranges and defaults are the options table's (./options-table.ts).
 */
import { InvalidArgumentError } from '../errors';
import { GEN_OPTIONS as T, inRange, numberSpec, type GenOptionKey } from './options-table';
import { DEFAULT_SPATIAL, validateSpatial, type SpatialConfig } from './spatial';

/** How chunks are joined: `crossfade` (default) or `interpolation` (a latent interpolation path). */
export type ConcatMode = (typeof T.concatMode.values)[number];
/** `mono` (default), `mid-side` (stereo from one channel) or `dual-seed` (right channel from seed + 1). */
export type StereoMode = (typeof T.stereoMode.values)[number];
export type OutputSampleRate = (typeof T.sampleRate.values)[number];

/** The allowed values, in the order messages and help list them. */
export const CONCAT_MODES: readonly ConcatMode[] = Object.freeze([...T.concatMode.values]);
export const STEREO_MODES: readonly StereoMode[] = Object.freeze([...T.stereoMode.values]);
export const OUTPUT_SAMPLE_RATES: readonly OutputSampleRate[] = Object.freeze([...T.sampleRate.values]);

export interface GenerationConfig {
  /** Length in seconds, 0 < duration <= 60 (default 1). */
  duration: number;
  /** Random seed, an integer in [0, 2^53-1] ([0, 2^53-2] for `dual-seed`); drawn and reported when absent. */
  seed?: number | null;
  /** Seconds per chunk (default 1), from MIN_CHUNK_DURATION_S to 60: sets how many chunks cover the duration. */
  chunkDuration: number;
  /** `crossfade` (default) or `interpolation`. */
  concatMode: ConcatMode;
  /** `mono` (default), `mid-side` or `dual-seed`. */
  stereoMode: StereoMode;
  /** Mid/side width, 0 to 1.5 (default 0.7). */
  stereoWidth: number;
  /** Output sample rate in Hz: 44100, 48000 (default) or 96000. */
  sampleRate: OutputSampleRate;
  /** Latent-interpolation points between consecutive anchors (10). */
  stepsBetween: number;
  /** Crossfade length in samples at 48 kHz (2400). */
  overlapSamples: number;
  /** A latent vector from the sliders (slidersToLatent); chunks vary around it. */
  latentVector?: ArrayLike<number> | null;
  /**
   * How far a slider generation wanders from `latentVector` over its length, 0 to 1 (default 0.5). For a
   * `.distill` model, Distill's `evolution_amount`: its anchors are the vector and SLERPs from it towards
   * random vectors by this much (0: the vector throughout). For a `.sda` model, chunk i > 0 is the vector
   * plus `0.2 * evolutionAmount * randn` (the default 0.5 gives the app's 0.1: today's output unchanged).
   * No effect without `latentVector`.
   */
  evolutionAmount: number;
  /**
   * Spatial output, Distill's `{ mode, width, depth }`: `mono`, `stereo` (mid/side width 0 to 1.5, default
   * 0.7, and a delayed reflection for depth 0 to 1, default 0.5) or `binaural` (needs `hrtfPath`, a SOFA
   * file). Null (default): from `stereoMode`, as Distill migrates it for a `.distill` model (mid-side:
   * stereo at depth 0.3; dual-seed: right channel from seed + 1, depth 0.3), or the `.sda` app's own
   * stereo for a `.sda` model. When given, `stereoMode` and `stereoWidth` are ignored (no dual seed).
   */
  spatial: SpatialConfig | null;
  /**
   * Reproduce the Python app's output sample for sample (for 48 kHz models): its length (whole
   * chunks, 2.876 s for a 3 s request), its crossfade, its inverse-mel solver and its Griffin-Lim run
   * chunk by chunk. Default false: exactly round(duration * sampleRate) samples, chunks at the model's
   * own rate, a crossfade that fades the old chunk out and the new one in, and batched inversion.
   */
  pythonCompat: boolean;
}

/**
 * What generate(), generateMany(), generateBatch(), generateBlend() and validateGenerationConfig() take:
 * any of the generation options, each optional; DEFAULT_GENERATION_CONFIG fills the rest, and the result's
 * `config` is the complete GenerationConfig. (GenerateOptions, the second argument, is onProgress and signal.)
 */
export type GenerationOptions = Partial<GenerationConfig>;

export const MAX_DURATION_S: number = T.duration.max;

/**
 * The shortest `chunkDuration`. Every chunk is a whole decoded mel window (about a second in real models)
 * whatever this says; it only sets how many chunks cover the duration (`ceil(duration / chunkDuration)`),
 * so a tiny value asks for millions of chunks. 0.05 s is the default crossfade (2400 samples at 48 kHz):
 * a shorter chunk would be all crossfade.
 */
export const MIN_CHUNK_DURATION_S: number = T.chunkDuration.min;

/**
 * The most chunks one generation may ask for, over both channels of `dual-seed`, counted as the Python
 * app counts them (see {@link plannedChunkCount}). Each chunk holds a Griffin-Lim phase array and a
 * waveform (about 1 MB together for a real model), and the app's latent-interpolation path is
 * `stepsBetween` points per anchor: 60 s with `stepsBetween: 1000` would be 59,001 chunks (tens of GB).
 * The largest config with default chunking (60 s, interpolation with 10 steps, dual seed) needs 1,182.
 */
export const MAX_CHUNKS_PER_GENERATION = 2048;

/** The largest integer seed (2^53 - 1): seeds are JS numbers, exact only up to there. */
export const MAX_SEED: number = T.seed.max;

export const DEFAULT_GENERATION_CONFIG: Readonly<GenerationConfig> = Object.freeze({
  duration: T.duration.default,
  seed: T.seed.default,
  chunkDuration: T.chunkDuration.default,
  concatMode: T.concatMode.default,
  stereoMode: T.stereoMode.default,
  stereoWidth: T.stereoWidth.default,
  sampleRate: T.sampleRate.default,
  stepsBetween: T.stepsBetween.default,
  overlapSamples: T.overlapSamples.default,
  latentVector: null,
  evolutionAmount: T.evolutionAmount.default,
  spatial: T.spatial.default,
  pythonCompat: T.pythonCompat.default,
});

function oneOf<T>(name: string, v: unknown, allowed: readonly T[]): void {
  if (!allowed.includes(v as T)) {
    throw new InvalidArgumentError(`${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}; got ${JSON.stringify(v)}`);
  }
}

/** Checks a number option against the table's range: `a number in [lo, hi]` or `an integer from lo to hi`. */
function checkNumber(key: GenOptionKey, v: unknown): void {
  const s = numberSpec(key);
  if (typeof v === 'number' && inRange(s, v)) return;
  const range = s.integer ? `an integer from ${s.min} to ${s.max}` : `a number in ${s.minExclusive ? '(' : '['}${s.min}, ${s.max}]`;
  throw new InvalidArgumentError(`${key} must be ${range}; got ${JSON.stringify(v)}`);
}

/**
 * Options of 0.1 that were renamed or moved in 0.2.0: still refused (one spelling only), but the message
 * says where they went, so an upgrade is a one-line fix.
 */
const MOVED_OPTIONS: Record<string, string> = {
  durationS: 'renamed duration',
  chunkDurationS: 'renamed chunkDuration',
  bitDepth: 'an export option now: export(result, dir, { bitDepth })',
};

/**
 * Fills defaults and checks every value; throws InvalidArgumentError naming the allowed values.
 * `latentDim`, when given, is checked against the latent vector's length.
 */
export function validateGenerationConfig(config: GenerationOptions = {}, latentDim?: number): GenerationConfig {
  if (config === null || typeof config !== 'object') throw new InvalidArgumentError('config must be an object');
  const known = new Set(Object.keys(DEFAULT_GENERATION_CONFIG));
  for (const k of Object.keys(config)) {
    if (!known.has(k)) {
      const hint = Object.prototype.hasOwnProperty.call(MOVED_OPTIONS, k) ? ` (${MOVED_OPTIONS[k]})` : '';
      throw new InvalidArgumentError(`unknown generation option "${k}"${hint}; known: ${[...known].join(', ')}`);
    }
  }
  const c: GenerationConfig = { ...DEFAULT_GENERATION_CONFIG, ...stripUndefined(config) };
  checkNumber('duration', c.duration);
  checkNumber('chunkDuration', c.chunkDuration);
  oneOf('concatMode', c.concatMode, CONCAT_MODES);
  oneOf('stereoMode', c.stereoMode, STEREO_MODES);
  checkSeed(c.seed, c.stereoMode);
  checkNumber('stereoWidth', c.stereoWidth);
  oneOf('sampleRate', c.sampleRate, OUTPUT_SAMPLE_RATES);
  checkNumber('stepsBetween', c.stepsBetween);
  checkNumber('overlapSamples', c.overlapSamples);
  if (typeof c.pythonCompat !== 'boolean') throw new InvalidArgumentError('pythonCompat must be true or false');
  checkNumber('evolutionAmount', c.evolutionAmount);
  if (c.spatial !== null) c.spatial = validSpatial(c.spatial);
  // An empty clip is refused rather than written (it would have no audio and a meaningless quality rating).
  if (outputSampleCount(c) < 1) {
    throw new InvalidArgumentError(
      `duration ${c.duration} is less than one sample at ${c.sampleRate} Hz; the shortest clip is one sample (duration >= 1/${c.sampleRate} s)`,
    );
  }
  // Checked from the config alone, before any latent is drawn: the count is arithmetic, never an allocation.
  const chunks = plannedChunkCount(c);
  if (chunks > MAX_CHUNKS_PER_GENERATION) {
    const per = c.concatMode === 'interpolation' && !c.latentVector ? ` with stepsBetween ${c.stepsBetween}` : '';
    throw new InvalidArgumentError(
      `this config asks for ${Number.isFinite(chunks) ? chunks : 'unboundedly many'} chunks (duration ${c.duration} / chunkDuration ${c.chunkDuration}${per}` +
        `${c.stereoMode === 'dual-seed' ? ', two channels' : ''}); a generation may have at most ${MAX_CHUNKS_PER_GENERATION}: ` +
        'use a longer chunkDuration, fewer stepsBetween or a shorter duration',
    );
  }
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

/** A spatial config with Distill's defaults filled in (width 0.7, depth 0.5), checked. */
function validSpatial(spatial: unknown): SpatialConfig {
  if (typeof spatial !== 'object' || Array.isArray(spatial)) throw new InvalidArgumentError('spatial must be null or an object { mode, width, depth, hrtfPath }');
  const given = stripUndefined(spatial as Partial<SpatialConfig>);
  for (const k of Object.keys(given)) {
    if (!['mode', 'width', 'depth', 'hrtfPath'].includes(k)) throw new InvalidArgumentError(`unknown spatial option "${k}"; known: mode, width, depth, hrtfPath`);
  }
  const s = { width: DEFAULT_SPATIAL.width, depth: DEFAULT_SPATIAL.depth, ...given };
  validateSpatial(s);
  return s;
}

/**
 * The seed as the user gave it: a dual-seed generation also uses `seed + 1` (the right channel), so its
 * largest seed is one less, and the message says so in terms of the user's own `seed`.
 */
function checkSeed(seed: unknown, stereoMode: StereoMode): void {
  if (seed === null || seed === undefined) return;
  const dual = stereoMode === 'dual-seed';
  const max = dual ? MAX_SEED - 1 : MAX_SEED;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > max) {
    throw new InvalidArgumentError(
      `seed must be a non-negative integer, at most ${dual ? '2^53-2 with stereoMode "dual-seed" (the right channel uses seed + 1)' : '2^53-1'}; got ${JSON.stringify(seed)}`,
    );
  }
}

/**
 * Samples in the written clip: exactly `round(duration * sampleRate)`, or the app's
 * `int(duration * sampleRate)` with `pythonCompat`.
 */
export function outputSampleCount(c: Pick<GenerationConfig, 'duration' | 'sampleRate' | 'pythonCompat'>): number {
  return c.pythonCompat ? Math.floor(c.duration * c.sampleRate) : Math.round(c.duration * c.sampleRate);
}

/**
 * Chunks a config asks for, over all its channels, as the Python app counts them:
 * `ceil(duration / chunkDuration)` per channel, or for latent interpolation the whole path through that
 * many anchors (`(anchors - 1) * stepsBetween + 1` points). The default mode renders no more chunks than
 * its exact length needs, but draws the same anchors and path, so the count bounds its work too.
 * Infinity when the division overflows.
 */
export function plannedChunkCount(
  c: Pick<GenerationConfig, 'duration' | 'chunkDuration' | 'concatMode' | 'stereoMode' | 'stepsBetween'> & { latentVector?: ArrayLike<number> | null },
): number {
  const anchors = Math.max(1, Math.ceil(c.duration / c.chunkDuration - 1e-9));
  const perChannel = c.concatMode === 'interpolation' && !c.latentVector ? (anchors - 1) * c.stepsBetween + 1 : anchors;
  return perChannel * (c.stereoMode === 'dual-seed' ? 2 : 1);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
