/**
 * `sda batch`: the outputs of the jobs about to render, checked before any rendering, so a job whose
 * file cannot be written fails at once instead of after its render: names with control characters, and
 * (with --no-clobber) outputs that exist (a job whose sidecar no longer matches it would replace them).
 */
import * as path from 'path';
import { SdaError } from '../errors';
import type { BatchJob } from '../jobs/job-file';
import { CliError } from './cli-error';
import { outputNameProblem, refuseExisting } from './output-folder';

export function checkJobOutputs(
  jobs: readonly BatchJob[],
  outDir: string,
  options: { noClobber: boolean },
): { ok: BatchJob[]; refused: Array<{ job: BatchJob; error: SdaError }> } {
  const ok: BatchJob[] = [];
  const refused: Array<{ job: BatchJob; error: SdaError }> = [];
  for (const job of jobs) {
    const problem = outputNameProblem(job.output);
    if (problem) {
      refused.push({ job, error: new CliError('ERR_SDA_BAD_JOB', problem) });
      continue;
    }
    try {
      if (options.noClobber) refuseExisting([path.join(outDir, job.output)]);
      ok.push(job);
    } catch (err) {
      refused.push({ job, error: err as SdaError });
    }
  }
  return { ok, refused };
}
