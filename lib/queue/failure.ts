/**
 * How a job's failure travels through Redis: BullMQ keeps only a message (`failedReason`), so the error's
 * stable code is written in front of it, `CODE: message`, and read back by the submitter. Bad jobs (a
 * model that does not exist, options that are invalid) become BullMQ's UnrecoverableError, failed at once
 * without retries; anything else (a file system or device hiccup) is retried with backoff.
 */
import { bullmq } from './client';
import { errorCodeOf, isRetryable } from '../error-codes';
import { clipForLog, LOG_MESSAGE_MAX } from '../util/log-text';

/** A job that another try cannot fix: the job itself is wrong (ERROR_CODES' retry rule). */
export function isBadJob(err: unknown): boolean {
  return !isRetryable(err);
}

/** The error to throw from the processor for `err` (its first line, clipped as a log line: Redis keeps it). */
export function toQueueFailure(err: unknown): Error {
  const message = `${errorCodeOf(err)}: ${clipForLog(String((err as Error)?.message ?? err).split('\n')[0]!, LOG_MESSAGE_MAX)}`;
  return isBadJob(err) ? new (bullmq().UnrecoverableError)(message) : new Error(message);
}

/** The code and message of a failed job's reason (ERR_SDA_QUEUE for a reason BullMQ wrote, such as a job whose workers kept dying). */
export function parseFailure(reason: string | undefined): { code: string; message: string } {
  const m = /^(ERR_SDA_[A-Z0-9_]+): ([^]*)$/.exec(reason ?? '');
  return m ? { code: m[1]!, message: m[2]! } : { code: 'ERR_SDA_QUEUE', message: reason ?? 'failed' };
}
