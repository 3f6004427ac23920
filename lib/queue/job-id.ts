/**
 * A job's id is a hash of what it renders (model, output name, normalised options), so that submitting
 * the same file twice finds the jobs already there instead of adding them again (BullMQ ignores an add
 * whose id exists), while an edited job (another seed) is a new job.
 */
import { createHash } from 'node:crypto';
import type { QueueJobData } from './types';

/** JSON with object keys sorted at every level, so key order in the file does not change the id. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `sda-<32 hex>`: not a number (BullMQ refuses numeric custom ids) and no `:` (its key separator). */
export function jobIdOf(data: Pick<QueueJobData, 'model' | 'output' | 'options'>): string {
  const text = canonicalJson({ model: data.model, output: data.output.toLowerCase(), options: data.options });
  return `sda-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}
