/**
 * export(): the sidecar JSON of SPEC 8, then the WAV, each written to a temp file in the target folder,
 * flushed and renamed, so a crash never leaves a half-written file under the final name.
 *
 * The sidecar is strict JSON: where the Python app writes the bare token `Infinity` (an SNR with no noise
 * frames), we write the string "Infinity" (and "-Infinity", "NaN"), the convention of the genuine
 * fixtures' refs.json; Python's json module reads the file, and the value as a string.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InvalidArgumentError } from '../errors';
import { writeFileAtomic } from '../util/atomic-file';
import { configToPythonDict } from './config';
import type { GenerationResult } from './pipeline';
import { qualityToPythonDict } from './quality';
import { encodeWav } from './wav';

export interface ExportedFiles {
  wavPath: string;
  sidecarPath: string;
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

/** JSON with non-finite numbers as strings, so strict parsers (and Python's json) read it. */
export function strictJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

export function sidecarFor(result: GenerationResult, wavName: string, now: Date = new Date()): Record<string, unknown> {
  return {
    version: 1,
    timestamp: pythonUtcTimestamp(now),
    model_name: result.modelName,
    seed: result.seedUsed,
    generation: configToPythonDict(result.config, result.seedUsed),
    quality: qualityToPythonDict(result.quality),
    audio: {
      file: wavName,
      format: 'WAV',
      sample_rate: result.sampleRate,
      bit_depth: result.config.bitDepth,
      channels: result.channelCount,
      duration_s: result.durationS,
    },
  };
}


/** Writes `<dir>/<filename>.json` then `<dir>/<filename>` (default name from the UTC time and seed). */
export async function exportResult(result: GenerationResult, dir: string, filename?: string): Promise<ExportedFiles> {
  const name = filename ?? defaultFileName(result.seedUsed);
  if (!name.toLowerCase().endsWith('.wav') || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
    throw new InvalidArgumentError(`filename must be a plain file name ending in .wav; got ${JSON.stringify(name)}`);
  }
  await fs.promises.mkdir(dir, { recursive: true });
  const wavPath = path.join(dir, name);
  const sidecarPath = wavPath.replace(/\.wav$/i, '.json');
  await writeFileAtomic(sidecarPath, `${strictJson(sidecarFor(result, name))}\n`);
  await writeFileAtomic(wavPath, await encodeWav(result.channels, result.sampleRate, result.config.bitDepth));
  return { wavPath, sidecarPath };
}
