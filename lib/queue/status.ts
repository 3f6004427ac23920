/**
 * Where a set of jobs stands (`sda batch status`), and following them until every one has finished
 * (`sda batch --queue`, `sda batch wait`). Jobs are looked up by their content-derived ids, so any process
 * that has the jobs file can follow a batch that another submitted; nothing but the jobs is kept in Redis.
 */
import { Queue } from 'bullmq';
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
  /** Time between looks (default 250 ms). */
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
  const queue = new Queue(options.queueName ?? DEFAULT_QUEUE_NAME, { connection });
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
 * `signal` aborts). Polling, not queue events: a follower that starts late, or reconnects, sees the
 * same thing as one that watched from the start.
 */
export async function followJobs(refs: readonly JobRef[], options: FollowOptions): Promise<QueueJobStatus[]> {
  const connection = toConnection(options.connection);
  await checkConnection(connection);
  const queue = new Queue(options.queueName ?? DEFAULT_QUEUE_NAME, { connection });
  queue.on('error', () => undefined);
  const interval = options.intervalMs ?? 250;
  try {
    const settled = new Map<string, QueueJobStatus>();
    for (;;) {
      const fresh = await lookUp(queue, refs.filter((r) => !settled.has(r.id)));
      for (const s of fresh) if (isSettled(s)) settled.set(s.id, s);
      const all = refs.map((r) => settled.get(r.id) ?? fresh.find((s) => s.id === r.id)!);
      options.onUpdate?.(all);
      if (settled.size === refs.length || options.signal?.aborted) return all;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, interval);
        options.signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  } finally {
    await queue.close();
  }
}
