/**
 * A QueueJob checked and normalised into what is stored in Redis: the options and the output name checked
 * as the local batch checks them (a bad job is refused before it reaches any worker; the worker checks
 * again what it reads back) and written back as plain JSON, so the id (job-id.ts) does not depend on how
 * the file spelled them.
 */
import { InvalidArgumentError } from '../errors';
import type { BatchJob } from '../jobs/job-file';
import { checkOptionPairs, parseJobOptions, type GenOptions } from '../jobs/options';
import { checkOutputName } from '../jobs/output-pair';
import type { QueueJob, QueueJobData } from './types';

/** GenOptions as JSON: every value is JSON already except the slider positions (a Map). */
export function optionsToJson(o: GenOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    out[k] = v instanceof Map ? Object.fromEntries([...v].map(([i, p]) => [String(i), p])) : v;
  }
  return out;
}

/** The stored form of `job` (the `index`-th of a list, for messages). InvalidArgumentError when it is not a valid job. */
export function toJobData(job: QueueJob, index: number): QueueJobData {
  const where = `jobs[${index}]`;
  if (job === null || typeof job !== 'object') throw new InvalidArgumentError(`${where} must be an object { model?, output, options? }`);
  if (job.model !== undefined && (typeof job.model !== 'string' || job.model === '')) throw new InvalidArgumentError(`${where}.model must be a non-empty string`);
  // The options first: their format decides the output's extension.
  let options: GenOptions;
  try {
    options = parseJobOptions(job.options);
    checkOptionPairs(options);
  } catch (err) {
    throw new InvalidArgumentError(`${where}.options: ${(err as Error).message}`);
  }
  try {
    checkOutputName(job.output, options.format);
  } catch (err) {
    throw new InvalidArgumentError(`${where}.output: ${(err as Error).message}`);
  }
  const line = job.line ?? index + 1;
  if (!Number.isInteger(line) || line < 1) throw new InvalidArgumentError(`${where}.line must be a positive integer`);
  return { v: 1, line, model: job.model ?? null, output: job.output, options: optionsToJson(options) };
}

/** A parsed line of a jobs file (`sda batch`) as a QueueJob. */
export function queueJobOf(job: BatchJob): QueueJob {
  return { model: job.model, output: job.output, options: optionsToJson(job.options), line: job.line };
}
