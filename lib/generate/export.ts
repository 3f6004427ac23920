/**
 * export(): the sidecar JSON of SPEC 8, then the WAV, each written to a temp file in the target folder,
 * flushed and renamed, so a crash never leaves a half-written file under the final name.
 *
 * How a result is written (format, bit depth, name, overwrite) is given here and not in the generation,
 * so one result can be written in several forms without touching it.
 *
 * The sidecar is strict JSON: where the Python app writes the bare token `Infinity` (an SNR with no noise
 * frames), we write the string "Infinity" (and "-Infinity", "NaN"), the convention of the genuine
 * fixtures' refs.json; Python's json module reads the file, and the value as a string.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InvalidArgumentError, OutputExistsError } from '../errors';
import { writeFileAtomic } from '../util/atomic-file';
import type { GenerationResult } from './pipeline';
import { checkBitDepth, defaultFileName, sidecarFor } from './sidecar';
import { DEFAULT_BIT_DEPTH, encodeWav, type BitDepth } from './wav';

export { defaultFileName, pythonUtcTimestamp } from './sidecar';

export interface ExportedFiles {
  wavPath: string;
  sidecarPath: string;
}

/** How export() writes a result. */
export interface ExportOptions {
  /** WAV sample format: '16' (PCM), '24' (PCM, default) or '32f' (32-bit float). */
  bitDepth?: BitDepth;
  /** A plain file name ending in `.wav` (default `gen_<UTC time>_seed<seed>.wav`); the sidecar is `<name>.json`. */
  fileName?: string;
  /**
   * Replace a WAV or sidecar already there (default true, as the Python app does). false: refuse with
   * OutputExistsError before writing anything. The check is made before the write, so it guards
   * against mistakes, not against another process writing the same name at the same moment.
   */
  overwrite?: boolean;
  /** The container; only 'wav' (the default) for now. */
  format?: 'wav';
}

const OPTION_KEYS = new Set(['bitDepth', 'fileName', 'overwrite', 'format']);

/** Checks export options (InvalidArgumentError naming the allowed values) and fills the defaults. */
export function checkExportOptions(options: ExportOptions | undefined): Required<Omit<ExportOptions, 'fileName'>> & { fileName?: string } {
  if (typeof options === 'string') {
    throw new InvalidArgumentError(`export options must be an object; for a file name pass { fileName: ${JSON.stringify(options)} }`);
  }
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') throw new InvalidArgumentError('export options must be an object');
  for (const k of Object.keys(options)) {
    if (!OPTION_KEYS.has(k)) throw new InvalidArgumentError(`unknown export option "${k}"; known: ${[...OPTION_KEYS].join(', ')}`);
  }
  const { fileName, overwrite = true, format = 'wav' } = options;
  const bitDepth = checkBitDepth(options.bitDepth ?? DEFAULT_BIT_DEPTH);
  if (fileName !== undefined) {
    if (typeof fileName !== 'string' || !fileName.toLowerCase().endsWith('.wav') || fileName.includes('/') || fileName.includes('\\') || fileName.startsWith('.')) {
      throw new InvalidArgumentError(`fileName must be a plain file name ending in .wav; got ${JSON.stringify(fileName)}`);
    }
  }
  if (typeof overwrite !== 'boolean') throw new InvalidArgumentError(`overwrite must be true or false; got ${JSON.stringify(overwrite)}`);
  if (format !== 'wav') throw new InvalidArgumentError(`format must be "wav"; got ${JSON.stringify(format)}`);
  return { bitDepth, fileName, overwrite, format };
}

/** JSON with non-finite numbers as strings, so strict parsers (and Python's json) read it. */
export function strictJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

/**
 * Writes `<dir>/<fileName>.json` (the sidecar) then `<dir>/<fileName>` (the WAV); `dir` is created when
 * missing. The result is not changed. Errors: InvalidArgumentError (bad options), OutputExistsError
 * (`overwrite: false` and a file is there), file-system errors.
 */
export async function exportResult(result: GenerationResult, dir: string, options?: ExportOptions): Promise<ExportedFiles> {
  const o = checkExportOptions(options);
  const now = new Date();
  const name = o.fileName ?? defaultFileName(result.seedUsed, now);
  const wavPath = path.join(dir, name);
  const sidecarPath = wavPath.replace(/\.wav$/i, '.json');
  if (!o.overwrite) {
    for (const p of [wavPath, sidecarPath]) if (fs.existsSync(p)) throw new OutputExistsError(p);
  }
  await fs.promises.mkdir(dir, { recursive: true });
  await writeFileAtomic(sidecarPath, `${strictJson(sidecarFor(result, { bitDepth: o.bitDepth, fileName: name, now }))}\n`);
  await writeFileAtomic(wavPath, await encodeWav(result.channels, result.sampleRate, o.bitDepth));
  return { wavPath, sidecarPath };
}
