/** The job and result types of the queue (public: exported from lib/index.ts). */
import type { JobResultView } from '../jobs/result-view';

/**
 * One job: a line of an `sda batch` JSONL file. `options` are the job's options as JSON (the API's option
 * names: duration, seed, stereoMode, bitDepth, sliders as {"0": 3} or [3, 0, -2], ...).
 */
export interface QueueJob {
  /** A .sda file, or a model id or name in the worker's library (default: the demo model). */
  model?: string;
  /** The WAV file name in the worker's output folder; the sidecar is `<name>.json`. */
  output: string;
  options?: Record<string, unknown>;
  /** The job's line in its JSONL file, to report failures with (default: its index + 1). */
  line?: number;
}

/** What is stored in Redis for a job (versioned, so a newer worker can tell an older job). */
export interface QueueJobData {
  v: 1;
  line: number;
  model: string | null;
  output: string;
  options: Record<string, unknown>;
}

/**
 * What a worker reports for a finished job: the job runner's report (JobResultView: `output`, `skipped`
 * when the WAV and a sidecar matching the job were already there, `seed`, `modelName`, duration,
 * quality, ...; paths as the worker sees them), and the worker.
 */
export interface QueueJobResult extends JobResultView {
  /** host:pid of the worker that finished it. */
  worker: string;
}

/** Where a job stands in the queue. */
export type QueueJobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'missing';

export interface QueueJobStatus {
  id: string;
  line: number;
  output: string;
  state: QueueJobState;
  /** For a completed job. */
  result?: QueueJobResult;
  /** For a failed job: the error's code and message. */
  error?: { code: string; message: string };
  /** Attempts made so far. */
  attempts: number;
}
