/**
 * startWorker: takes generation jobs from the queue and writes each WAV and sidecar under `out`.
 *
 * A job's data is checked as a line of a jobs file is (lib/jobs/job-file.ts `parseJob`; a bad job is
 * failed at once, never retried), then run by the job runner (lib/jobs/runner.ts `runJob`): the same
 * model resolution, resume rule, output name check and pair write as the local `sda batch`, so the files
 * are byte for byte the same. This file is the BullMQ glue: the jobs a worker holds at once
 * (`concurrency`) that use the same model are rendered together (lib/jobs/render-batcher.ts), and loaded
 * models are kept in a bounded cache (model-cache.ts).
 *
 * A worker that dies (kill -9, a machine lost) stops renewing its jobs' locks; after `lockDurationMs`
 * another worker's stalled-job check puts them back on the queue and the next worker to take one first
 * removes the temp files the dead one left for that output. Renders land under their final names only
 * by rename, so an output is there complete or not at all.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Job } from 'bullmq';
import { bullmq } from './client';
import { BadJobError, InvalidArgumentError } from '../errors';
import { GenerationPipeline } from '../generate/pipeline';
import { loadModel } from '../model/load-model';
import { DEFAULT_QUEUE_NAME, toConnection, type QueueConnection } from './connection';
import { checkConnection, QUEUE_CLOSE_MS, QUEUE_TIMEOUT_MS, settlesWithin } from './deadline';
import { errorCodeOf } from '../error-codes';
import { parseFailure, toQueueFailure } from './failure';
import { parseJob } from '../jobs/job-file';
import { resolveJobModel } from '../jobs/job-model';
import { RenderBatcher } from '../jobs/render-batcher';
import { readResumeModelInfo, type ResumeModelInfo } from '../jobs/resume';
import { runJob, type JobHost } from '../jobs/runner';
import { resolveModelsDir } from '../library/models-dir';
import { ModelCache } from './model-cache';
import type { QueueJobData, QueueJobResult } from './types';

export interface WorkerOptions {
  /** `redis://HOST:PORT/DB` or { host, port, db }. */
  connection: string | QueueConnection;
  /** Default `sda`. */
  queueName?: string;
  /** The model library jobs name models in (default as `sda`: $SDA_MODELS_DIR, config.toml, data/models). */
  modelsDir?: string;
  /** The output folder, shared with the other workers and the submitter (created when missing). */
  outDir?: string;
  /** @deprecated The 0.2.0 name of `outDir` (as startUi and enqueueJobs call it), still accepted. */
  out?: string;
  /** `auto` (default), `cpu`, `cuda:N`, `mps`. */
  device?: string;
  /** Jobs held at once (default 4); those on one model are rendered together. */
  concurrency?: number;
  /** Chunks per native call (default 8, as `sda batch`). */
  batchSize?: number;
  /** Models kept loaded (default 2). */
  modelCacheSize?: number;
  /** How long a job of a dead worker waits before another worker takes it over (default 30000 ms). */
  lockDurationMs?: number;
  /** What the worker is doing, one event at a time (`sda worker` prints them). */
  onEvent?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { type: 'ready'; worker: string }
  | { type: 'started'; id: string; line: number; output: string; model: string | null; attempt: number }
  | { type: 'written' | 'skipped'; id: string; line: number; output: string; seconds: number }
  | { type: 'failed'; id: string; line: number; output: string; code: string; message: string; willRetry: boolean }
  /** Trouble with Redis (the connection lost, say); the client reconnects by itself and the worker goes on. */
  | { type: 'queue-error'; message: string };

export interface WorkerHandle {
  /** host:pid, as recorded in each job's result. */
  readonly name: string;
  /**
   * Stops taking jobs at once. By default waits for the jobs it holds to be rendered and written, then
   * for Redis to record them; a Redis that does not answer within QUEUE_TIMEOUT_MS (10 s) is left, and
   * the jobs are taken again once their locks expire (the next worker finds their files done).
   * `force: true` leaves the jobs at once, and they go back to the queue when their locks expire
   * (`lockDurationMs`).
   */
  close(options?: { force?: boolean }): Promise<void>;
}

function positiveInt(name: string, v: number | undefined, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new InvalidArgumentError(`${name} must be an integer from 1 to ${max}; got ${JSON.stringify(v)}`);
  return v;
}

/** Connects, then resolves once the worker is taking jobs. */
export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const connection = toConnection(options.connection);
  const concurrency = positiveInt('concurrency', options.concurrency, 4, 256);
  const batchSize = positiveInt('batchSize', options.batchSize, 8, 256);
  const cacheSize = positiveInt('modelCacheSize', options.modelCacheSize, 2, 64);
  const lockDuration = positiveInt('lockDurationMs', options.lockDurationMs, 30000, 24 * 3600 * 1000);
  const outOption = options.outDir ?? options.out;
  if (typeof outOption !== 'string' || outOption === '') throw new InvalidArgumentError('outDir must be a folder');
  const outDir = path.resolve(outOption);
  const { dir: modelsDir } = resolveModelsDir(options.modelsDir);
  const device = options.device ?? 'auto';
  const emit = options.onEvent ?? (() => undefined);
  const name = `${os.hostname()}:${process.pid}`;
  fs.mkdirSync(outDir, { recursive: true });
  await checkConnection(connection);

  const cache = new ModelCache(cacheSize, async (file) => new GenerationPipeline(await loadModel(file, { device })));
  const batchers = new WeakMap<GenerationPipeline, RenderBatcher>();
  const batcherOf = (p: GenerationPipeline) => {
    let b = batchers.get(p);
    if (!b) batchers.set(p, (b = new RenderBatcher(p, batchSize)));
    return b;
  };
  // Reading a model's name and analysis for the resume check needs no LibTorch; kept per file.
  const infos = new Map<string, Promise<ResumeModelInfo>>();
  const infoOf = (file: string) => {
    if (!infos.has(file)) {
      if (infos.size >= 256) infos.clear();
      const p = readResumeModelInfo(file);
      p.catch(() => infos.delete(file));
      infos.set(file, p);
    }
    return infos.get(file)!;
  };

  const host: JobHost = {
    outDir,
    modelFileOf: async (job) => (await resolveJobModel(job.model, modelsDir)).path,
    modelInfoOf: infoOf,
    acquire: (file) => cache.acquire(file),
    render: (pipeline, config) => batcherOf(pipeline).render(config),
  };

  // The jobs being rendered or written here: a closing worker waits for them (they need no Redis).
  const running = new Set<Promise<unknown>>();
  const process1 = (job: Job<QueueJobData, QueueJobResult>): Promise<QueueJobResult> => {
    const p = processJob(job);
    const settled = p.then(() => undefined, () => undefined);
    running.add(settled);
    void settled.then(() => running.delete(settled));
    return p;
  };

  const processJob = async (job: Job<QueueJobData, QueueJobResult>): Promise<QueueJobResult> => {
    const d = job.data as Partial<QueueJobData> | undefined;
    const t0 = performance.now();
    // Read defensively: the data of a job queued by something else may not be ours at all.
    const base = { id: job.id!, line: Number(d?.line ?? 0), output: String(d?.output ?? '') };
    try {
      if (d?.v !== 1) throw new BadJobError(`job ${job.id} is not a job of this version of small-dataset-audio`);
      if (!Number.isInteger(d.line) || d.line! < 1) throw new BadJobError(`job ${job.id}: "line" must be a positive integer; got ${JSON.stringify(d.line)}`);
      emit({ type: 'started', ...base, model: typeof d.model === 'string' ? d.model : null, attempt: job.attemptsMade + 1 });
      // Job data from Redis is untrusted: checked as a line of a jobs file is, before anything touches the disk.
      const checked = parseJob({ model: d.model ?? undefined, output: d.output ?? null, options: d.options }, d.line!);
      const view = await runJob(checked, host);
      emit({ type: view.skipped ? 'skipped' : 'written', ...base, seconds: (performance.now() - t0) / 1000 });
      return { ...view, worker: name };
    } catch (err) {
      const failure = toQueueFailure(err);
      const attempts = job.opts.attempts ?? 1;
      const willRetry = failure.name !== 'UnrecoverableError' && job.attemptsMade + 1 < attempts;
      emit({ type: 'failed', ...base, ...parseFailure(failure.message), willRetry, code: errorCodeOf(err) });
      throw failure;
    }
  };

  const worker = new (bullmq().Worker)<QueueJobData, QueueJobResult>(options.queueName ?? DEFAULT_QUEUE_NAME, process1, {
    connection,
    concurrency,
    lockDuration,
    stalledInterval: lockDuration,
    // A job whose worker died twice still gets a third worker before it is failed.
    maxStalledCount: 2,
    name,
  });
  // Connection trouble is retried by the client (at most about once a second), so it is reported, not
  // thrown; errors thrown by jobs are reported as their 'failed' events.
  worker.on('error', (err) => emit({ type: 'queue-error', message: String((err as Error)?.message ?? err) }));
  await worker.waitUntilReady();
  emit({ type: 'ready', worker: name });
  // BullMQ's close waits for Redis (to record the jobs held, to quit its connections): bounded here.
  const leave = async (closed: Promise<unknown>, ms: number) => {
    if (!(await settlesWithin(closed, ms))) await settlesWithin(worker.disconnect(), QUEUE_CLOSE_MS);
    await cache.clear();
  };
  let closing: Promise<void> | undefined;
  return {
    name,
    close(o: { force?: boolean } = {}) {
      if (o.force) return leave(worker.close(true), QUEUE_CLOSE_MS);
      closing ??= (async () => {
        const closed = worker.close(); // no job is taken from here on
        while (running.size > 0) await Promise.all([...running]);
        await leave(closed, QUEUE_TIMEOUT_MS);
      })();
      return closing;
    },
  };
}
