/**
 * enqueueJobs: puts jobs on the queue under content-derived ids (job-id.ts), so a resubmitted file adds
 * nothing that is waiting, running or finished. A job that finished but whose WAV or sidecar has gone
 * from `outDir` since, and a job that failed, are replaced, so a resubmission redoes them as a rerun of
 * the local batch would. Whether a finished output still matches its job is checked again by the worker
 * (the local batch's resume rule) before it renders anything.
 */
import type { JobsOptions } from 'bullmq';
import { pairPresent } from '../jobs/output-pair';
import { bullmq } from './client';
import { DEFAULT_QUEUE_NAME, toConnection, type QueueConnection } from './connection';
import { asQueueError, checkConnection, closeWithin, submitterConnection, withinDeadline } from './deadline';
import { toJobData } from './job-data';
import { jobIdOf } from './job-id';
import type { QueueJob, QueueJobData } from './types';

export interface EnqueueOptions {
  /** `redis://HOST:PORT/DB` or { host, port, db }. */
  connection: string | QueueConnection;
  /** Default `sda`; workers must use the same name. */
  queueName?: string;
  /**
   * The output folder as this process sees it (the workers' --out). When given, a finished job whose WAV
   * or sidecar is missing there is queued again.
   */
  outDir?: string;
  /** Tries per job for transient errors (default 3); a bad job (missing model, invalid options) is tried once. */
  attempts?: number;
  /** First retry delay in ms, doubled for each further try (default 2000). */
  backoffMs?: number;
  /** Stops queueing (AbortedError); the jobs added until then stay on the queue. */
  signal?: AbortSignal;
}

export interface EnqueuedJob {
  id: string;
  line: number;
  output: string;
  /** added: new on the queue; queued: already waiting or running; finished: already completed. */
  status: 'added' | 'queued' | 'finished';
}

/** Completed jobs stay this long (resubmission finds them); after that a resubmitted job is skipped by the worker's resume check instead. */
const KEEP_COMPLETED_S = 7 * 24 * 3600;
const KEEP_FAILED_S = 30 * 24 * 3600;

export function jobOptions(id: string, o: EnqueueOptions): JobsOptions {
  return {
    jobId: id,
    attempts: o.attempts ?? 3,
    backoff: { type: 'exponential', delay: o.backoffMs ?? 2000 },
    removeOnComplete: { age: KEEP_COMPLETED_S },
    removeOnFail: { age: KEEP_FAILED_S },
  };
}

/**
 * Adds `jobs` to the queue. Every job is checked first (InvalidArgumentError naming `jobs[i]`), so a bad
 * list adds nothing; a Redis that cannot be reached, or does not answer for QUEUE_TIMEOUT_MS, is a
 * QueueError (lib/queue/deadline.ts).
 */
export async function enqueueJobs(jobs: readonly QueueJob[], options: EnqueueOptions): Promise<EnqueuedJob[]> {
  const connection = toConnection(options.connection);
  const data: QueueJobData[] = jobs.map((j, i) => toJobData(j, i));
  // BullMQ's client would retry an unreachable Redis forever: say so at once instead.
  const { signal } = options;
  await checkConnection(connection, { signal });
  const queue = new (bullmq().Queue)(options.queueName ?? DEFAULT_QUEUE_NAME, { connection: submitterConnection(connection) });
  queue.on('error', () => undefined); // surfaced by the rejected calls below
  const bounded = <T>(work: Promise<T>, what: string) => withinDeadline(work, { connection, what, signal });
  try {
    const out: EnqueuedJob[] = [];
    for (const d of data) {
      const id = jobIdOf(d);
      let status: EnqueuedJob['status'] = 'added';
      const existing = await bounded(queue.getJob(id), `looking up job ${id}`);
      if (existing) {
        const state = await bounded(existing.getState(), `looking up job ${id}`);
        const redo = state === 'failed' || (state === 'completed' && options.outDir !== undefined && !pairPresent(options.outDir, d.output));
        if (!redo) status = state === 'completed' ? 'finished' : 'queued';
        // A job that became active since cannot be removed (BullMQ refuses); it is then left to finish.
        else if (!(await bounded(existing.remove().then(() => true, () => false), `removing job ${id}`))) status = 'queued';
      }
      if (status === 'added') await bounded(queue.add('generate', d, jobOptions(id, options)), `adding job ${id}`);
      out.push({ id, line: d.line, output: d.output, status });
    }
    return out;
  } catch (err) {
    throw asQueueError(err, connection);
  } finally {
    await closeWithin(queue);
  }
}
