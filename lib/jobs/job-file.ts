/**
 * The jobs file of `sda batch` (JSON Lines, one job per line): parsed into jobs, and failures for the lines
 * that are not valid jobs, each with its line number. The same check (parseJob) is made by the queue's
 * worker on every job it takes, so a job means the same wherever it comes from and is rendered.
 */
import { BadJobError } from '../errors';
import { sidecarNameOf } from '../generate/export';
import { FORMAT_EXTENSIONS } from '../generate/types';
import { checkOptionPairs, parseJobOptions, type GenOptions } from './options';
import { checkOutputName } from './output-pair';

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

/** A job that is not valid, with what could be read of it for the report. */
interface JobProblem {
  error: string;
  output: string | null;
  model: string | null;
}

/** Checks one job object (a parsed line, or a job read from the queue) into a job, or says what is wrong. */
function checkJob(o: unknown, line: number): BatchJob | JobProblem {
  const problem = (error: string, output: string | null = null, model: string | null = null): JobProblem => ({ error, output, model });
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return problem('a job must be a JSON object {"model", "output", "options"}');
  const job = o as Record<string, unknown>;
  const unknown = Object.keys(job).filter((k) => !JOB_KEYS.has(k));
  if (unknown.length > 0) return problem(`unknown key ${JSON.stringify(unknown[0])}; a job has "model", "output" and "options"`);
  const model = job.model;
  if (model !== undefined && (typeof model !== 'string' || model === '')) return problem('"model" must be a non-empty string');
  // The options first: their format decides the output's extension.
  let options: GenOptions;
  try {
    options = parseJobOptions(job.options);
    checkOptionPairs(options); // options that do not go together fail the line, not a render
  } catch (err) {
    return problem(`options: ${oneLine(err)}`, typeof job.output === 'string' ? job.output : null, (model as string) ?? null);
  }
  const output = job.output !== undefined ? job.output : `job_${String(line).padStart(4, '0')}${FORMAT_EXTENSIONS[options.format ?? 'wav']}`;
  try {
    checkOutputName(output, options.format);
  } catch (err) {
    return problem(oneLine(err), typeof output === 'string' ? output : null, (model as string) ?? null);
  }
  return { line, model: model as string | undefined, output: output as string, options };
}

/**
 * One job (a line of a jobs file, or a job read from the queue) checked with the jobs file's rules:
 * BadJobError when it is not a valid job.
 */
export function parseJob(o: unknown, line: number): BatchJob {
  const r = checkJob(o, line);
  if ('error' in r) throw new BadJobError(r.error);
  return r;
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
    const job = checkJob(o, line);
    if ('error' in job) return fail(job.error, job.output, job.model);
    // Keyed by the sidecar's name: x.wav and x.flac would share x.json.
    const key = sidecarNameOf(job.output).toLowerCase();
    const taken = outputs.get(key);
    if (taken !== undefined) return fail(`output ${job.output} is already the output of line ${taken} (or shares its sidecar ${sidecarNameOf(job.output)})`, job.output, job.model ?? null);
    outputs.set(key, line);
    jobs.push(job);
  });
  return { jobs, failures };
}
