/** Latent vectors for the chunks of a generation (SPEC 8), drawn in the Python app's order. */

/**
 * Spherical interpolation between a and b at t (float32 arithmetic as torch does it); linear when the
 * vectors are nearly parallel (|cos| > 0.9995).
 */
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  const f = Math.fround;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    na = f(na + f(a[i]! * a[i]!));
    nb = f(nb + f(b[i]! * b[i]!));
  }
  na = f(Math.sqrt(na));
  nb = f(Math.sqrt(nb));
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot = f(dot + f(f(a[i]! / na) * f(b[i]! / nb)));
  dot = Math.min(1, Math.max(-1, dot));
  const out = new Float32Array(a.length);
  if (Math.abs(dot) > 0.9995) {
    for (let i = 0; i < a.length; i++) out[i] = f(f((1 - t) * a[i]!) + f(t * b[i]!));
    return out;
  }
  const omega = f(Math.acos(dot));
  const so = f(Math.sin(omega));
  const wa = f(f(Math.sin(f((1 - t) * omega))) / so);
  const wb = f(f(Math.sin(f(t * omega))) / so);
  for (let i = 0; i < a.length; i++) out[i] = f(f(wa * a[i]!) + f(wb * b[i]!));
  return out;
}

/** torch.linspace(0, 1, steps) values (float32). */
export function linspace01(steps: number): number[] {
  if (steps === 1) return [0];
  return Array.from({ length: steps }, (_, i) => Math.fround(i / (steps - 1)));
}

/** The latent-interpolation path: per pair of anchors `steps` SLERP points, then the last anchor. */
export function interpolationPath(anchors: Float32Array[], steps: number): Float32Array[] {
  const points: Float32Array[] = [];
  const ts = linspace01(steps);
  for (let i = 0; i + 1 < anchors.length; i++) {
    for (const t of ts) points.push(slerp(anchors[i]!, anchors[i + 1]!, t));
  }
  points.push(anchors[anchors.length - 1]!);
  return points;
}
