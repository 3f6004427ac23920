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
 * back (the same as filtering the reversed signal, without reversing it), starting from `zi`.
 */
function sosfiltLoop(sos: Sos, x: Float64Array, zi: Array<[number, number]>, backward: boolean): Loop {
  const n = sos.length;
  const z = zi.map(([a, b]) => [a, b]);
  const last = x.length - 1;
  return {
    n: x.length,
    grain: FILTER_GRAIN,
    body: (start, end) => {
      for (let k = start; k < end; k++) {
        const i = backward ? last - k : k;
        let cur = x[i]!;
        for (let s = 0; s < n; s++) {
          const c = sos[s]!;
          const zs = z[s]!;
          const y = c[0]! * cur + zs[0]!;
          zs[0] = c[1]! * cur - c[4]! * y + zs[1]!;
          zs[1] = c[2]! * cur - c[5]! * y;
          cur = y;
        }
        x[i] = cur;
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
