/** What `sda batch` reports when it ends (printed with --json), for local and queued runs alike. */
import type { BatchFailure } from '../jobs/job-file';

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
}
