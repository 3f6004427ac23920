/** The job queue (BullMQ on Redis): enqueue `sda batch` jobs, run workers, follow jobs. */
export { enqueueJobs, type EnqueueOptions, type EnqueuedJob } from './enqueue';
export { startWorker, type WorkerOptions, type WorkerHandle, type WorkerEvent } from './worker';
export { jobStatuses, followJobs, isSettled, type StatusOptions, type FollowOptions, type JobRef } from './status';
export { parseQueueUrl, DEFAULT_QUEUE_NAME, type QueueConnection } from './connection';
export { jobIdOf } from './job-id';
export { toJobData } from './job-data';
export { QueueError } from './errors';
export type { QueueJob, QueueJobData, QueueJobResult, QueueJobState, QueueJobStatus } from './types';
