/**
 * The latent trajectory of a `.distill` generation (Distill's `inference/chunking.py`): a few random
 * anchors, walked by SLERP at one point per overlap-add decode step. Float32 steps as torch takes them, so
 * the points equal Distill's to the last bit or two.
 */

const f = Math.fround;

/** sqrt(sum(x^2)) in float32 (torch.linalg.norm of a short vector). */
function norm(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s = f(s + f(x[i]! * x[i]!));
  return f(Math.sqrt(s));
}

/**
 * Distill's `slerp(v0, v1, t)`: on the unit sphere between the two vectors, their magnitudes kept;
 * `torch.lerp` when they are nearly parallel (|cos| > 0.9995). Written out because it is a few lines of
 * float32 arithmetic that must round as torch rounds.
 */
export function slerpDistill(a: Float32Array, b: Float32Array, t: number): Float32Array {
  const n = a.length;
  const na = norm(a);
  const nb = norm(b);
  let dot = 0;
  for (let i = 0; i < n; i++) dot = f(dot + f(f(a[i]! / na) * f(b[i]! / nb)));
  dot = Math.min(1, Math.max(-1, dot));
  const w = f(t);
  const out = new Float32Array(n);
  if (Math.abs(dot) > 0.9995) {
    // torch.lerp: start + w * (end - start) below w = 0.5, end - (end - start) * (1 - w) from there.
    for (let i = 0; i < n; i++) {
      const d = f(b[i]! - a[i]!);
      out[i] = w < 0.5 ? f(a[i]! + f(w * d)) : f(b[i]! - f(d * f(1 - w)));
    }
    return out;
  }
  const theta0 = f(Math.acos(dot));
  const sinTheta0 = f(Math.sin(theta0));
  const thetaT = f(theta0 * w);
  const s0 = f(f(Math.sin(f(theta0 - thetaT))) / sinTheta0);
  const s1 = f(f(Math.sin(thetaT)) / sinTheta0);
  for (let i = 0; i < n; i++) out[i] = f(f(s0 * a[i]!) + f(s1 * b[i]!));
  return out;
}

/**
 * Distill's `_interpolate_trajectory`: `steps` points, point i at `t = i / (steps - 1)` along the anchors,
 * each segment walked by SLERP. One anchor, or one step, gives the first anchor repeated.
 */
export function interpolateTrajectory(anchors: Float32Array[], steps: number): Float32Array[] {
  if (anchors.length === 1 || steps <= 1) return Array.from({ length: Math.max(steps, 1) }, () => anchors[0]!);
  const segments = anchors.length - 1;
  const points: Float32Array[] = [];
  for (let i = 0; i < steps; i++) {
    const at = (i / Math.max(steps - 1, 1)) * segments;
    const seg = Math.min(Math.trunc(at), segments - 1);
    points.push(slerpDistill(anchors[seg]!, anchors[seg + 1]!, at - seg));
  }
  return points;
}

/** The overlap-add geometry of a `.distill` generation. */
export interface DecodeSteps {
  /** Latent points decoded (each one mel window). */
  steps: number;
  /** Mel frames of one decoded window: `chunkSamples // hop + 1`. */
  chunkFrames: number;
  /** Frames between consecutive windows: half a window (50% overlap). */
  hopFrames: number;
  /** Frames of the overlap-added mel: one window, or `(steps - 1) * hopFrames + chunkFrames`. */
  totalFrames: number;
}

/**
 * Distill's `_compute_num_decode_steps`: enough 50%-overlapping windows of `chunkSamples` to cover
 * `targetSamples` (`targetSamples // hop + 1` frames).
 */
export function decodeSteps(targetSamples: number, chunkSamples: number, hop: number): DecodeSteps {
  const chunkFrames = Math.floor(chunkSamples / hop) + 1;
  const hopFrames = Math.floor(chunkFrames / 2);
  const needed = Math.floor(targetSamples / hop) + 1;
  const steps = Math.max(1, Math.ceil((needed - chunkFrames) / hopFrames) + 1);
  return { steps, chunkFrames, hopFrames, totalFrames: steps === 1 ? chunkFrames : (steps - 1) * hopFrames + chunkFrames };
}
