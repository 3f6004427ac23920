/**
 * `sda batch JOBS`: many generations from a JSON Lines file, one job per line. Jobs are grouped by model
 * (each model is loaded once), jobs whose outputs exist are skipped (resume) unless --force, a failing job
 * does not stop the others, and the exit code is 1 when any job failed.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { errorCodeOf } from '../../error-codes';
import { type GenerationConfig, CONCAT_MODES, OUTPUT_SAMPLE_RATES, STEREO_MODES } from '../../generate/config';
import { GenerationPipeline } from '../../generate/pipeline';
import { EXPORT_FORMATS, type ExportFormat, type GenerationResult } from '../../generate/types';
import { loadModel } from '../../model/load-model';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes';
import { cliParser } from '../gen-options';
import { parseJobOptions, parsePositiveInt, toGenerationConfig, type GenOptions } from '../../jobs/options';
import { BIT_DEPTHS, type BitDepth } from '../../generate/wav';
import { type ExportTags } from '../../generate/encode/tags';
import { SPATIAL_MODES } from '../../generate/spatial';
import { resolveModelsDir } from '../../library/models-dir';
import { printJson } from '../output';
import { ProgressBar } from '../progress';
import { resolveModel } from '../resolve-model';
import { usageError } from '../cli-error';
import { fileAccessError } from '../../util/fs-error';
import { checkJobOutputs } from '../batch-outputs';
import { splitDoneJobs } from '../../jobs/resume';
import { escapeForTerminal } from '../escape';
import { exportClip } from '../export-clip';
import { checkOutputFolder } from '../output-folder';
import { stopReason, stopSignal } from '../stop';
import { parseJobs, type BatchFailure, type BatchJob } from '../../jobs/job-file';
import { runQueueBatch, runQueueStatus, runQueueWait } from '../batch-queue';
import type { BatchSummary } from '../batch-summary';
import { DEFAULT_QUEUE_NAME } from '../../queue/connection';


interface BatchFlags {
  out: string;
  force?: boolean;
  clobber: boolean;
  device: string;
  modelsDir?: string;
  parallel: number;
  batchSize: number;
  json?: boolean;
  progress: boolean;
  queue?: string;
  queueName: string;
  detach?: boolean;
}

function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}

export function registerBatch(program: Command): void {
  program
    .command('batch')
    .argument('<jobs>', 'a JSON Lines file (one job per line), or - for standard input')
    .argument('[file]', 'with `status` or `wait` as <jobs>: the jobs file of a batch on --queue')
    .description('run many generations from a JSON Lines file: grouped by model, resumable, failures reported at the end')
    .option('-o, --out <dir>', 'output folder for every job (created when missing)', '.')
    .option('-f, --force', 'run jobs whose WAV and sidecar already exist and match the job (default: skip them)')
    .option('--no-clobber', 'never replace an existing WAV or sidecar: a job that would is failed (ERR_SDA_OUTPUT_EXISTS)')
    .option('--device <device>', 'auto, cpu, cuda, cuda:N or mps', 'auto')
    .option('--models-dir <dir>', 'the model library (default: $SDA_MODELS_DIR, else [paths] models of ./config.toml, else data/models)')
    .option('--batch-size <n>', 'chunks decoded and inverted together per device call; consecutive jobs of one model share calls', cliParser(parsePositiveInt('batch-size', 256)), 8)
    .option('--parallel <n>', `render streams per model (more than ${MAX_STREAMS} counts as ${MAX_STREAMS}): one device thread does all rendering, so streams only overlap exporting with rendering, and each adds memory`, cliParser(parsePositiveInt('parallel', 64)), 1)
    .option('--no-progress', 'no progress bar (there is none anyway when stderr is not a terminal)')
    .option('--json', 'print the summary as JSON')
    .option('--queue <url>', 'queue the jobs on this Redis (redis://HOST:PORT/DB) for `sda worker`s instead of rendering here')
    .option('--queue-name <name>', 'the queue (the same for workers and submitters)', DEFAULT_QUEUE_NAME)
    .option('--detach', 'with --queue: queue the jobs and return (follow them with `sda batch wait JOBS --queue URL`)')
    .addHelpText(
      'after',
      `
A job is one line of JSON; every key is optional:
  {"model": "pads", "output": "pad_01.wav", "options": {"duration": 4, "seed": 1, "stereoMode": "mid-side"}}
  model    a .sda file, a model id or name in the library (default: the demo model)
  output   the file name in --out, ending in the format's extension (default job_<line>.wav, or .flac,
           .ogg, .mp3 with options.format); the sidecar is <name>.json
  options  the API's option names (the \`sda generate\` flags in camelCase) and values:
           duration, seed, chunkDuration, concatMode (${CONCAT_MODES.join('|')}),
           stereoMode (${STEREO_MODES.join('|')}), stereoWidth, sampleRate (${OUTPUT_SAMPLE_RATES.join('|')}),
           stepsBetween, overlapSamples, evolutionAmount (0 to 1), spatial (${SPATIAL_MODES.join('|')}),
           depth (0 to 1), hrtf (a SOFA file, for binaural), bitDepth ("${BIT_DEPTHS.join('"|"')}", strings),
           format (${EXPORT_FORMATS.join('|')}), artist, album, title (tags of flac, ogg and mp3 files),
           sliders ({"0": 3} or [3, 0, -2]), randomSliders, pythonCompat (true|false)
Blank lines and lines starting with # are ignored.

Examples:
  $ sda batch jobs.jsonl --out renders
  $ sda batch jobs.jsonl --out renders            # again: finished jobs are skipped, edited jobs rendered again
  $ sda batch jobs.jsonl --out renders --force    # redo them all
  $ generate-jobs | sda batch - --out renders --json > summary.json
  $ sda batch jobs.jsonl --queue redis://host:6379/0 --out /mnt/renders   # rendered by sda workers
  $ sda batch jobs.jsonl --queue redis://host:6379/0 --out /mnt/renders --detach
  $ sda batch wait jobs.jsonl --queue redis://host:6379/0 --out /mnt/renders

A job is finished when its WAV and sidecar exist and the sidecar records the job's model and options;
a job edited since (another seed, say) is rendered again. The output folder is checked before rendering.
Ctrl-C stops after the files being written: every WAV has its sidecar, and a rerun resumes.

Exit codes: 0 every job written or skipped, 1 at least one job failed (listed on stderr and in the
summary) or the jobs file or output folder is unusable, 2 bad usage (bad option), 130 stopped by Ctrl-C.`,
    )
    .action(async (jobsArg: string, file: string | undefined, flags: BatchFlags) => {
      if (file !== undefined || flags.queue !== undefined) {
        // On a queue (lib/cli/batch-queue.ts): `sda batch [status|wait] JOBS --queue URL`.
        if (file !== undefined && jobsArg !== 'status' && jobsArg !== 'wait') throw usageError(`one jobs file, or status|wait and a jobs file; got ${JSON.stringify(jobsArg)} and ${JSON.stringify(file)}`);
        if (flags.queue === undefined) throw usageError(`sda batch ${jobsArg} follows jobs on a queue: give --queue redis://HOST:PORT/DB`);
        const q = { ...flags, queue: flags.queue };
        const run = file === undefined ? runQueueBatch : jobsArg === 'status' ? runQueueStatus : runQueueWait;
        process.exitCode = (await run(file ?? jobsArg, q)) > 0 ? EXIT_FAILURE : EXIT_OK;
        return;
      }
      const summary = await runBatch(jobsArg, flags);
      process.exitCode = summary.failed > 0 ? EXIT_FAILURE : EXIT_OK;
    });
}

/** `--parallel` above this renders with this many streams (see the option's help). */
const MAX_STREAMS = 4;

interface ReadyJob {
  job: BatchJob;
  config: Partial<GenerationConfig>;
  /** The export's bit depth (undefined: the default). */
  bitDepth: BitDepth | undefined;
  /** The export's format (undefined: WAV) and tags. */
  format: ExportFormat | undefined;
  tags: ExportTags | undefined;
}

/**
 * Renders jobs in order through GenerationPipeline.generateMany (chunks of consecutive jobs share native
 * batches, and a seed gives the same audio as `sda generate`), exporting each result as it arrives so only
 * the jobs being rendered are held. If the stream fails, the job it stopped at is retried alone (its
 * failure is its own) and the stream resumes after it, so one bad job never takes the others down.
 */
async function renderLane(
  pipeline: GenerationPipeline,
  lane: ReadyJob[],
  batchSize: number,
  exportOne: (ready: ReadyJob, result: GenerationResult) => Promise<void>,
  fail: (job: BatchJob, err: unknown) => void,
): Promise<void> {
  let from = 0;
  // After Ctrl-C or a closed stdout no job is started or retried (lib/cli/stop.ts).
  while (from < lane.length && !stopReason()) {
    const rest = lane.slice(from);
    try {
      for await (const { index, result } of pipeline.generateMany(rest.map((r) => r.config), { batchSize, signal: stopSignal() })) {
        await exportOne(rest[index]!, result);
        from++;
      }
    } catch {
      if (stopReason()) return;
      const ready = lane[from]!;
      const { job, config } = ready;
      let result: GenerationResult;
      try {
        result = await pipeline.generate(config, { signal: stopSignal() });
      } catch (err) {
        if (stopReason()) return;
        fail(job, err);
        from++;
        continue;
      }
      await exportOne(ready, result);
      from++;
    }
  }
}

function readJobsText(arg: string): string {
  try {
    return arg === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(arg, 'utf8');
  } catch (err) {
    // A missing or unreadable jobs file is a file problem (exit 1), like a missing model.
    throw fileAccessError(err, 'read', 'jobs file', arg === '-' ? 'standard input' : arg);
  }
}

async function runBatch(jobsArg: string, f: BatchFlags): Promise<BatchSummary> {
  const { jobs, failures } = parseJobs(readJobsText(jobsArg));
  const total = jobs.length + failures.length;
  const outDir = path.resolve(f.out);
  if (f.force && !f.clobber) throw usageError('--force re-renders finished jobs over their files, which --no-clobber forbids: give one of them');
  // Before any model is loaded: an output folder we cannot write would only be found after the renders.
  checkOutputFolder(outDir);
  const { dir: modelsDir } = resolveModelsDir(f.modelsDir);
  const summary: BatchSummary = {
    jobs: total, written: 0, skipped: 0, failed: 0, models: 0, seconds: 0, clipsPerSecond: 0, outputs: [], skippedOutputs: [], failures,
  };
  const fail = (job: BatchJob, err: unknown) =>
    failures.push({ line: job.line, output: job.output, model: job.model ?? null, error: oneLine(err), code: errorCodeOf(err) });

  // Each distinct model argument is resolved once.
  const resolved = new Map<string, Promise<string>>();
  const modelFileOf = (job: BatchJob): Promise<string> => {
    const key = job.model ?? '\0demo';
    if (!resolved.has(key)) resolved.set(key, resolveModel(job.model, modelsDir).then((r) => r.path));
    return resolved.get(key)!;
  };
  // Resume: a job is done when its WAV and sidecar exist and the sidecar matches the job (lib/cli/batch-resume.ts).
  const split = f.force ? { done: [], todo: jobs } : await splitDoneJobs(jobs, outDir, modelFileOf);
  summary.skippedOutputs.push(...split.done.map((job) => path.join(outDir, job.output)));
  summary.skipped = summary.skippedOutputs.length;
  const { ok: todo, refused } = checkJobOutputs(split.todo, outDir, { noClobber: !f.clobber });
  for (const { job, error } of refused) fail(job, error);

  // Group by the model file, in order of first appearance.
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
  summary.models = groups.size;

  const bar = new ProgressBar({ enabled: f.progress ? undefined : false });
  const started = performance.now();
  let done = 0;
  const toRun = [...groups.values()].reduce((n, g) => n + g.length, 0);
  const tick = () => {
    const s = (performance.now() - started) / 1000;
    bar.update(done, toRun, 'batch', `${(summary.written / Math.max(s, 1e-9)).toFixed(2)} clips/s  ${failures.length} failed`);
  };
  tick();
  for (const [file, group] of groups) {
    if (stopReason()) break;
    let pipeline: GenerationPipeline;
    try {
      pipeline = new GenerationPipeline(await loadModel(file, { device: f.device }));
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
      const ready: ReadyJob[] = [];
      for (const job of group) {
        try {
          const { config, bitDepth, format, tags } = toGenerationConfig(job.options, pipeline.loaded.analysis);
          ready.push({ job, config: pipeline.validate(config), bitDepth, format, tags });
        } catch (err) {
          fail(job, err);
          done++;
          tick();
        }
      }
      const exportOne = async ({ job, bitDepth, format, tags }: ReadyJob, result: GenerationResult) => {
        if (stopReason()) return;
        try {
          // The pair appears together or not at all, even on Ctrl-C (lib/cli/export-clip.ts).
          const files = await exportClip(pipeline, result, outDir, { fileName: job.output, bitDepth, overwrite: f.clobber, format, tags });
          summary.outputs.push(files.audioPath);
          summary.written++;
        } catch (err) {
          fail(job, err);
        }
        done++;
        tick();
      };
      // Every render goes through the one LibTorch thread, so more streams add memory, not speed; a
      // second one only overlaps one stream's export with the other's rendering.
      const streams = Math.min(f.parallel, MAX_STREAMS, Math.max(ready.length, 1));
      const lanes = Array.from({ length: streams }, (_, k) => ready.filter((_, i) => i % streams === k));
      await Promise.all(lanes.map((lane) => renderLane(pipeline, lane, f.batchSize, exportOne, fail)));
    } finally {
      pipeline.dispose();
    }
  }
  bar.clear();
  summary.seconds = Math.round(((performance.now() - started) / 1000) * 1000) / 1000;
  summary.clipsPerSecond = summary.seconds > 0 ? Math.round((summary.written / summary.seconds) * 1000) / 1000 : 0;
  failures.sort((a, b) => a.line - b.line);
  summary.failed = failures.length;
  for (const x of failures) {
    // Names and messages come from the jobs file: control characters are shown escaped.
    process.stderr.write(`sda: job line ${x.line}${x.output ? ` (${escapeForTerminal(x.output)})` : ''} failed: ${x.code}: ${escapeForTerminal(x.error)}\n`);
  }
  if (f.json) printJson(summary);
  else {
    const lines = [
      `${summary.written} written, ${summary.skipped} skipped, ${summary.failed} failed of ${summary.jobs} jobs ` +
        `(${summary.models} model${summary.models === 1 ? '' : 's'}, ${summary.seconds.toFixed(1)} s, ${summary.clipsPerSecond.toFixed(2)} clips/s)`,
    ];
    if (summary.failed > 0) lines.push(`failed lines: ${failures.map((x) => x.line).join(', ')}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return summary;
}
