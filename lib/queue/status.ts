/**
 * Where a set of jobs stands (`sda batch status`), and following them until every one has finished
 * (`sda batch --queue`, `sda batch wait`). Jobs are looked up by their content-derived ids, so any process
 * that has the jobs file can follow a batch that another submitted; nothing but the jobs is kept in Redis.
 */
import type { Queue } from 'bullmq';
import { bullmq } from './client';
import { checkConnection, DEFAULT_QUEUE_NAME, toConnection, type QueueConnection } from './connection';
import { parseFailure } from './failure';
import type { QueueJobResult, QueueJobState, QueueJobStatus } from './types';

export interface StatusOptions {
  connection: string | QueueConnection;
  queueName?: string;
}

export interface FollowOptions extends StatusOptions {
  /** Called after each look at the queue with every job's status. */
  onUpdate?: (statuses: QueueJobStatus[]) => void;
  /** Stops following (the jobs go on without the follower). */
  signal?: AbortSignal;
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

async function lookUp(queue: Queue, refs: readonly JobRef[]): Promise<QueueJobStatus[]> {
  return Promise.all(
    refs.map(async (r): Promise<QueueJobStatus> => {
      const job = await queue.getJob(r.id);
      if (!job) return { ...r, state: 'missing', attempts: 0 };
      const state = stateOf(await job.getState());
      const status: QueueJobStatus = { ...r, state, attempts: job.attemptsMade };
      if (state === 'completed') status.result = job.returnvalue as QueueJobResult;
      if (state === 'failed') status.error = parseFailure(job.failedReason);
      return status;
    }),
  );
}

/** The status of each job now. */
export async function jobStatuses(refs: readonly JobRef[], options: StatusOptions): Promise<QueueJobStatus[]> {
  const connection = toConnection(options.connection);
  await checkConnection(connection);
  const queue = new (bullmq().Queue)(options.queueName ?? DEFAULT_QUEUE_NAME, { connection });
  queue.on('error', () => undefined);
  try {
    return await lookUp(queue, refs);
  } finally {
    await queue.close();
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
 * an event was missed (a follower that reconnected, a trimmed stream).
 */
export async function followJobs(refs: readonly JobRef[], options: FollowOptions): Promise<QueueJobStatus[]> {
  const connection = toConnection(options.connection);
  await checkConnection(connection);
  const name = options.queueName ?? DEFAULT_QUEUE_NAME;
  const queue = new (bullmq().Queue)(name, { connection });
  queue.on('error', () => undefined);
  // Started before the first look, so nothing that happens after that look is missed.
  const events = new (bullmq().QueueEvents)(name, { connection });
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
  try {
    await events.waitUntilReady();
    const current = new Map<string, QueueJobStatus>();
    let full = true;
    for (;;) {
      const ids = full ? refs.map((r) => r.id).filter((id) => !isSettled(current.get(id) ?? ({ state: 'waiting' } as QueueJobStatus))) : [...dirty];
      dirty.clear();
      for (const s of await lookUp(queue, ids.map((id) => byId.get(id)!))) current.set(s.id, s);
      const all = refs.map((r) => current.get(r.id)!);
      options.onUpdate?.(all);
      if (all.every(isSettled) || options.signal?.aborted) return all;
      full = await new Promise<boolean>((resolve) => {
        let finished = false;
        const onAbort = () => done(false);
        const done = (v: boolean) => {
          if (finished) return;
          finished = true;
          clearTimeout(t);
          wake = () => undefined;
          // Removed each time: a follower waits thousands of times on the same signal.
          options.signal?.removeEventListener('abort', onAbort);
          resolve(v);
        };
        const t = setTimeout(() => done(true), interval);
        // A burst of events (a batch of jobs finishing together) is looked up in one go.
        wake = () => void setTimeout(() => done(false), 20);
        if (dirty.size > 0) wake();
        options.signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  } finally {
    await events.close();
    await queue.close();
  }
}
