/** Stereo from mono (SPEC 8): a Haas delay on the right, then mid/side width. */

export const HAAS_DELAY_S = 0.015;

/** Left = the signal; right = the signal 15 ms later; then mid/side with side scaled by `width`. */
export function midSide(mono: Float32Array, sampleRate: number, width: number): [Float32Array, Float32Array] {
  const w = Math.min(1.5, Math.max(0, width));
  const delay = Math.round(HAAS_DELAY_S * sampleRate);
  const n = mono.length;
  const left = new Float32Array(n);
  const right = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const l = mono[i]!;
    const r = i >= delay ? mono[i - delay]! : 0;
    const mid = (l + r) / 2;
    const side = ((l - r) / 2) * w;
    left[i] = mid + side;
    right[i] = mid - side;
  }
  return [left, right];
}
