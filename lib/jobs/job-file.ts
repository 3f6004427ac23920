/**
 * The jobs file of `sda batch` (JSON Lines, one job per line): parsed into jobs, and failures for the lines
 * that are not valid jobs, each with its line number. Shared by the local batch and the queue's
 * submitter, so a line means the same wherever it is rendered.
 */
import { sidecarNameOf } from '../generate/export';
import { FORMAT_EXTENSIONS } from '../generate/types';
import { exportTagsOf, parseJobOptions, type GenOptions } from './options';

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
    // The options first: their format decides the output's extension.
    let options: GenOptions;
    try {
      options = parseJobOptions(job.options);
      exportTagsOf(options); // a format, bit depth and tags that do not go together fail the line, not a render
    } catch (err) {
      return fail(`options: ${oneLine(err)}`, typeof job.output === 'string' ? job.output : null, (model as string) ?? null);
    }
    const ext = FORMAT_EXTENSIONS[options.format ?? 'wav'];
    let output = job.output;
    if (output === undefined) output = `job_${String(line).padStart(4, '0')}${ext}`;
    if (typeof output !== 'string' || !output.toLowerCase().endsWith(ext) || output.includes('/') || output.includes('\\') || output.startsWith('.')) {
      const why = options.format ? ` (options.format "${options.format}")` : '';
      return fail(`"output" must be a plain file name ending in ${ext}${why}; got ${JSON.stringify(output)}`, null, (model as string) ?? null);
    }
    // Keyed by the sidecar's name: x.wav and x.flac would share x.json.
    const key = sidecarNameOf(output).toLowerCase();
    const taken = outputs.get(key);
    if (taken !== undefined) return fail(`output ${output} is already the output of line ${taken} (or shares its sidecar ${sidecarNameOf(output)})`, output, (model as string) ?? null);
    outputs.set(key, line);
    jobs.push({ line, model: model as string | undefined, output, options });
  });
  return { jobs, failures };
}
