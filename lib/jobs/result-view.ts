/**
 * The one report of a finished job, in the API's names (docs/vocabulary.md): what `sda batch --json`
 * lists under `results`, what a queue worker returns for a job, and the part of the UI's take view that
 * describes the clip. Built from the result just rendered, or from the sidecar of a pair that was already
 * there (a job skipped by the resume rule).
 */
import * as path from 'path';
import { sidecarNameOf } from '../generate/export';
import { mp3OutputRate } from '../generate/encode/mp3';
import { EXPORT_FORMATS, type ExportFormat, type GenerationResult } from '../generate/types';
import { PYTHON_BIT_DEPTH } from '../generate/sidecar';
import type { BitDepth } from '../generate/wav';

export interface JobResultView {
  /** The audio file's name in the output folder; null when it was not written (a take not kept). */
  output: string | null;
  audioPath: string | null;
  sidecarPath: string | null;
  /** true: the pair was already there and matched the job (the resume rule); nothing was rendered. */
  skipped: boolean;
  modelName: string | null;
  seed: number | null;
  /** Seconds of audio. */
  duration: number | null;
  sampleRate: number | null;
  channels: number | null;
  format: ExportFormat | null;
  bitDepth: BitDepth | null;
  /** The quality report: rating (green, yellow, red), its reason, the SNR in dB (null when not finite). */
  quality: { rating: string | null; ratingReason: string | null; snrDb: number | null } | null;
}

/** Where the result is, and how it was written. */
export interface ResultPlace {
  /** The audio file written (or found); absent for a clip that is not in a file. */
  audioPath?: string | null;
  skipped?: boolean;
  bitDepth?: BitDepth | null;
  format?: ExportFormat | null;
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function text(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function placeOf(p: ResultPlace): Pick<JobResultView, 'output' | 'audioPath' | 'sidecarPath' | 'skipped'> {
  const audioPath = p.audioPath ?? null;
  return {
    output: audioPath === null ? null : path.basename(audioPath),
    audioPath,
    sidecarPath: audioPath === null ? null : sidecarNameOf(audioPath),
    skipped: p.skipped ?? false,
  };
}

/** The view of a result just rendered. */
function resultView(result: GenerationResult, place: ResultPlace = {}): JobResultView {
  const q = result.quality;
  return {
    ...placeOf(place),
    modelName: result.modelName,
    seed: result.seedUsed,
    duration: result.duration,
    // The file's rate: an MP3 of a 96 kHz result is at 48 kHz.
    sampleRate: place.format === 'mp3' ? mp3OutputRate(result.sampleRate) : result.sampleRate,
    channels: result.channelCount,
    format: place.format ?? null,
    bitDepth: place.bitDepth ?? null,
    quality: { rating: q.rating, ratingReason: q.ratingReason, snrDb: finite(q.snrDb) },
  };
}

/** The view of a pair found on disk, from its sidecar's text (a sidecar of any age; missing fields are null). */
function sidecarView(sidecarText: string, place: ResultPlace = {}): JobResultView {
  let side: Record<string, unknown> = {};
  try {
    side = record(JSON.parse(sidecarText));
  } catch {
    // Read by the caller already; a view of what can be read.
  }
  const audio = record(side.audio);
  const quality = record(side.quality);
  const gen = record(side.generation);
  const format = EXPORT_FORMATS.find((f) => f === gen.export_format) ?? (side.generation ? 'wav' : null);
  const bitDepth = (Object.keys(PYTHON_BIT_DEPTH) as BitDepth[]).find((b) => PYTHON_BIT_DEPTH[b] === audio.bit_depth) ?? null;
  return {
    ...placeOf(place),
    modelName: text(side.model_name),
    seed: finite(side.seed),
    duration: finite(audio.duration_s),
    sampleRate: finite(audio.sample_rate),
    channels: finite(audio.channels),
    format: place.format ?? format,
    bitDepth: place.bitDepth ?? bitDepth,
    quality: side.quality === undefined ? null : { rating: text(quality.rating), ratingReason: text(quality.rating_reason), snrDb: finite(quality.snr_db) },
  };
}

/**
 * The report of a finished job: from the result just rendered, or from the text of the sidecar of a pair
 * found on disk (a job skipped by the resume rule).
 */
export function jobResultView(source: GenerationResult | string, place: ResultPlace = {}): JobResultView {
  return typeof source === 'string' ? sidecarView(source, place) : resultView(source, place);
}
