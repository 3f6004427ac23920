/**
 * The jobs file of `sda batch` (JSON Lines, one job per line): parsed into jobs, and failures for the lines
 * that are not valid jobs, each with its line number. Shared by the local batch and the queue's
 * submitter, so a line means the same wherever it is rendered.
 */
import { parseJobOptions, type GenOptions } from './options';

export interface BatchJob {
  /** 1-based line number in the jobs file. */
  line: number;
  /** The model as written (undefined: the demo model). */
  model?: string;
  output: string;
  options: GenOptions;
}

export interface BatchFailure {
  line: number;
  output: string | null;
  model: string | null;
  error: string;
  code: string;
}

const JOB_KEYS = new Set(['model', 'output', 'options']);

function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}

/** Parses the jobs text: jobs, and failures for the lines that are not valid jobs. */
export function parseJobs(text: string): { jobs: BatchJob[]; failures: BatchFailure[] } {
  const jobs: BatchJob[] = [];
  const failures: BatchFailure[] = [];
  const outputs = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('//')) return;
    const fail = (error: string, output: string | null = null, model: string | null = null) =>
      failures.push({ line, output, model, error, code: 'ERR_SDA_BAD_JOB' });
    let o: unknown;
    try {
      o = JSON.parse(trimmed);
    } catch (err) {
      fail(`not valid JSON: ${oneLine(err)}`);
      return;
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return fail('a job must be a JSON object {"model", "output", "options"}');
    const job = o as Record<string, unknown>;
    const unknown = Object.keys(job).filter((k) => !JOB_KEYS.has(k));
    if (unknown.length > 0) return fail(`unknown key ${JSON.stringify(unknown[0])}; a job has "model", "output" and "options"`);
    const model = job.model;
    if (model !== undefined && (typeof model !== 'string' || model === '')) return fail('"model" must be a non-empty string');
    let output = job.output;
    if (output === undefined) output = `job_${String(line).padStart(4, '0')}.wav`;
    if (typeof output !== 'string' || !output.toLowerCase().endsWith('.wav') || output.includes('/') || output.includes('\\') || output.startsWith('.')) {
      return fail(`"output" must be a plain file name ending in .wav; got ${JSON.stringify(output)}`, null, (model as string) ?? null);
    }
    const taken = outputs.get(output.toLowerCase());
    if (taken !== undefined) return fail(`output ${output} is already the output of line ${taken}`, output, (model as string) ?? null);
    outputs.set(output.toLowerCase(), line);
    let options: GenOptions;
    try {
      options = parseJobOptions(job.options);
    } catch (err) {
      return fail(`options: ${oneLine(err)}`, output, (model as string) ?? null);
    }
    jobs.push({ line, model: model as string | undefined, output, options });
  });
  return { jobs, failures };
}
