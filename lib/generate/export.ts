/**
 * export(): the file (WAV, FLAC, Ogg Vorbis or MP3) and its sidecar JSON (SPEC 8), each written to a temp
 * file in the target folder, flushed and renamed (hard-linked with `overwrite: false`), so a crash never
 * leaves a half-written file under the final name. The audio is encoded before anything is written (FLAC, Ogg and MP3 on a worker thread,
 * lib/generate/encode/), so a failed encoder leaves no sidecar behind.
 *
 * How a result is written (format, bit depth, tags, name, overwrite) is given here and not in the
 * generation, so one result can be written in several forms without touching it.
 *
 * The sidecar is strict JSON: where the Python app writes the bare token `Infinity` (an SNR with no noise
 * frames), we write the string "Infinity" (and "-Infinity", "NaN"), the convention of the genuine
 * fixtures' refs.json; Python's json module reads the file, and the value as a string.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InvalidArgumentError, OutputExistsError } from '../errors';
import { writeFileAtomic, writeFileExclusive } from '../util/atomic-file';
import { encodeInWorker } from './encode/encode-in-worker';
import { mp3OutputRate } from './encode/mp3';
import { checkTags, resolveTags, type ExportTags } from './encode/tags';
import { EXPORT_FORMATS, FORMAT_EXTENSIONS, type ExportFormat, type GenerationResult } from './types';
import { checkBitDepth, defaultFileName, sidecarFor } from './sidecar';
import { checkFiniteAudio } from './finite';
import { DEFAULT_BIT_DEPTH, encodeWav, type BitDepth } from './wav';

export interface ExportedFiles {
  /** The audio file written (any format). */
  audioPath: string;
  /** @deprecated The same path as `audioPath` whatever the format (its 0.2.0 name); use `audioPath`. */
  wavPath: string;
  sidecarPath: string;
}

/** How export() writes a result. */
export interface ExportOptions {
  /**
   * Sample format: '16' (PCM), '24' (PCM, default) or '32f' (32-bit float, WAV only). FLAC holds 16 or
   * 24-bit integers, the same integers as the WAV of that depth; Ogg and MP3 have no bit depth (the
   * value is only recorded in the sidecar, as Distill does).
   */
  bitDepth?: BitDepth;
  /**
   * A plain file name ending in the format's extension (default `gen_<UTC time>_seed<seed>.<ext>`); the
   * sidecar is `<name>.json`.
   */
  fileName?: string;
  /**
   * Replace an audio file or sidecar already there (default true, as the Python app does). false:
   * refuse with OutputExistsError, before any encoding when a file is there already, and atomically when
   * one appears meanwhile (each file is created exclusively: a hard link of the finished temp file, never
   * a check-then-rename), so a file written by another process at the same moment is never replaced.
   */
  overwrite?: boolean;
  /** The container: 'wav' (default), 'flac', 'ogg' (Vorbis) or 'mp3' (320 kbps CBR). */
  format?: ExportFormat;
  /**
   * Tags of FLAC, Ogg and MP3 files, as Distill writes them (lib/generate/encode/tags.ts): artist
   * (default "Distill Generator"), album (default: the model's name), title, and DISTILL_SEED (default:
   * the seed used), DISTILL_MODEL (default: the model's name), DISTILL_PRESET. WAV files carry no tags.
   */
  tags?: ExportTags;
}

const OPTION_KEYS = new Set(['bitDepth', 'fileName', 'overwrite', 'format', 'tags']);

/** Checked export options with their defaults. */
export interface CheckedExportOptions {
  bitDepth: BitDepth;
  fileName?: string;
  overwrite: boolean;
  format: ExportFormat;
  tags: ExportTags;
}

/** Checks export options (InvalidArgumentError naming the allowed values) and fills the defaults. */
export function checkExportOptions(options: ExportOptions | undefined): CheckedExportOptions {
  if (typeof options === 'string') {
    throw new InvalidArgumentError(`export options must be an object; for a file name pass { fileName: ${JSON.stringify(options)} }`);
  }
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') throw new InvalidArgumentError('export options must be an object');
  for (const k of Object.keys(options)) {
    if (!OPTION_KEYS.has(k)) throw new InvalidArgumentError(`unknown export option "${k}"; known: ${[...OPTION_KEYS].join(', ')}`);
  }
  const { fileName, overwrite = true, format = 'wav' } = options;
  if (!(EXPORT_FORMATS as readonly unknown[]).includes(format)) {
    throw new InvalidArgumentError(`format must be one of ${EXPORT_FORMATS.map((f) => JSON.stringify(f)).join(', ')}; got ${JSON.stringify(format)}`);
  }
  const bitDepth = checkBitDepth(options.bitDepth ?? DEFAULT_BIT_DEPTH);
  if (format === 'flac' && bitDepth === '32f') {
    throw new InvalidArgumentError('FLAC holds integer samples: bitDepth must be "16" or "24" for format "flac"; got "32f" (32-bit float is for WAV)');
  }
  const ext = FORMAT_EXTENSIONS[format];
  if (fileName !== undefined) {
    if (!isPlainFileName(fileName, ext)) {
      throw new InvalidArgumentError(`fileName must be a plain file name ending in ${ext} (format "${format}"); got ${JSON.stringify(fileName)}`);
    }
  }
  if (typeof overwrite !== 'boolean') throw new InvalidArgumentError(`overwrite must be true or false; got ${JSON.stringify(overwrite)}`);
  const tags = checkTags(options.tags);
  if (format === 'wav' && Object.keys(tags).length > 0) {
    throw new InvalidArgumentError('WAV files carry no tags (as in Distill): give tags with format "flac", "ogg" or "mp3"');
  }
  return { bitDepth, fileName, overwrite, format, tags };
}

/**
 * Whether `name` is a plain file name ending in `ext` (any case): no folder part, not absolute, not
 * starting with ".". The rule for export's `fileName` and a job's `output` alike.
 */
export function isPlainFileName(name: unknown, ext: string): name is string {
  return typeof name === 'string' && name.toLowerCase().endsWith(ext) && !name.includes('/') && !name.includes('\\') && !name.startsWith('.') && !path.isAbsolute(name);
}

/** JSON with non-finite numbers as strings, so strict parsers (and Python's json) read it. */
export function strictJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

/** The extension of any export format at the end of a name, in any case. */
const AUDIO_EXTENSION = new RegExp(`\\.(${Object.values(FORMAT_EXTENSIONS).map((e) => e.slice(1)).join('|')})$`, 'i');

/** Whether `name` ends in an export format's extension (`.wav`, `.flac`, `.ogg`, `.mp3`, any case). */
export function isAudioFileName(name: string): boolean {
  return AUDIO_EXTENSION.test(name);
}

/**
 * The sidecar's name for the audio file `name` (a file name or a path): a WAV's is `<stem>.json`, the
 * apps' name; a FLAC, Ogg or MP3 file's is its own name plus `.json` (`take.flac.json`), so one take
 * exported in several formats into one folder has a sidecar per file, each describing its own file.
 */
export function sidecarNameOf(name: string): string {
  if (/\.wav$/i.test(name)) return name.replace(/\.wav$/i, '.json');
  return isAudioFileName(name) ? `${name}.json` : name;
}

/**
 * Writes `<dir>/<fileName>` (the audio) and `<dir>/<name>.json` (the sidecar); `dir` is created when
 * missing. The result is not changed. Errors: InvalidArgumentError (bad options), NonFiniteAudioError (a NaN
 * or infinite sample: nothing is written), OutputExistsError
 * (`overwrite: false` and a file is there), EncodeError (an encoder failed), file-system errors.
 */
export async function exportResult(result: GenerationResult, dir: string, options?: ExportOptions): Promise<ExportedFiles> {
  const o = checkExportOptions(options);
  // Before any work: an MP3 cannot hold every rate (96 kHz becomes 48 kHz; others are refused).
  if (o.format === 'mp3') mp3OutputRate(result.sampleRate);
  const now = new Date();
  const name = o.fileName ?? defaultFileName(result.seedUsed, now).replace(/\.wav$/, FORMAT_EXTENSIONS[o.format]);
  const audioPath = path.join(dir, name);
  const sidecarPath = path.join(dir, sidecarNameOf(name));
  if (!o.overwrite) {
    for (const p of [audioPath, sidecarPath]) if (fs.existsSync(p)) throw new OutputExistsError(p);
  }
  await checkFiniteAudio(result.channels);
  const audio: Uint8Array =
    o.format === 'wav'
      ? await encodeWav(result.channels, result.sampleRate, o.bitDepth)
      : await encodeInWorker(result.channels, {
          format: o.format,
          sampleRate: result.sampleRate,
          bits: o.bitDepth === '16' ? 16 : 24,
          tags: resolveTags(o.tags, result.modelName, result.seedUsed),
        });
  const sidecar = sidecarFor(result, { bitDepth: o.bitDepth, fileName: name, now, format: o.format });
  await fs.promises.mkdir(dir, { recursive: true });
  if (o.overwrite) {
    await writeFileAtomic(sidecarPath, `${strictJson(sidecar)}\n`);
    await writeFileAtomic(audioPath, audio);
  } else {
    await writeExclusive(sidecarPath, `${strictJson(sidecar)}\n`);
    try {
      await writeExclusive(audioPath, audio);
    } catch (e) {
      // The sidecar was created by this call (an exclusive create), so it is ours to remove.
      await fs.promises.rm(sidecarPath, { force: true });
      throw e;
    }
  }
  return { audioPath, wavPath: audioPath, sidecarPath };
}

/** An exclusive create: OutputExistsError when anything is at `file`, even one that appeared a moment ago. */
async function writeExclusive(file: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeFileExclusive(file, data);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new OutputExistsError(file);
    throw e;
  }
}
