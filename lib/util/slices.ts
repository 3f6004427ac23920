/**
 * Time-sliced loops for whole-signal work on the JS thread (WAV encoding, filtering, normalising...): the
 * loop body runs over ranges of indices, and the loop yields to the event loop (setImmediate) whenever a
 * slice has run for a few milliseconds, so a 60 s signal never stalls a server's other requests. The
 * body sees the same ranges in the same order as one plain loop would, so results are identical to a
 * synchronous run; only the moments between ranges change.
 */
import { performance } from 'node:perf_hooks';
import { AbortedError } from '../errors';

/** Milliseconds a slice may run before it yields (the target is a 50 ms event-loop delay). */
export const SLICE_MS = 4;
/**
 * Ranges a slice runs at most, however fast the machine: a long loop then yields on every machine, so
 * the interleaving with other callbacks does not depend on the CPU (and tests can rely on it).
 */
export const MAX_RANGES_PER_SLICE = 64;

export interface SliceOptions {
  /** Stops between ranges; the promise rejects with AbortedError. */
  signal?: AbortSignal;
}

/** One loop of a sliced computation: `body(start, end)` over [0, n) in ranges of at most `grain`. */
export interface Loop {
  n: number;
  grain: number;
  body: (start: number, end: number) => void;
}

/**
 * A computation written once as a generator of loops, with its result as the return value: run it
 * whole ({@link runWhole}, for the synchronous public functions) or in slices ({@link runSliced}). Both
 * call each body over the same indices in the same order, so their results are identical.
 */
export type SlicedWork<T> = Generator<Loop, T, void>;

/** Resolves on the event loop's next check phase, after pending I/O callbacks have run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError('the operation was aborted', { cause: signal.reason });
}

/** The clock of the current slice, shared by consecutive loops so they cannot add their budgets up. */
class Slicer {
  private start = performance.now();
  private ranges = 0;

  constructor(private readonly signal: AbortSignal | undefined) {
    throwIfAborted(signal);
  }

  /** Runs one loop; the clock is read once per range, so a range should be well under a millisecond. */
  async loop({ n, grain, body }: Loop): Promise<void> {
    const step = Math.max(1, Math.floor(grain));
    for (let at = 0; at < n; at += step) {
      if (this.ranges >= MAX_RANGES_PER_SLICE || performance.now() - this.start >= SLICE_MS) {
        await yieldToEventLoop();
        throwIfAborted(this.signal);
        this.start = performance.now();
        this.ranges = 0;
      }
      body(at, Math.min(n, at + step));
      this.ranges++;
    }
  }
}

/** Runs every loop of `work` in one call per loop. */
export function runWhole<T>(work: SlicedWork<T>): T {
  for (let step = work.next(); ; step = work.next()) {
    if (step.done) return step.value;
    if (step.value.n > 0) step.value.body(0, step.value.n);
  }
}

/**
 * Runs every loop of `work` in slices that yield to the event loop. The first slice runs before this
 * returns; the rest after yields.
 */
export async function runSliced<T>(work: SlicedWork<T>, options: SliceOptions = {}): Promise<T> {
  const slicer = new Slicer(options.signal);
  for (let step = work.next(); ; step = work.next()) {
    if (step.done) return step.value;
    await slicer.loop(step.value);
  }
}

/** Calls `body(start, end)` for consecutive ranges of at most `grain` indices covering [0, n), in slices. */
export function forEachSlice(n: number, grain: number, body: (start: number, end: number) => void, options: SliceOptions = {}): Promise<void> {
  return new Slicer(options.signal).loop({ n, grain, body });
}

/** The loop that copies `src` into `dst` at `offset` (one `set` of tens of MB blocks for 10-30 ms). */
export function copyLoop(src: Float32Array | Float64Array, dst: Float32Array | Float64Array, offset = 0): Loop {
  return { n: src.length, grain: COPY_GRAIN, body: (s, e) => dst.set(src.subarray(s, e), offset + s) };
}

/** Elements per range of a copy: a 256-512 KB memcpy, tens of microseconds. */
const COPY_GRAIN = 65536;
