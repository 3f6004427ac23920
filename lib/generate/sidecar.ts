/**
 * The sidecar JSON written beside every WAV (SPEC 8), and the one place where the package's vocabulary
 * (docs/vocabulary.md) meets the Python app's: the sidecar keeps the app's snake_case keys and values
 * (`mid_side`, `latent_interpolation`, `24-bit`) so the app and its tools read our files unchanged.
 * Nothing else in the package spells a value the app's way. The key and value spellings are the options
 * table's (./options-table.ts); the order of the fields is the app's, as written here.
 */
import { InvalidArgumentError } from '../errors';
import { MAX_DURATION_S, type ConcatMode, type GenerationConfig, type StereoMode } from './config';
import { mp3OutputRate } from './encode/mp3';
import { GEN_OPTIONS as T, sidecarKeyOf as k } from './options-table';
import type { ExportFormat, GenerationResult } from './types';
import type { SpatialConfig } from './spatial';
import { qualityToPythonDict } from './quality';
import { BIT_DEPTHS, DEFAULT_BIT_DEPTH, type BitDepth } from './wav';

/** Our values -> the Python app's, as its sidecars and GenerationConfig spell them. */
export const PYTHON_CONCAT_MODE: Readonly<Record<ConcatMode, string>> = Object.freeze({ ...T.concatMode.sidecarValues });
export const PYTHON_STEREO_MODE: Readonly<Record<StereoMode, string>> = Object.freeze({ ...T.stereoMode.sidecarValues });
export const PYTHON_BIT_DEPTH: Readonly<Record<BitDepth, string>> = Object.freeze({ ...T.bitDepth.sidecarValues });

/** The sidecar object: the Python app's keys (snake_case) and spellings. */
export interface GenerationSidecar {
  version: 1;
  /** When it was made, as Python's `datetime.now(timezone.utc).isoformat()`. */
  timestamp: string;
  model_name: string;
  seed: number;
  /**
   * The generation config in the app's names (`duration_s`, `stereo_mode: 'mid_side'`, ...), plus
   * `python_compat`. `export_format` is the format of the file written (Distill records its config's
   * default, "wav", whatever it exports).
   */
  generation: Record<string, unknown>;
  /** The quality report in the app's names (`snr_db`, `clipping`, `rating`, `rating_reason`). */
  quality: Record<string, unknown>;
  audio: {
    /** The audio file's name (no folder). */
    file: string;
    /** The file's container (Distill writes "WAV" for every format). */
    format: 'WAV' | 'FLAC' | 'OGG' | 'MP3';
    sample_rate: number;
    /** `16-bit`, `24-bit` or `32-bit float`. */
    bit_depth: string;
    channels: number;
    duration_s: number;
  };
}

export interface SidecarOptions {
  /** The WAV's sample format: '16', '24' (default) or '32f'. */
  bitDepth?: BitDepth;
  /** The WAV file name recorded in `audio.file` (default: {@link defaultFileName} of the seed and `now`). */
  fileName?: string;
  /** The time recorded (default: now). */
  now?: Date;
  /** The file's format (default 'wav'), recorded as `generation.export_format` and `audio.format`. */
  format?: ExportFormat;
}

/** `gen_<UTC yyyymmdd_HHMMSS>_seed<seed>.wav`. */
export function defaultFileName(seed: number, now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-11-27T01:02:03.456Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `gen_${stamp}_seed${seed}.wav`;
}

/** Python's `datetime.now(timezone.utc).isoformat()`: microseconds and `+00:00`. */
export function pythonUtcTimestamp(now: Date = new Date()): string {
  return `${now.toISOString().slice(0, 23)}000+00:00`;
}

/** Refuses a bit depth that is not one of {@link BIT_DEPTHS}, naming them. */
export function checkBitDepth(bitDepth: unknown): BitDepth {
  if (!(BIT_DEPTHS as readonly unknown[]).includes(bitDepth)) {
    throw new InvalidArgumentError(`bitDepth must be one of ${BIT_DEPTHS.map((d) => JSON.stringify(d)).join(', ')}; got ${JSON.stringify(bitDepth)}`);
  }
  return bitDepth as BitDepth;
}

/**
 * The config as the Python app writes it in the sidecar (`generation`), plus `python_compat`. The app's
 * config also holds the bit depth; ours leaves it to the export, so it is given here.
 */
export function configToPythonDict(c: GenerationConfig, seedUsed: number, bitDepth: BitDepth, exportFormat: ExportFormat = 'wav'): Record<string, unknown> {
  return {
    [k('duration')]: c.duration,
    max_duration_s: MAX_DURATION_S,
    [k('seed')]: seedUsed,
    [k('chunkDuration')]: c.chunkDuration,
    [k('concatMode')]: PYTHON_CONCAT_MODE[c.concatMode],
    [k('stereoMode')]: PYTHON_STEREO_MODE[c.stereoMode],
    [k('stereoWidth')]: c.stereoWidth,
    // Distill's `vars(SpatialConfig)` (null: from stereo_mode); the HRTF file's path only when one is used.
    [k('spatial')]: c.spatial ? spatialToPythonDict(c.spatial) : null,
    [k('format')]: exportFormat,
    [k('sampleRate')]: c.sampleRate,
    [k('bitDepth')]: PYTHON_BIT_DEPTH[bitDepth],
    [k('stepsBetween')]: c.stepsBetween,
    [k('overlapSamples')]: c.overlapSamples,
    [k('evolutionAmount')]: c.evolutionAmount,
    latent_vector: c.latentVector ? Array.from(c.latentVector) : null,
    // Not a field of the app's config: recorded so a sidecar says which length behaviour made its WAV
    // (`sda batch` re-renders a job when its options no longer match its sidecar).
    [k('pythonCompat')]: c.pythonCompat,
  };
}

function spatialToPythonDict(s: SpatialConfig): Record<string, unknown> {
  // Distill's SpatialConfig fields: the mode, the width (our stereoWidth), the depth and the HRTF file.
  const d: Record<string, unknown> = { mode: s.mode, width: s.width, [k('depth')]: s.depth };
  if (s.hrtfPath !== undefined) d[k('hrtf')] = s.hrtfPath;
  return d;
}

/**
 * The sidecar of `result` exported with `options`, as an object: what `export()` writes as JSON beside
 * the WAV, without writing anything. Errors: InvalidArgumentError (a bit depth not in BIT_DEPTHS).
 */
export function sidecarFor(result: GenerationResult, options: SidecarOptions = {}): GenerationSidecar {
  const bitDepth = checkBitDepth(options.bitDepth ?? DEFAULT_BIT_DEPTH);
  const now = options.now ?? new Date();
  const format = options.format ?? 'wav';
  const formats: readonly string[] = T.format.values;
  if (!formats.includes(format)) throw new InvalidArgumentError(`format must be one of ${formats.map((f) => JSON.stringify(f)).join(', ')}; got ${JSON.stringify(format)}`);
  return {
    version: 1,
    timestamp: pythonUtcTimestamp(now),
    model_name: result.modelName,
    seed: result.seedUsed,
    generation: configToPythonDict(result.config, result.seedUsed, bitDepth, format),
    quality: qualityToPythonDict(result.quality),
    audio: {
      // Every format's extension is its name (.wav, .flac, .ogg, .mp3).
      file: options.fileName ?? defaultFileName(result.seedUsed, now).replace(/\.wav$/, `.${format}`),
      format: format.toUpperCase() as GenerationSidecar['audio']['format'],
      // The file's rate: an MP3 of a 96 kHz result is at 48 kHz.
      sample_rate: format === 'mp3' ? mp3OutputRate(result.sampleRate) : result.sampleRate,
      bit_depth: PYTHON_BIT_DEPTH[bitDepth],
      channels: result.channelCount,
      duration_s: result.duration,
    },
  };
}
