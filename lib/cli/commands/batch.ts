/**
 * `sda batch JOBS`: many generations from a JSON Lines file, one job per line. Jobs are grouped by model
 * (each model is loaded once), jobs whose outputs exist are skipped (resume) unless --force, a failing job
 * does not stop the others, and the exit code is 1 when any job failed. The running is the job runner's
 * (lib/jobs/runner.ts `renderMany`); here are the flags, the printing and the exit codes.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { CONCAT_MODES, OUTPUT_SAMPLE_RATES, STEREO_MODES } from '../../generate/config';
import { EXPORT_FORMATS } from '../../generate/types';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes';
import { cliParser } from '../gen-options';
import { parsePositiveInt } from '../../jobs/options';
import { BIT_DEPTHS } from '../../generate/wav';
import { SPATIAL_MODES } from '../../generate/spatial';
import { resolveModelsDir } from '../../library/models-dir';
import { ProgressBar } from '../progress';
import { resolveModel } from '../resolve-model';
import { usageError } from '../cli-error';
import { fileAccessError } from '../../util/fs-error';
import { exportClip } from '../export-clip';
import { checkOutputFolder, refuseExisting } from '../output-folder';
import { exitSoonAfterReturn, stopSignal } from '../stop';
import { parseJobs } from '../../jobs/job-file';
import { MAX_STREAMS, renderMany } from '../../jobs/runner';
import { runQueueBatch, runQueueStatus, runQueueWait } from '../batch-queue';
import { printBatchEnd, type BatchSummary } from '../batch-summary';
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
           .ogg, .mp3 with options.format); the sidecar is <name>.json for a WAV,
           <name>.<ext>.json for the other formats
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
With --queue, Ctrl-C stops following at once (the jobs go on), and a Redis that does not answer for
10 s is ERR_SDA_QUEUE (exit 1).

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
        try {
          process.exitCode = (await run(file ?? jobsArg, q)) > 0 ? EXIT_FAILURE : EXIT_OK;
        } finally {
          // A client of a Redis that went away may still hold the process: it ends anyway.
          exitSoonAfterReturn();
        }
        return;
      }
      const summary = await runBatch(jobsArg, flags);
      process.exitCode = summary.failed > 0 ? EXIT_FAILURE : EXIT_OK;
    });
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
  const bar = new ProgressBar({ enabled: f.progress ? undefined : false });
  const report = await renderMany(jobs, {
    outDir,
    modelFileOf: async (job) => (await resolveModel(job.model, modelsDir)).path,
    device: f.device,
    force: f.force,
    overwrite: f.clobber,
    parallel: f.parallel,
    batchSize: f.batchSize,
    signal: stopSignal(),
    // Refused with the CLI's message (naming --no-clobber) before any rendering.
    checkJob: f.clobber ? undefined : (job) => refuseExisting([path.join(outDir, job.output)]),
    // The pair appears together or not at all, even on Ctrl-C (lib/cli/export-clip.ts).
    write: (result, dir, options) => exportClip(result, dir, options),
    onProgress: (p) =>
      bar.update(p.done, p.total, 'batch', `${(p.written / Math.max(p.seconds, 1e-9)).toFixed(2)} clips/s  ${failures.length + p.failed} failed`),
  });
  bar.clear();
  failures.push(...report.failures);
  failures.sort((a, b) => a.line - b.line);
  const seconds = Math.round(report.seconds * 1000) / 1000;
  const summary: BatchSummary = {
    jobs: total,
    written: report.results.length,
    skipped: report.skipped.length,
    failed: failures.length,
    models: report.models,
    seconds,
    clipsPerSecond: seconds > 0 ? Math.round((report.results.length / seconds) * 1000) / 1000 : 0,
    outputs: report.results.map((r) => r.audioPath!),
    skippedOutputs: report.skipped.map((job) => path.join(outDir, job.output)),
    failures,
    results: report.results,
  };
  printBatchEnd(summary, f.json === true);
  return summary;
}
