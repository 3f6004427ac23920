/** What `sda batch` reports when it ends (printed with --json), for local and queued runs alike. */
import type { BatchFailure } from '../jobs/job-file';
import type { JobResultView } from '../jobs/result-view';
import { clipForLog, LOG_MESSAGE_MAX, LOG_NAME_MAX } from '../util/log-text';
import { escapeForTerminal } from './escape';
import { printJson } from './output';

export interface BatchSummary {
  jobs: number;
  written: number;
  skipped: number;
  failed: number;
  models: number;
  seconds: number;
  clipsPerSecond: number;
  outputs: string[];
  skippedOutputs: string[];
  failures: BatchFailure[];
  /** The report of each job written (lib/jobs/result-view.ts), in the order of `outputs`. */
  results: JobResultView[];
}

/**
 * One line on stderr per failed job (names and messages come from the jobs file or Redis: control
 * characters escaped, lengths clipped).
 */
export function printFailures(failures: readonly BatchFailure[]): void {
  for (const x of failures) {
    const output = x.output ? ` (${escapeForTerminal(clipForLog(x.output, LOG_NAME_MAX))})` : '';
    process.stderr.write(`sda: job line ${x.line}${output} failed: ${x.code}: ${escapeForTerminal(clipForLog(x.error, LOG_MESSAGE_MAX))}\n`);
  }
}

/** The end of a batch: the failures on stderr, then the summary (JSON, or two lines) on stdout. */
export function printBatchEnd(summary: BatchSummary, json: boolean): void {
  printFailures(summary.failures);
  if (json) {
    printJson(summary);
    return;
  }
  const lines = [
    `${summary.written} written, ${summary.skipped} skipped, ${summary.failed} failed of ${summary.jobs} jobs ` +
      `(${summary.models} model${summary.models === 1 ? '' : 's'}, ${summary.seconds.toFixed(1)} s, ${summary.clipsPerSecond.toFixed(2)} clips/s)`,
  ];
  if (summary.failed > 0) lines.push(`failed lines: ${summary.failures.map((x) => x.line).join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
