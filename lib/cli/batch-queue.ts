/**
 * `sda batch JOBS --queue redis://...`: the jobs go to a Redis queue and `sda worker`s render them.
 * The same file, the same resume rule (a job whose WAV and matching sidecar are in --out is skipped
 * without being queued), the same summary, --json and exit codes as the local batch; only where the
 * rendering happens changes. `--detach` queues and returns; `sda batch wait JOBS` and
 * `sda batch status JOBS` follow the jobs later from their ids, which come from the jobs themselves.
 */
import * as fs from 'fs';
import * as path from 'path';
import { sidecarNameOf } from '../generate/export';
import { followJobs, jobStatuses, type JobRef } from '../queue/status';
import { enqueueJobs } from '../queue/enqueue';
import { jobIdOf } from '../queue/job-id';
import { queueJobOf, toJobData } from '../queue/job-data';
import type { QueueJobResult, QueueJobStatus } from '../queue/types';
import { fileAccessError } from '../util/fs-error';
import { splitDoneJobs } from '../jobs/resume';
import { usageError } from './cli-error';
import { parseJobs, type BatchFailure, type BatchJob } from '../jobs/job-file';
import { jobResultView, type JobResultView } from '../jobs/result-view';
import { pairPresent, readFinishedPair } from '../jobs/output-pair';
import { printBatchEnd, printFailures, type BatchSummary } from './batch-summary';
import { escapeForTerminal } from './escape';
import { resolveModelsDir } from '../library/models-dir';
import { checkOutputFolder } from './output-folder';
import { printJson } from './output';
import { ProgressBar } from './progress';
import { resolveModel } from './resolve-model';
import { stopReason, stopSignal } from './stop';

export interface QueueBatchFlags {
  queue: string;
  queueName: string;
  out: string;
  modelsDir?: string;
  detach?: boolean;
  force?: boolean;
  clobber: boolean;
  json?: boolean;
  progress: boolean;
}

interface Prepared {
  outDir: string;
  total: number;
  failures: BatchFailure[];
  /** Done already (WAV and matching sidecar in --out): not queued. */
  done: BatchJob[];
  todo: Array<{ job: BatchJob; ref: JobRef }>;
  /** Ids of the jobs to do whose WAV or sidecar was not in --out when this command started. */
  absentAtStart: Set<string>;
  modelFileOf: (job: BatchJob) => Promise<string>;
}

function pairAbsent(outDir: string, output: string): boolean {
  try {
    return !pairPresent(outDir, output);
  } catch {
    return true; // a name outside the folder: nothing of it is there
  }
}

function readJobsText(arg: string): string {
  try {
    return arg === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(arg, 'utf8');
  } catch (err) {
    throw fileAccessError(err, 'read', 'jobs file', arg === '-' ? 'standard input' : arg);
  }
}

/** Parses the file, and splits the jobs into done (the local batch's resume rule) and to do, with their queue ids. */
async function prepare(jobsArg: string, f: QueueBatchFlags): Promise<Prepared> {
  if (f.force || !f.clobber) throw usageError('--force and --no-clobber are for a local batch; with --queue, workers replace outputs whose sidecar no longer matches the job');
  const { jobs, failures } = parseJobs(readJobsText(jobsArg));
  const outDir = path.resolve(f.out);
  checkOutputFolder(outDir);
  const { dir: modelsDir } = resolveModelsDir(f.modelsDir);
  // A model this machine cannot resolve is left to the workers (they have their own --models-dir).
  const modelFileOf = async (job: BatchJob) => (await resolveModel(job.model, modelsDir)).path;
  const split = await splitDoneJobs(jobs, outDir, modelFileOf);
  const todo = split.todo.map((job) => ({ job, ref: { id: jobIdOf(toJobData(queueJobOf(job), 0)), line: job.line, output: job.output } }));
  const absentAtStart = new Set(todo.filter((t) => pairAbsent(outDir, t.job.output)).map((t) => t.ref.id));
  return { outDir, total: jobs.length + failures.length, failures, done: split.done, todo, absentAtStart, modelFileOf };
}

/** Follows the queued jobs to the end and prints the local batch's summary; returns it. */
async function follow(p: Prepared, f: QueueBatchFlags, alreadyFinished: Set<string>): Promise<BatchSummary> {
  const bar = new ProgressBar({ enabled: f.progress ? undefined : false });
  const started = performance.now();
  const refs = p.todo.map((t) => t.ref);
  const count = (all: QueueJobStatus[], state: string) => all.filter((s) => s.state === state).length;
  const stayLine = () => process.stderr.write(`sda: the jobs stay on the queue; follow them with: sda batch wait <jobs> --queue ${escapeForTerminal(f.queue)}\n`);
  let statuses: QueueJobStatus[];
  try {
    statuses = refs.length === 0 ? [] : await followJobs(refs, {
      connection: f.queue,
      queueName: f.queueName,
      signal: stopSignal(),
      onUpdate: (all) => {
        const settled = count(all, 'completed') + count(all, 'failed') + count(all, 'missing');
        bar.update(settled, all.length, 'queue', `${count(all, 'active')} rendering  ${count(all, 'waiting') + count(all, 'delayed')} waiting  ${count(all, 'failed')} failed`);
      },
    });
  } catch (err) {
    bar.clear();
    // Stopped before the first look (Redis not answering): the stop is reported by runCli.
    if (stopReason()) stayLine();
    throw err;
  }
  bar.clear();
  const summary: BatchSummary = {
    jobs: p.total, written: 0, skipped: 0, failed: 0, models: 0,
    seconds: 0, clipsPerSecond: 0, outputs: [], skippedOutputs: p.done.map((j) => path.join(p.outDir, j.output)), failures: p.failures, results: [],
  };
  // A job whose end Redis did not record (a Redis paused past the job's lock, or restarted) is taken
  // again and found done (skipped), or fails or goes missing with the queue's own code, although its
  // files were written meanwhile: what is in --out decides. A pair that matches its job and was not there
  // when this command started was written by this batch.
  const lost = statuses.flatMap((s, i) => (s.state === 'missing' || (s.state === 'failed' && s.error?.code === 'ERR_SDA_QUEUE') ? [p.todo[i]!.job] : []));
  const foundDone = new Set(lost.length === 0 ? [] : (await splitDoneJobs(lost, p.outDir, p.modelFileOf)).done);
  const written = (job: BatchJob, file: string, view: Partial<JobResultView>) => {
    summary.outputs.push(file);
    // The worker's report (fields an older worker did not report are null), with the paths as this
    // machine sees the output folder.
    summary.results.push({ ...jobResultView('', {}), ...view, skipped: false, output: job.output, audioPath: file, sidecarPath: path.join(p.outDir, sidecarNameOf(job.output)) });
  };
  statuses.forEach((s, i) => {
    const { job, ref } = p.todo[i]!;
    const file = path.join(p.outDir, job.output);
    const newHere = p.absentAtStart.has(ref.id);
    if (foundDone.has(job)) {
      if (newHere) written(job, file, jobResultView(readFinishedPair(p.outDir, job.output) ?? '', { audioPath: file }));
      else summary.skippedOutputs.push(file);
    } else if (s.state === 'completed') {
      if ((s.result?.skipped && !newHere) || alreadyFinished.has(s.id)) summary.skippedOutputs.push(file);
      else {
        const { worker: _worker, ...view } = s.result ?? ({} as Partial<QueueJobResult>);
        written(job, file, view);
      }
    } else if (s.state === 'failed') {
      p.failures.push({ line: job.line, output: job.output, model: job.model ?? null, error: s.error!.message, code: s.error!.code });
    } else if (s.state === 'missing') {
      p.failures.push({ line: job.line, output: job.output, model: job.model ?? null, error: 'not in the queue: submit the jobs file with sda batch --queue', code: 'ERR_SDA_QUEUE' });
    }
  });
  // As the local batch counts them: the model files that were found, whatever became of their jobs (no
  // model and "demo" are one file). A model this machine cannot resolve counts by what the job names.
  const unresolved = new Set(['ERR_SDA_MODEL_NOT_FOUND', 'ERR_SDA_AMBIGUOUS_MODEL']);
  const found = p.todo.filter((_, i) => !unresolved.has(statuses[i]?.error?.code ?? ''));
  summary.models = new Set(await Promise.all(found.map((t) => p.modelFileOf(t.job).catch(() => `\0${t.job.model}`)))).size;
  summary.written = summary.outputs.length;
  summary.skipped = summary.skippedOutputs.length;
  summary.seconds = Math.round(((performance.now() - started) / 1000) * 1000) / 1000;
  summary.clipsPerSecond = summary.seconds > 0 ? Math.round((summary.written / summary.seconds) * 1000) / 1000 : 0;
  p.failures.sort((a, b) => a.line - b.line);
  summary.failed = p.failures.length;
  // Ctrl-C stops the following, not the jobs: say how to pick them up again.
  if (stopReason()) {
    stayLine();
    return summary;
  }
  printBatchEnd(summary, f.json === true);
  return summary;
}

/** `sda batch JOBS --queue`: queue the jobs not done yet, then follow them (or return with --detach). Resolves to the number of failures. */
export async function runQueueBatch(jobsArg: string, f: QueueBatchFlags): Promise<number> {
  const p = await prepare(jobsArg, f);
  const queued = p.todo.length === 0 ? [] : await enqueueJobs(p.todo.map((t) => queueJobOf(t.job)), { connection: f.queue, queueName: f.queueName, outDir: p.outDir, signal: stopSignal() });
  if (f.detach) {
    const n = (s: string) => queued.filter((q) => q.status === s).length;
    const report = { jobs: p.total, added: n('added'), queued: n('queued'), finished: n('finished'), skipped: p.done.length, failed: p.failures.length, failures: p.failures };
    printFailures(p.failures);
    if (f.json) printJson(report);
    else process.stdout.write(`${report.added} queued, ${report.queued} already queued, ${report.finished + report.skipped} done already, ${report.failed} failed of ${report.jobs} jobs\nfollow them with: sda batch wait ${escapeForTerminal(jobsArg)} --queue ${escapeForTerminal(f.queue)}\n`);
    return p.failures.length;
  }
  const finished = new Set(queued.filter((q) => q.status === 'finished').map((q) => q.id));
  return (await follow(p, f, finished)).failed;
}

/** `sda batch wait JOBS --queue`: follows jobs queued earlier to the end, with the batch summary. */
export async function runQueueWait(jobsArg: string, f: QueueBatchFlags): Promise<number> {
  return (await follow(await prepare(jobsArg, f), f, new Set())).failed;
}

/** `sda batch status JOBS --queue`: how many jobs are in each state now. Resolves to 0. */
export async function runQueueStatus(jobsArg: string, f: QueueBatchFlags): Promise<number> {
  const p = await prepare(jobsArg, f);
  const statuses = p.todo.length === 0 ? [] : await jobStatuses(p.todo.map((t) => t.ref), { connection: f.queue, queueName: f.queueName, signal: stopSignal() });
  const n = (s: string) => statuses.filter((x) => x.state === s).length;
  const report = {
    jobs: p.total, done: p.done.length, completed: n('completed'), failed: n('failed') + p.failures.length, active: n('active'),
    waiting: n('waiting'), delayed: n('delayed'), missing: n('missing'), statuses,
  };
  if (f.json) printJson(report);
  else {
    process.stdout.write(
      `${report.jobs} jobs: ${report.done + report.completed} done, ${report.active} rendering, ${report.waiting + report.delayed} waiting, ` +
        `${report.failed} failed, ${report.missing} not queued\n`,
    );
  }
  return 0;
}
