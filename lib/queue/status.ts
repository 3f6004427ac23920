/**
 * Where a set of jobs stands (`sda batch status`), and following them until every one has finished
 * (`sda batch --queue`, `sda batch wait`). Jobs are looked up by their content-derived ids, so any process
 * that has the jobs file can follow a batch that another submitted; nothing but the jobs is kept in Redis.
 */
import type { Queue } from 'bullmq';
import { bullmq } from './client';
import { DEFAULT_QUEUE_NAME, toConnection, type QueueConnection } from './connection';
import { asQueueError, checkConnection, closeWithin, submitterConnection, withinDeadline } from './deadline';
import { parseFailure } from './failure';
import type { QueueJobResult, QueueJobState, QueueJobStatus } from './types';

export interface StatusOptions {
  connection: string | QueueConnection;
  queueName?: string;
  /** Stops looking (jobStatuses rejects with AbortedError; followJobs returns its last look). */
  signal?: AbortSignal;
}

export interface FollowOptions extends StatusOptions {
  /** Called after each look at the queue with every job's status. */
  onUpdate?: (statuses: QueueJobStatus[]) => void;
  /** Time between full looks at every job; events trigger the looks in between (default 5000 ms). */
  intervalMs?: number;
}

/** A job to look up: its id, and the line and output it is reported with. */
export interface JobRef {
  id: string;
  line: number;
  output: string;
}

function stateOf(s: string): QueueJobState {
  if (s === 'completed' || s === 'failed' || s === 'active' || s === 'delayed') return s;
  if (s === 'unknown') return 'missing';
  return 'waiting'; // waiting, prioritized, waiting-children
}

/** Jobs looked up per round trip with its own deadline: a large batch is not one long wait. */
const LOOKUP_SLICE = 500;

async function lookUpSlice(queue: Queue, refs: readonly JobRef[]): Promise<QueueJobStatus[]> {
  return Promise.all(
    refs.map(async (r): Promise<QueueJobStatus> => {
      // The state first, then the job: read the other way round, a job that ends in between is seen
      // failed or completed without its reason or result.
      const state = stateOf(await queue.getJobState(r.id));
      const job = await queue.getJob(r.id);
      if (!job) return { ...r, state: 'missing', attempts: 0 };
      const status: QueueJobStatus = { ...r, state, attempts: job.attemptsMade };
      if (state === 'completed') status.result = job.returnvalue as QueueJobResult;
      if (state === 'failed') status.error = parseFailure(job.failedReason);
      return status;
    }),
  );
}

/** The jobs' statuses, each slice within QUEUE_TIMEOUT_MS (else QueueError), until `signal` aborts. */
async function lookUp(queue: Queue, refs: readonly JobRef[], connection: QueueConnection, signal?: AbortSignal): Promise<QueueJobStatus[]> {
  const out: QueueJobStatus[] = [];
  for (let i = 0; i < refs.length; i += LOOKUP_SLICE) {
    const slice = refs.slice(i, i + LOOKUP_SLICE);
    out.push(...(await withinDeadline(lookUpSlice(queue, slice), { connection, what: `looking up ${slice.length} jobs`, signal })));
  }
  return out;
}

/** The status of each job now. */
export async function jobStatuses(refs: readonly JobRef[], options: StatusOptions): Promise<QueueJobStatus[]> {
  const connection = toConnection(options.connection);
  await checkConnection(connection, { signal: options.signal });
  const queue = new (bullmq().Queue)(options.queueName ?? DEFAULT_QUEUE_NAME, { connection: submitterConnection(connection) });
  queue.on('error', () => undefined);
  try {
    return await lookUp(queue, refs, connection, options.signal);
  } catch (err) {
    throw asQueueError(err, connection);
  } finally {
    await closeWithin(queue);
  }
}

/** A job no longer waiting for anything: completed, failed for good, or not in the queue at all. */
export function isSettled(s: QueueJobStatus): boolean {
  return s.state === 'completed' || s.state === 'failed' || s.state === 'missing';
}

/**
 * Looks at the jobs until every one is settled and returns their statuses (or the last look when
 * `signal` aborts). Each job is looked up once at the start, then again only when the queue's event
 * stream says something happened to it (a blocking read, so following a large batch costs Redis and
 * this process almost nothing while the workers render), with a full look every `intervalMs` in case
 * an event was missed (a follower that reconnected, a trimmed stream). A Redis that does not answer a
 * look, or cannot be reconnected to, for QUEUE_TIMEOUT_MS (lib/queue/deadline.ts) is a QueueError.
 */
export async function followJobs(refs: readonly JobRef[], options: FollowOptions): Promise<QueueJobStatus[]> {
  const connection = toConnection(options.connection);
  const { signal } = options;
  await checkConnection(connection, { signal });
  const name = options.queueName ?? DEFAULT_QUEUE_NAME;
  const queue = new (bullmq().Queue)(name, { connection: submitterConnection(connection) });
  queue.on('error', () => undefined);
  // Started before the first look, so nothing that happens after that look is missed.
  const events = new (bullmq().QueueEvents)(name, { connection: submitterConnection(connection) });
  events.on('error', () => undefined);
  const byId = new Map(refs.map((r) => [r.id, r]));
  const dirty = new Set<string>();
  let wake: () => void = () => undefined;
  const touched = ({ jobId }: { jobId: string }) => {
    if (!byId.has(jobId)) return;
    dirty.add(jobId);
    wake();
  };
  for (const e of ['active', 'completed', 'failed', 'waiting', 'delayed', 'stalled', 'removed'] as const) events.on(e, touched as never);
  const interval = options.intervalMs ?? 5000;
  // The last complete look, returned when `signal` aborts.
  let last: QueueJobStatus[] | undefined;
  try {
    await withinDeadline(events.waitUntilReady(), { connection, what: 'subscribing to the queue events', signal });
    const current = new Map<string, QueueJobStatus>();
    let full = true;
    for (;;) {
      const ids = full ? refs.map((r) => r.id).filter((id) => !isSettled(current.get(id) ?? ({ state: 'waiting' } as QueueJobStatus))) : [...dirty];
      dirty.clear();
      for (const s of await lookUp(queue, ids.map((id) => byId.get(id)!), connection, signal)) current.set(s.id, s);
      const all = refs.map((r) => current.get(r.id)!);
      last = all;
      options.onUpdate?.(all);
      if (all.every(isSettled) || signal?.aborted) return all;
      full = await new Promise<boolean>((resolve) => {
        let finished = false;
        const onAbort = () => done(false);
        const done = (v: boolean) => {
          if (finished) return;
          finished = true;
          clearTimeout(t);
          wake = () => undefined;
          // Removed each time: a follower waits thousands of times on the same signal.
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        };
        const t = setTimeout(() => done(true), interval);
        // A burst of events (a batch of jobs finishing together) is looked up in one go.
        wake = () => void setTimeout(() => done(false), 20);
        if (dirty.size > 0) wake();
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  } catch (err) {
    if (signal?.aborted && last) return last;
    throw asQueueError(err, connection);
  } finally {
    await closeWithin(events, queue);
  }
}
