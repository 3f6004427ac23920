/**
 * The one place lib/queue reaches into the job format of `sda batch` (lib/cli): a queue job is a line of
 * the same JSONL file, so it must parse, resolve and resume exactly as the local batch does, and sharing
 * the code (not copying it) is what keeps the two byte-identical. These modules are the format's only
 * home today; when they move down into lib/ this file is the only import to change.
 */
export type { BatchJob } from '../cli/commands/batch';
export { parseJobOptions, toGenerationConfig, type GenOptions } from '../cli/gen-options';
export { readResumeModelInfo, sidecarMismatch, splitDoneJobs, type ResumeModelInfo } from '../cli/batch-resume';
export { resolveModel } from '../cli/resolve-model';
export { resolveModelsDir } from '../cli/models-dir';
