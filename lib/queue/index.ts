/**
 * The package's second entry, `small-dataset-audio/queue`: the job queue (BullMQ on Redis), `sda batch`
 * jobs rendered by workers on other machines. enqueueJobs(jobs, { connection, queueName }) queues them under
 * ids derived from each job's content and output (a resubmitted job is not added twice);
 * startWorker({ connection, out, ... }) renders them until its handle's close(); jobStatuses/followJobs
 * look them up. `connection` is `redis://HOST:PORT/DB`. Kept out of the main entry so that its types (and
 * bullmq's) are only read by programs that use the queue.
 */
/// <reference types="node" preserve="true" />
export { enqueueJobs, type EnqueueOptions, type EnqueuedJob } from './enqueue';
export { startWorker, type WorkerOptions, type WorkerHandle, type WorkerEvent } from './worker';
export { jobStatuses, followJobs, type StatusOptions, type FollowOptions, type JobRef } from './status';
export { parseQueueUrl, DEFAULT_QUEUE_NAME, type QueueConnection } from './connection';
export { jobIdOf } from './job-id';
export { QueueError } from './errors';
export type { QueueJob, QueueJobData, QueueJobResult, QueueJobState, QueueJobStatus } from './types';
