/**
 * The server's generation requests, rendered one at a time, in the order they came, on the one device:
 * a second request waits rather than competing for the same LibTorch thread, and past MAX_PENDING_JOBS
 * or MAX_PENDING_SECONDS waiting or rendering a request is refused. Each job can be cancelled
 * while waiting (it leaves the queue) or while rendering (its AbortSignal stops the pipeline between
 * chunks). Finished renders become takes (lib/ui/takes.ts).
 */
import * as crypto from 'crypto';
import { errorCodeOf } from '../error-codes';
import { AbortedError, SdaError } from '../errors';
import { DEFAULT_GENERATION_CONFIG, type GenerationConfig } from '../generate/config';
import type { GenerationPipeline } from '../generate/pipeline';
import type { GenerationResult } from '../generate/types';
import type { BitDepth } from '../generate/wav';
import { UiError } from './errors';

export type JobState = 'queued' | 'rendering' | 'done' | 'failed' | 'cancelled';

export interface RenderRequest {
  modelId: string;
  modelName: string;
  /** The model file. */
  file: string;
  config: Partial<GenerationConfig>;
  sliderPositions: number[] | null;
  bitDepth: BitDepth;
}

export interface RenderJob {
  id: string;
  state: JobState;
  request: RenderRequest;
  /** 0..1 while rendering. */
  progress: number;
  /** The take made, when done. */
  takeId?: string;
  error?: { code: string; message: string };
}

/** What renders a request: loads (or reuses) the model and returns the result. */
export type Renderer = (req: RenderRequest, signal: AbortSignal, onProgress: (fraction: number) => void) => Promise<GenerationResult>;

/** Finished jobs kept for the page to pick up their outcome. */
const FINISHED_KEPT = 64;

/** Jobs waiting or rendering at most; one more is refused (ERR_SDA_UI_BUSY, 503). */
export const MAX_PENDING_JOBS = 32;
/** Seconds of audio the jobs waiting or rendering may ask for together (15 minutes); past it, refused. */
export const MAX_PENDING_SECONDS = 900;

function durationOf(request: RenderRequest): number {
  return request.config.duration ?? DEFAULT_GENERATION_CONFIG.duration;
}

export class RenderQueue {
  private readonly jobs: RenderJob[] = [];
  private readonly controllers = new Map<string, AbortController>();
  private running = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly render: Renderer,
    private readonly onDone: (job: RenderJob, result: GenerationResult) => Promise<string>,
  ) {}

  enqueue(request: RenderRequest): RenderJob {
    if (this.closed) throw new SdaError('ERR_SDA_ABORTED', 'the server is closing');
    const pending = this.jobs.filter((j) => j.state === 'queued' || j.state === 'rendering');
    if (pending.length >= MAX_PENDING_JOBS) {
      throw new UiError('ERR_SDA_UI_BUSY', 503, `${pending.length} requests are waiting or rendering (at most ${MAX_PENDING_JOBS}); wait for some to finish or cancel them`);
    }
    const seconds = pending.reduce((sum, j) => sum + durationOf(j.request), 0) + durationOf(request);
    if (seconds > MAX_PENDING_SECONDS) {
      throw new UiError('ERR_SDA_UI_BUSY', 503, `the requests waiting or rendering would ask for ${seconds} s of audio (at most ${MAX_PENDING_SECONDS} s together); wait for some to finish or cancel them`);
    }
    const job: RenderJob = { id: crypto.randomUUID(), state: 'queued', request, progress: 0 };
    this.jobs.push(job);
    this.prune();
    if (!this.running) this.idle = this.drain();
    return job;
  }

  get(id: string): RenderJob | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  /** Jobs waiting or rendering, in order, then the finished ones, newest last. */
  list(): RenderJob[] {
    return [...this.jobs];
  }

  /** Cancels a waiting or rendering job; false when it had already finished. */
  cancel(id: string): boolean {
    const job = this.get(id);
    if (!job || (job.state !== 'queued' && job.state !== 'rendering')) return false;
    if (job.state === 'queued') job.state = 'cancelled';
    else this.controllers.get(id)?.abort(new AbortedError('cancelled from the page'));
    return true;
  }

  /**
   * Cancels every waiting or rendering job on a model (its file is being deleted): a render still
   * loading the model would otherwise fail on the missing file instead of being cancelled.
   */
  cancelModel(modelId: string): void {
    for (const j of this.jobs) if (j.request.modelId === modelId) this.cancel(j.id);
  }

  /** Cancels everything and waits for the job being rendered to stop. */
  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.jobs) this.cancel(j.id);
    await this.idle;
  }

  private prune(): void {
    const finished = this.jobs.filter((j) => j.state !== 'queued' && j.state !== 'rendering');
    for (const j of finished.slice(0, Math.max(0, finished.length - FINISHED_KEPT))) this.jobs.splice(this.jobs.indexOf(j), 1);
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let job = this.next(); job; job = this.next()) await this.run(job);
    } finally {
      this.running = false;
    }
  }

  private next(): RenderJob | undefined {
    return this.jobs.find((j) => j.state === 'queued');
  }

  private async run(job: RenderJob): Promise<void> {
    const controller = new AbortController();
    this.controllers.set(job.id, controller);
    job.state = 'rendering';
    try {
      const result = await this.render(job.request, controller.signal, (f) => {
        job.progress = Math.max(job.progress, Math.min(1, f));
      });
      if (controller.signal.aborted) throw new AbortedError('cancelled from the page');
      job.takeId = await this.onDone(job, result);
      job.progress = 1;
      job.state = 'done';
    } catch (e) {
      if (controller.signal.aborted || (e instanceof SdaError && e.code === 'ERR_SDA_ABORTED')) {
        job.state = 'cancelled';
      } else {
        job.state = 'failed';
        job.error = { code: errorCodeOf(e), message: String((e as Error)?.message ?? e) };
      }
    } finally {
      this.controllers.delete(job.id);
      this.prune();
    }
  }
}
