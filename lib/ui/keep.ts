/**
 * "Keep": a take's WAV and sidecar written into the output folder, never over a file that is there. The
 * name is the default export name (time and seed); when that name is taken (another take kept in the same
 * second with the same seed, at the same moment or before), the next free one: `<name>-2.wav`, `-3`, ...
 * Each try is an exclusive create (export with `overwrite: false`), so two Keeps racing for one name both
 * end with their own pair.
 */
import { OutputExistsError } from '../errors';
import type { ExportedFiles } from '../generate/export';
import type { BitDepth } from '../generate/wav';
import type { GenerationResult } from '../generate/types';
import { outputNameFor, writeOutputPair } from '../jobs/output-pair';

/** Names tried per Keep (`<name>.wav`, then `-2` to `-<KEEP_NAME_TRIES>`). */
export const KEEP_NAME_TRIES = 100;

export async function keepTake(result: GenerationResult, outDir: string, bitDepth: BitDepth): Promise<ExportedFiles> {
  const base = outputNameFor(result).replace(/\.wav$/, '');
  let last: OutputExistsError | undefined;
  for (let i = 1; i <= KEEP_NAME_TRIES; i++) {
    const fileName = i === 1 ? `${base}.wav` : `${base}-${i}.wav`;
    try {
      return await writeOutputPair(result, outDir, { bitDepth, overwrite: false, fileName });
    } catch (e) {
      if (!(e instanceof OutputExistsError)) throw e;
      last = e;
    }
  }
  throw new OutputExistsError(last!.path, `${base}.wav and ${KEEP_NAME_TRIES - 1} numbered names after it are taken in ${outDir}`);
}
