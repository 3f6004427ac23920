/** Peak normalisation (SPEC 8): all channels scaled together so the largest magnitude is a level. */
import { runSliced, runWhole, type SliceOptions, type SlicedWork } from '../util/slices';

/** Samples per range of each loop. */
const GRAIN = 8192;

/** The peak over all channels, then the scaling (float32 steps, as torch), as sliceable loops. */
function* normaliseWork(channels: Float32Array[], level: number): SlicedWork<void> {
  let peak = 0;
  for (const ch of channels) {
    yield {
      n: ch.length,
      grain: GRAIN,
      body: (start, end) => {
        // A local maximum per range: a captured variable updated per sample stays in memory, not a register.
        let m = peak;
        for (let i = start; i < end; i++) {
          const a = Math.abs(ch[i]!);
          if (a > m) m = a;
        }
        peak = m;
      },
    };
  }
  if (peak === 0) return;
  const p = Math.fround(peak);
  const l = Math.fround(level);
  for (const ch of channels) {
    yield {
      n: ch.length,
      grain: GRAIN,
      body: (start, end) => {
        for (let i = start; i < end; i++) ch[i] = Math.fround(Math.fround(ch[i]! / p) * l);
      },
    };
  }
}

/** Scales all channels together, in place, so the largest magnitude is `level` (float32 steps, as torch). */
export function normalisePeak(channels: Float32Array[], level: number): void {
  runWhole(normaliseWork(channels, level));
}

/** normalisePeak in slices that yield to the event loop, with the same result. */
export function normalisePeakAsync(channels: Float32Array[], level: number, options: SliceOptions = {}): Promise<void> {
  return runSliced(normaliseWork(channels, level), options);
}
