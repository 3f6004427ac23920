/**
 * Bounds on waiting for Redis, for the commands that submit and follow jobs (`sda batch --queue`, `wait`,
 * `status`, enqueueJobs, jobStatuses, followJobs). BullMQ's clients queue commands while they reconnect
 * and retry forever, and a Redis that is stopped (SIGSTOP, a hung host) keeps its connections open without
 * answering: a submitter would wait without a word. Here every round trip has a deadline, a stop signal
 * ends the wait at once, and closing gives up on a Redis that does not answer. A worker is not bounded
 * this way: it rides out a Redis restart (lib/queue/worker.ts).
 */
import { AbortedError } from '../errors';
import { ioredis } from './client';
import { describeConnection, type QueueConnection } from './connection';
import { QueueError } from './errors';

/** A Redis that does not answer for this long (or cannot be reconnected to for this long) is ERR_SDA_QUEUE. */
export const QUEUE_TIMEOUT_MS = 10_000;
/** How long closing a queue client waits for Redis before dropping its connection. */
export const QUEUE_CLOSE_MS = 2_000;

/**
 * Connection options for a submitter's clients: reconnects every 500 ms, and gives up once reconnecting
 * has failed for QUEUE_TIMEOUT_MS (the client then ends and its commands fail at once).
 */
export function submitterConnection(c: QueueConnection): QueueConnection & Record<string, unknown> {
  return { ...c, connectTimeout: 5000, retryStrategy: (times: number) => (times * 500 > QUEUE_TIMEOUT_MS ? null : 500) };
}

function stopError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new AbortedError('stopped');
}

/**
 * `work`, unless Redis at `connection` takes longer than `ms` to settle it (QueueError naming `what`) or
 * `signal` aborts first (its reason, or AbortedError). `work` itself is left running.
 */
export function withinDeadline<T>(
  work: Promise<T>,
  o: { connection: QueueConnection; what: string; signal?: AbortSignal; ms?: number },
): Promise<T> {
  const ms = o.ms ?? QUEUE_TIMEOUT_MS;
  const { signal } = o;
  if (signal?.aborted) {
    work.catch(() => undefined);
    return Promise.reject(stopError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => finish(() => reject(stopError(signal!)));
    const timer = setTimeout(
      () => finish(() => reject(new QueueError(`Redis at ${describeConnection(o.connection)} did not answer within ${ms / 1000} s (${o.what})`))),
      ms,
    );
    let settled = false;
    function finish(then: () => void): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      then();
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => finish(() => resolve(v)),
      (err: unknown) => finish(() => reject(err)),
    );
  });
}

/** A client error that means Redis went away (refused, closed, given up on) as a QueueError; others as they are. */
export function asQueueError(err: unknown, connection: QueueConnection): unknown {
  if (err instanceof Error && !(err instanceof QueueError) && /ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EPIPE|Connection is closed|max retries per request/i.test(err.message)) {
    return new QueueError(`cannot reach Redis at ${describeConnection(connection)}: ${err.message}`, { cause: err });
  }
  return err;
}

/** Something BullMQ made: a Queue or QueueEvents. */
interface Closable {
  close(): Promise<unknown>;
  disconnect(): Promise<unknown>;
}

/**
 * Closes `clients`, waiting at most QUEUE_CLOSE_MS for Redis; past that their connections are dropped
 * (what they were still sending is lost, which for a submitter is nothing but lookups).
 */
export async function closeWithin(...clients: Closable[]): Promise<void> {
  const closed = await settlesWithin(Promise.all(clients.map((c) => c.close().catch(() => undefined))), QUEUE_CLOSE_MS);
  if (!closed) for (const c of clients) c.disconnect().catch(() => undefined);
}

/** Whether `work` settles (either way) within `ms`. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([work.then(() => true, () => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  clearTimeout(timer);
  return settled;
}

/**
 * Pings Redis once, within `timeoutMs` (or until `signal` aborts): BullMQ's clients retry an unreachable
 * server forever (right for a worker riding out a Redis restart, wrong for a command that should say at
 * once that the URL is wrong), and a stopped Redis accepts connections without answering.
 */
export async function checkConnection(connection: QueueConnection, o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 5000;
  const IORedis = ioredis();
  const client = new IORedis({ ...connection, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined); // reported by the rejected connect/ping below
  try {
    await withinDeadline(client.connect().then(() => client.ping()), { connection, what: 'ping', signal: o.signal, ms: timeoutMs });
  } catch (err) {
    if (err instanceof QueueError || o.signal?.aborted) throw err;
    throw new QueueError(`cannot reach Redis at ${describeConnection(connection)}: ${(err as Error).message}`, { cause: err });
  } finally {
    client.disconnect();
  }
}
