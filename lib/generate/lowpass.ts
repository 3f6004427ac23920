/**
 * The Butterworth low-pass of SPEC 8, zero-phase: the result of scipy's
 * `sosfiltfilt(butter(order, cutoff, fs=rate, output='sos'), x)` (odd extension of 3 * (2 * sections + 1)
 * samples at each end, initial conditions from `sosfilt_zi` scaled by the edge sample), in float64.
 * Written out here because it is ~80 lines and no maintained npm package reproduces scipy's edge handling.
 */
import { copyLoop, runSliced, runWhole, type Loop, type SliceOptions, type SlicedWork } from '../util/slices';

/** Second-order sections, each [b0, b1, b2, a0, a1, a2]. */
export type Sos = number[][];

/**
 * A digital Butterworth low-pass of any order as second-order sections: the analog prototype's poles,
 * pre-warped and mapped by the bilinear transform, all zeros at z = -1, the gain in the first section.
 * Pole pairing and section order differ from scipy's, which changes nothing but rounding: the cascade is
 * the same filter.
 */
export function butterworthLowpass(order: number, cutoffHz: number, sampleRate: number): Sos {
  if (!Number.isInteger(order) || order < 1) throw new RangeError('order must be an integer >= 1');
  if (!(cutoffHz > 0 && cutoffHz < sampleRate / 2)) throw new RangeError('cutoff must be between 0 and the Nyquist frequency');
  const fs2 = 4; // scipy designs at fs = 2, so 2 * fs = 4
  const wn = (2 * cutoffHz) / sampleRate;
  const warped = fs2 * Math.tan((Math.PI * wn) / 2); // 2 * fs * tan(pi * Wn / fs) with fs = 2
  const sos: Sos = [];
  let gain = warped ** order; // lp2lp_zpk: k * wo ** degree
  const poles: Array<[number, number]> = [];
  for (let m = -order + 1; m < order; m += 2) {
    const theta = (Math.PI * m) / (2 * order);
    poles.push([-Math.cos(theta) * warped, -Math.sin(theta) * warped]); // wo * -exp(j*theta)
  }
  // Bilinear: p_z = (fs2 + p) / (fs2 - p); k_z = k * real(1 / prod(fs2 - p)) (no analog zeros).
  let denRe = 1;
  let denIm = 0;
  const digital: Array<[number, number]> = poles.map(([re, im]) => {
    const nr = fs2 + re;
    const ni = im;
    const dr = fs2 - re;
    const di = -im;
    const mag = dr * dr + di * di;
    [denRe, denIm] = [denRe * dr - denIm * di, denRe * di + denIm * dr];
    return [(nr * dr + ni * di) / mag, (ni * dr - nr * di) / mag];
  });
  gain *= (denRe / (denRe * denRe + denIm * denIm));
  // One section per conjugate pair (the poles with positive imaginary part), and for an odd order one
  // first-order section for the real pole (its zero at z = -1), as scipy's zpk2sos pads it.
  for (const [re, im] of digital) {
    if (im === 0) sos.push([1, 1, 0, 1, -re, 0]);
    if (im <= 0) continue;
    sos.push([1, 2, 1, 1, -2 * re, re * re + im * im]);
  }
  sos[0] = sos[0]!.map((v, i) => (i < 3 ? v * gain : v));
  return sos;
}

/** scipy.signal.lfilter_zi for one normalised second-order section. */
function sectionZi(s: number[]): [number, number] {
  const [b0, b1, b2, , a1, a2] = s as [number, number, number, number, number, number];
  const B0 = b1 - a1 * b0;
  const B1 = b2 - a2 * b0;
  const z0 = (B0 + B1) / (1 + a1 + a2);
  return [z0, B1 - a2 * z0];
}

/** scipy.signal.sosfilt_zi: steady-state initial conditions for a unit step. */
function sosZi(sos: Sos): Array<[number, number]> {
  let scale = 1;
  return sos.map((s) => {
    const [z0, z1] = sectionZi(s);
    const out: [number, number] = [scale * z0, scale * z1];
    scale *= (s[0]! + s[1]! + s[2]!) / (s[3]! + s[4]! + s[5]!);
    return out;
  });
}

/**
 * One pass of the cascade (direct form II transposed) over `x` in place, forward or from the last sample
 * back (the same as filtering the reversed signal, without reversing it), starting from `zi`. Sections go
 * four at a time through each range, sample by sample, coefficients and state in locals: the four
 * recurrences then overlap in the CPU (one section's chain is the latency bound), and every sample sees
 * the operations of the plain cascade in the same order, so the result is identical.
 */
function sosfiltLoop(sos: Sos, x: Float64Array, zi: Array<[number, number]>, backward: boolean): Loop {
  const coef = Float64Array.from(sos.flatMap((s) => [s[0]!, s[1]!, s[2]!, s[4]!, s[5]!]));
  const z = Float64Array.from(zi.flat());
  const sections = sos.length;
  return {
    n: x.length,
    grain: FILTER_GRAIN,
    body: (start, end) => {
      // This range's indices in x: [lo, hi), walked upwards, or downwards for the backward pass.
      const lo = backward ? x.length - end : start;
      const hi = backward ? x.length - start : end;
      const step = backward ? -1 : 1;
      const first = backward ? hi - 1 : lo;
      const count = hi - lo;
      let s = 0;
      for (; s + 4 <= sections; s += 4) {
        const c = 5 * s;
        const p0 = coef[c]!, p1 = coef[c + 1]!, p2 = coef[c + 2]!, p3 = coef[c + 3]!, p4 = coef[c + 4]!;
        const q0 = coef[c + 5]!, q1 = coef[c + 6]!, q2 = coef[c + 7]!, q3 = coef[c + 8]!, q4 = coef[c + 9]!;
        const r0 = coef[c + 10]!, r1 = coef[c + 11]!, r2 = coef[c + 12]!, r3 = coef[c + 13]!, r4 = coef[c + 14]!;
        const t0 = coef[c + 15]!, t1 = coef[c + 16]!, t2 = coef[c + 17]!, t3 = coef[c + 18]!, t4 = coef[c + 19]!;
        let pa = z[2 * s]!, pb = z[2 * s + 1]!, qa = z[2 * s + 2]!, qb = z[2 * s + 3]!;
        let ra = z[2 * s + 4]!, rb = z[2 * s + 5]!, ta = z[2 * s + 6]!, tb = z[2 * s + 7]!;
        for (let k = 0, i = first; k < count; k++, i += step) {
          const u = x[i]!;
          const y0 = p0 * u + pa;
          pa = p1 * u - p3 * y0 + pb;
          pb = p2 * u - p4 * y0;
          const y1 = q0 * y0 + qa;
          qa = q1 * y0 - q3 * y1 + qb;
          qb = q2 * y0 - q4 * y1;
          const y2 = r0 * y1 + ra;
          ra = r1 * y1 - r3 * y2 + rb;
          rb = r2 * y1 - r4 * y2;
          const y3 = t0 * y2 + ta;
          ta = t1 * y2 - t3 * y3 + tb;
          tb = t2 * y2 - t4 * y3;
          x[i] = y3;
        }
        z[2 * s] = pa; z[2 * s + 1] = pb; z[2 * s + 2] = qa; z[2 * s + 3] = qb;
        z[2 * s + 4] = ra; z[2 * s + 5] = rb; z[2 * s + 6] = ta; z[2 * s + 7] = tb;
      }
      for (; s < sections; s++) {
        const b0 = coef[5 * s]!, b1 = coef[5 * s + 1]!, b2 = coef[5 * s + 2]!, a1 = coef[5 * s + 3]!, a2 = coef[5 * s + 4]!;
        let z0 = z[2 * s]!, z1 = z[2 * s + 1]!;
        for (let k = 0, i = first; k < count; k++, i += step) {
          const u = x[i]!;
          const y = b0 * u + z0;
          z0 = b1 * u - a1 * y + z1;
          z1 = b2 * u - a2 * y;
          x[i] = y;
        }
        z[2 * s] = z0;
        z[2 * s + 1] = z1;
      }
    },
  };
}

/** Samples per range: each costs a few multiply-adds per section. */
const FILTER_GRAIN = 2048;

/** sosfiltfilt as loops (see slices.ts): the padded signal, the two passes, the copy out. */
function* sosfiltfiltWork<T extends Float32Array | Float64Array>(sos: Sos, x: ArrayLike<number>, out: (n: number) => T): SlicedWork<T> {
  const sections = sos.length;
  const zeros = Math.min(sos.filter((s) => s[2] === 0).length, sos.filter((s) => s[5] === 0).length);
  const edge = 3 * (2 * sections + 1 - zeros);
  const n = x.length;
  if (n <= edge) throw new RangeError(`the signal must be longer than ${edge} samples to filter it (got ${n})`);
  // Odd extension: 2*x[0] - x[edge..1] | x | 2*x[-1] - x[-2..-edge-1]
  const ext = new Float64Array(n + 2 * edge);
  for (let i = 0; i < edge; i++) ext[i] = 2 * x[0]! - x[edge - i]!;
  yield { n, grain: COPY_GRAIN, body: (s, e) => { for (let i = s; i < e; i++) ext[edge + i] = x[i]!; } };
  for (let i = 0; i < edge; i++) ext[edge + n + i] = 2 * x[n - 1]! - x[n - 2 - i]!;
  const zi = sosZi(sos);
  const scaled = (v: number) => zi.map(([a, b]) => [a * v, b * v] as [number, number]);
  yield sosfiltLoop(sos, ext, scaled(ext[0]!), false);
  yield sosfiltLoop(sos, ext, scaled(ext[ext.length - 1]!), true);
  const result = out(n);
  yield copyLoop(ext.subarray(edge, edge + n), result);
  return result;
}

/** Elements per range of the copy into the padded signal. */
const COPY_GRAIN = 65536;

/** scipy.signal.sosfiltfilt(sos, x) with the default odd padding. Returns a new Float64Array. */
export function sosfiltfilt(sos: Sos, x: ArrayLike<number>): Float64Array {
  return runWhole(sosfiltfiltWork(sos, x, (n) => new Float64Array(n)));
}

/**
 * sosfiltfilt in slices that yield to the event loop, with the same result. `output: 'float32'` gives
 * the result rounded to float32 (as `Float32Array.from` of the float64 result) without a float64 copy.
 */
export function sosfiltfiltAsync(sos: Sos, x: ArrayLike<number>, options?: SliceOptions & { output?: 'float64' }): Promise<Float64Array>;
export function sosfiltfiltAsync(sos: Sos, x: ArrayLike<number>, options: SliceOptions & { output: 'float32' }): Promise<Float32Array>;
export function sosfiltfiltAsync(
  sos: Sos,
  x: ArrayLike<number>,
  options: SliceOptions & { output?: 'float64' | 'float32' } = {},
): Promise<Float32Array | Float64Array> {
  const out = (n: number): Float32Array | Float64Array => (options.output === 'float32' ? new Float32Array(n) : new Float64Array(n));
  return runSliced(sosfiltfiltWork(sos, x, out), options);
}
