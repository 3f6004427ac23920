/** Stereo from mono (SPEC 8): a Haas delay on the right, then mid/side width. */
import { runSliced, type SliceOptions } from '../util/slices';

export const HAAS_DELAY_S = 0.015;

/** Samples per range of the loop. */
const GRAIN = 8192;

/**
 * Left = the signal; right = the signal 15 ms later; then mid/side with side scaled by `width`. Runs in
 * slices that yield to the event loop.
 */
export function midSideAsync(mono: Float32Array, sampleRate: number, width: number, options: SliceOptions = {}): Promise<[Float32Array, Float32Array]> {
  return runSliced(
    (function* () {
      const w = Math.min(1.5, Math.max(0, width));
      const delay = Math.round(HAAS_DELAY_S * sampleRate);
      const n = mono.length;
      const left = new Float32Array(n);
      const right = new Float32Array(n);
      yield {
        n,
        grain: GRAIN,
        body: (start: number, end: number) => {
          for (let i = start; i < end; i++) {
            const l = mono[i]!;
            const r = i >= delay ? mono[i - delay]! : 0;
            const mid = (l + r) / 2;
            const side = ((l - r) / 2) * w;
            left[i] = mid + side;
            right[i] = mid - side;
          }
        },
      };
      return [left, right] as [Float32Array, Float32Array];
    })(),
    options,
  );
}
