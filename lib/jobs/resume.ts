/**
 * The resume rule of `sda batch` (local and on a queue): a job counts as done only when its WAV and its sidecar exist AND the sidecar records
 * what the job asks for now (model, seed, duration, modes, rate, bit depth, slider vector, ...). A job
 * edited since its render (another seed, say) is rendered again instead of keeping stale audio.
 *
 * The comparison rebuilds the job's full config the way rendering does (toGenerationConfig, then
 * validateGenerationConfig for the defaults) and compares it with the sidecar's `generation`, so a new
 * option is covered as soon as the sidecar records it. Sliders need the model's latent analysis, read
 * without LibTorch (storages skipped), and only for jobs whose two files exist.
 */
import { validateGenerationConfig } from '../generate/config';
import { configToPythonDict } from '../generate/sidecar';
import { DEFAULT_BIT_DEPTH } from '../generate/wav';
import type { AnalysisResult } from '../model/analysis';
import { savedModelParts } from '../model/load-model';
import { readTorchFile } from '../torchfile';
import type { BatchJob } from './job-file';
import { toGenerationConfig } from './options';
import { readFinishedPair } from './output-pair';

/** What a sidecar is compared with, from the model file. */
export interface ResumeModelInfo {
  name: string;
  latentDim: number;
  analysis: AnalysisResult | null;
}

/** Reads a model's name, latent size and analysis (no weights, no LibTorch). */
export async function readResumeModelInfo(file: string): Promise<ResumeModelInfo> {
  const { value } = await readTorchFile(file, { storages: 'skip', fileDescription: 'model file' });
  const parts = savedModelParts(value, file);
  return { name: parts.metadata.name, latentDim: parts.latentDim, analysis: parts.analysis };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return a === b;
}

/**
 * Why the sidecar text does not describe what `job` would render with this model now, or undefined when
 * it does. A job without a seed accepts whatever seed the sidecar records (it asked for any); with random
 * sliders and no seed, any slider vector.
 */
export function sidecarMismatch(job: BatchJob, sidecarText: string, model: ResumeModelInfo): string | undefined {
  let side: Record<string, unknown>;
  try {
    side = JSON.parse(sidecarText) as Record<string, unknown>;
  } catch {
    return 'the sidecar is not valid JSON';
  }
  const gen = side?.generation as Record<string, unknown> | undefined;
  if (typeof side !== 'object' || side === null || typeof gen !== 'object' || gen === null) return 'the sidecar has no generation config';
  if (side.model_name !== model.name) return `the sidecar is from the model ${JSON.stringify(side.model_name)}`;
  const seed = job.options.seed ?? (typeof side.seed === 'number' ? side.seed : undefined);
  if (seed === undefined) return 'the sidecar has no seed';
  let expected: Record<string, unknown>;
  try {
    const { config, bitDepth, format } = toGenerationConfig(job.options, model.analysis, seed);
    expected = configToPythonDict(validateGenerationConfig(config, model.latentDim), seed, bitDepth ?? DEFAULT_BIT_DEPTH, format ?? 'wav');
  } catch (err) {
    return `the job's options are invalid (${(err as Error).message})`; // rendering reports it
  }
  // A sidecar from before `python_compat` was recorded was written in the default mode; one from before
  // `export_format` was recorded, beside a WAV; one from before `spatial` and `evolution_amount`, with
  // their defaults (null, 0.5: the same audio).
  const recorded: Record<string, unknown> = { python_compat: false, export_format: 'wav', spatial: null, evolution_amount: 0.5, ...gen };
  for (const [key, want] of Object.entries(expected)) {
    if (key === 'max_duration_s') continue; // a constant of the package, not something the job chose
    if (key === 'latent_vector' && job.options.randomSliders && job.options.seed === undefined) {
      if (recorded.latent_vector === null || recorded.latent_vector === undefined) return 'the sidecar has no slider vector';
      continue;
    }
    if (!sameValue(want, recorded[key])) return `${key} is ${JSON.stringify(recorded[key])} in the sidecar, ${JSON.stringify(want)} in the job`;
  }
  return undefined;
}

/**
 * Splits jobs into those already rendered as they stand (both files present, sidecar matching) and the
 * rest. `modelFileOf` resolves a job's model to its file; a job whose model cannot be resolved or read
 * is left to do, where rendering reports the error.
 */
export async function splitDoneJobs(
  jobs: readonly BatchJob[],
  outDir: string,
  modelFileOf: (job: BatchJob) => Promise<string>,
): Promise<{ done: BatchJob[]; todo: BatchJob[] }> {
  const done: BatchJob[] = [];
  const todo: BatchJob[] = [];
  const infos = new Map<string, Promise<ResumeModelInfo>>();
  for (const job of jobs) {
    let sidecarText: string | undefined;
    try {
      sidecarText = readFinishedPair(outDir, job.output);
    } catch {
      sidecarText = undefined; // a name outside the folder: rendering refuses it
    }
    if (sidecarText === undefined) {
      todo.push(job);
      continue;
    }
    let info: ResumeModelInfo;
    try {
      const file = await modelFileOf(job);
      if (!infos.has(file)) infos.set(file, readResumeModelInfo(file));
      info = await infos.get(file)!;
    } catch {
      todo.push(job);
      continue;
    }
    (sidecarMismatch(job, sidecarText, info) === undefined ? done : todo).push(job);
  }
  return { done, todo };
}
