/**
 * The job runner: what `sda batch`, `sda worker` and the UI's Keep do with a job, in one place. A job is
 * checked (job-file.ts `parseJob`), its output named inside the output folder (output-pair.ts), skipped
 * when its pair is already there and matches it (resume.ts), rendered on a loaded model and written as
 * its pair (together or not at all), and reported as a {@link JobResultView}.
 *
 * `renderMany` runs a list of jobs (the local batch): grouped by model, each model loaded once, rendered
 * in lanes, a failing job failing alone, with progress events. `runJob` runs one job for a caller that
 * holds loaded models and batches renders itself (the queue's worker). The callers keep their glue:
 * flags, printing and exit codes (lib/cli), BullMQ (lib/queue), HTTP (lib/ui).
 */
import { errorCodeOf } from '../error-codes';
import type { GenerationConfig } from '../generate/config';
import type { ExportedFiles, ExportOptions } from '../generate/export';
import { GenerationPipeline } from '../generate/pipeline';
import type { ExportFormat, GenerationResult } from '../generate/types';
import { DEFAULT_BIT_DEPTH, type BitDepth } from '../generate/wav';
import type { ExportTags } from '../generate/encode/tags';
import { loadModel } from '../model/load-model';
import type { BatchFailure, BatchJob } from './job-file';
import { toGenerationConfig } from './options';
import { outputPairOf, readFinishedPair, removeStaleTempFiles, writeOutputPair } from './output-pair';
import { renderEach } from './render-stream';
import { sidecarMismatch, splitDoneJobs, type ResumeModelInfo } from './resume';
import { jobResultView, type JobResultView } from './result-view';

/** A job with its options turned into a config for a loaded model, ready to render and write. */
export interface PreparedJob {
  job: BatchJob;
  config: Partial<GenerationConfig>;
  /** The export's bit depth, format (undefined: the defaults) and tags. */
  bitDepth: BitDepth | undefined;
  format: ExportFormat | undefined;
  tags: ExportTags | undefined;
}

/** Turns the job's options into a validated config for `pipeline`'s model (InvalidArgumentError when they do not fit it). */
export function prepareJob(job: BatchJob, pipeline: GenerationPipeline): PreparedJob {
  const { config, bitDepth, format, tags } = toGenerationConfig(job.options, pipeline.loaded.analysis);
  return { job, config: pipeline.validate(config), bitDepth, format, tags };
}

/** What writes a job's pair: `writeOutputPair` unless the caller wraps it (the CLI defers Ctrl-C over it). */
export type PairWriter = (result: GenerationResult, outDir: string, options: ExportOptions) => Promise<ExportedFiles>;

/** Writes a rendered job's pair in `outDir` and reports it. */
export async function writeJob(
  prepared: PreparedJob,
  result: GenerationResult,
  outDir: string,
  options: { overwrite?: boolean; write?: PairWriter } = {},
): Promise<JobResultView> {
  const { job, bitDepth, format, tags } = prepared;
  outputPairOf(outDir, job.output); // a name that would leave the folder is refused before anything is written
  const write = options.write ?? writeOutputPair;
  const files = await write(result, outDir, { fileName: job.output, bitDepth, overwrite: options.overwrite ?? true, format, tags });
  return jobResultView(result, { audioPath: files.audioPath, bitDepth: bitDepth ?? DEFAULT_BIT_DEPTH, format: format ?? 'wav' });
}

/** A job's failure as reported in a batch's summary. */
export function failureOf(job: BatchJob, err: unknown): BatchFailure {
  return { line: job.line, output: job.output, model: job.model ?? null, error: String((err as Error)?.message ?? err).split('\n')[0]!, code: errorCodeOf(err) };
}

/** What `runJob` needs from its caller, which holds the models. */
export interface JobHost {
  outDir: string;
  /** The model file of a job (lib/jobs/job-model.ts `resolveJobModel`). */
  modelFileOf(job: BatchJob): Promise<string>;
  /** The model's name, latent size and analysis, for the resume rule (resume.ts `readResumeModelInfo`, cached). */
  modelInfoOf(file: string): Promise<ResumeModelInfo>;
  /** A loaded model, held until `release`. */
  acquire(file: string): Promise<{ pipeline: GenerationPipeline; release: () => void }>;
  /** Renders a config on the pipeline (the worker batches the jobs it holds). */
  render(pipeline: GenerationPipeline, config: Partial<GenerationConfig>): Promise<GenerationResult>;
}

/**
 * Runs one checked job: removes the temp files a killed writer left for its output (the caller holds the
 * job), skips it when its pair is there and matches it (the report then comes from the sidecar), else
 * renders and writes it (replacing a pair that no longer matches).
 */
export async function runJob(job: BatchJob, host: JobHost): Promise<JobResultView> {
  const { outDir } = host;
  const file = await host.modelFileOf(job);
  removeStaleTempFiles(outDir, job.output);
  const info = await host.modelInfoOf(file);
  const sidecarText = readFinishedPair(outDir, job.output);
  if (sidecarText !== undefined && sidecarMismatch(job, sidecarText, info) === undefined) {
    return jobResultView(sidecarText, { audioPath: outputPairOf(outDir, job.output).audioPath, skipped: true });
  }
  const { pipeline, release } = await host.acquire(file);
  try {
    const prepared = prepareJob(job, pipeline);
    const result = await host.render(pipeline, prepared.config);
    return await writeJob(prepared, result, outDir);
  } finally {
    release();
  }
}

/** Progress of `renderMany`: jobs finished (written or failed) of those to render. */
export interface RenderManyProgress {
  done: number;
  total: number;
  written: number;
  failed: number;
  /** Seconds since rendering started. */
  seconds: number;
}

export interface RenderManyOptions {
  outDir: string;
  /** The model file of a job; called once per distinct model argument. */
  modelFileOf(job: BatchJob): Promise<string>;
  /** `auto`, `cpu`, `cuda:N`, `mps`. */
  device: string;
  /** Render jobs whose pair is there and matches them (default: skip them, the resume rule). */
  force?: boolean;
  /** Replace files already there (default true); false refuses with OutputExistsError. */
  overwrite?: boolean;
  /** Render streams per model (more than MAX_STREAMS counts as MAX_STREAMS). */
  parallel: number;
  /** Chunks per native call. */
  batchSize: number;
  /** Once aborted, no job is started or retried; pairs being written are finished. */
  signal?: AbortSignal;
  /** Checked for each job to render before any rendering; its error fails the job (the CLI's --no-clobber). */
  checkJob?: (job: BatchJob) => void;
  /** Writes a pair (default writeOutputPair). */
  write?: PairWriter;
  onProgress?: (p: RenderManyProgress) => void;
}

export interface RenderManyReport {
  /** The jobs written, in the order they were written. */
  results: JobResultView[];
  /** The jobs skipped by the resume rule. */
  skipped: BatchJob[];
  failures: BatchFailure[];
  /** Models that were found for the jobs to render. */
  models: number;
  /** Seconds from the start of rendering to the end. */
  seconds: number;
}

/** `--parallel` above this renders with this many streams: one device thread does all rendering. */
export const MAX_STREAMS = 4;

/**
 * Runs `jobs` into `outDir`: those done already are skipped (unless `force`), the rest grouped by model
 * file in order of first appearance, each model loaded once and its jobs rendered in `parallel` lanes,
 * each result written as it arrives so only the jobs being rendered are held. A failing job fails alone.
 */
export async function renderMany(jobs: readonly BatchJob[], o: RenderManyOptions): Promise<RenderManyReport> {
  const { outDir, signal } = o;
  const report: RenderManyReport = { results: [], skipped: [], failures: [], models: 0, seconds: 0 };
  const fail = (job: BatchJob, err: unknown) => report.failures.push(failureOf(job, err));

  // Each distinct model argument is resolved once.
  const resolved = new Map<string, Promise<string>>();
  const modelFileOf = (job: BatchJob): Promise<string> => {
    const key = job.model ?? '\0demo';
    if (!resolved.has(key)) resolved.set(key, o.modelFileOf(job));
    return resolved.get(key)!;
  };
  const split = o.force ? { done: [], todo: [...jobs] } : await splitDoneJobs(jobs, outDir, modelFileOf);
  report.skipped.push(...split.done);
  const todo: BatchJob[] = [];
  for (const job of split.todo) {
    try {
      outputPairOf(outDir, job.output);
      o.checkJob?.(job);
      todo.push(job);
    } catch (err) {
      fail(job, err);
    }
  }

  // Grouped by the model file, in order of first appearance.
  const groups = new Map<string, BatchJob[]>();
  for (const job of todo) {
    try {
      const file = await modelFileOf(job);
      const list = groups.get(file) ?? [];
      list.push(job);
      groups.set(file, list);
    } catch (err) {
      fail(job, err);
    }
  }
  report.models = groups.size;

  const started = performance.now();
  const total = [...groups.values()].reduce((n, g) => n + g.length, 0);
  let done = 0;
  const tick = () =>
    o.onProgress?.({ done, total, written: report.results.length, failed: report.failures.length, seconds: (performance.now() - started) / 1000 });
  tick();
  for (const [file, group] of groups) {
    if (signal?.aborted) break;
    let pipeline: GenerationPipeline;
    try {
      pipeline = new GenerationPipeline(await loadModel(file, { device: o.device }));
    } catch (err) {
      for (const job of group) {
        fail(job, err);
        done++;
      }
      tick();
      continue;
    }
    try {
      // A job whose options are bad fails alone, before any rendering.
      const ready: PreparedJob[] = [];
      for (const job of group) {
        try {
          ready.push(prepareJob(job, pipeline));
        } catch (err) {
          fail(job, err);
          done++;
          tick();
        }
      }
      const writeOne = async (prepared: PreparedJob, result: GenerationResult) => {
        if (signal?.aborted) return;
        try {
          report.results.push(await writeJob(prepared, result, outDir, { overwrite: o.overwrite, write: o.write }));
        } catch (err) {
          fail(prepared.job, err);
        }
        done++;
        tick();
      };
      const lane = async (items: PreparedJob[]) => {
        for await (const { index, result, error } of renderEach(pipeline, items.map((r) => r.config), { batchSize: o.batchSize, signal })) {
          if (result) await writeOne(items[index]!, result);
          else fail(items[index]!.job, error);
        }
      };
      // Every render goes through the one LibTorch thread, so more streams add memory, not speed; a
      // second one only overlaps one stream's export with the other's rendering.
      const streams = Math.min(o.parallel, MAX_STREAMS, Math.max(ready.length, 1));
      const lanes = Array.from({ length: streams }, (_, k) => ready.filter((_, i) => i % streams === k));
      await Promise.all(lanes.map(lane));
    } finally {
      pipeline.dispose();
    }
  }
  report.seconds = (performance.now() - started) / 1000;
  report.failures.sort((a, b) => a.line - b.line);
  return report;
}
