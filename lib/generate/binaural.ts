/**
 * Binaural output (Distill's `audio/hrtf.py` `apply_binaural`): the signal convolved with a left and a
 * right head-related impulse response from a SOFA file, blended towards the centre by `width`, then
 * low-passed (first-order Butterworth, zero-phase) at `20 kHz - depth * 12 kHz` for distance.
 */
import FFT from 'fft.js';
import * as fs from 'node:fs';
import { runSliced, type SliceOptions } from '../util/slices';
import { HrtfError, InvalidArgumentError } from '../errors';
import { withFsErrorsAsync } from '../util/fs-error';
import { butterworthLowpass, sosfiltfiltAsync } from './lowpass';
import { readSofaHrir, DEFAULT_HRTF_DIRECTION, type SofaHrir } from './sofa';
import { resample } from '../native/resample';

export interface BinauralOptions {
  /** The SOFA HRTF file. */
  hrtfPath: string;
  /** 0 = both ears the same (centre), 1 = the HRTF as measured, up to 1.5 = exaggerated. */
  width: number;
  /** 0 = full bandwidth; above 0.01 a low-pass from 20 kHz (depth 0) down to 8 kHz (depth 1). */
  depth: number;
}

/** An HRIR pair at the signal's rate. */
export interface Hrtf extends SofaHrir {
  /** The file's own rate (`sampleRate` is the rate the pair was resampled to). */
  fileSampleRate: number;
}

const f32 = Math.fround;

/** Loaded pairs by file (path, size, modification time) and rate, as Distill caches by path and rate. */
const cache = new Map<string, Promise<Hrtf>>();
const CACHE_SIZE = 8;

/**
 * The HRIR pair of the SOFA file nearest Distill's direction (azimuth 90, elevation 0), resampled to
 * `rate` when the file's `Data.SamplingRate` differs (torchaudio's sinc resampler, as Distill). Cached
 * while the file is unchanged.
 */
export async function loadHrtf(file: string, rate: number): Promise<Hrtf> {
  const st = await withFsErrorsAsync('read', 'HRTF file', file, () => fs.promises.stat(file));
  const key = JSON.stringify([file, st.size, st.mtimeMs, st.ino, rate]);
  let entry = cache.get(key);
  if (!entry) {
    entry = (async () => {
      const hrir = await readSofaHrir(file, DEFAULT_HRTF_DIRECTION);
      const [left, right] = await resample([hrir.left, hrir.right], hrir.sampleRate, rate).catch((e: unknown) => {
        // A rate the resampler refuses (47999 Hz to 48000 needs a kernel past its limit) is the file's problem.
        if (e instanceof InvalidArgumentError) throw new HrtfError(file, `Data.SamplingRate ${hrir.sampleRate} Hz cannot be resampled to ${rate} Hz: ${e.message}`, { cause: e });
        throw e;
      });
      return { ...hrir, left: left!, right: right!, sampleRate: rate, fileSampleRate: hrir.sampleRate };
    })();
    cache.set(key, entry);
    entry.catch(() => cache.delete(key));
    while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  return entry;
}

/** Forgets every loaded HRTF (Distill's `clear_hrtf_cache`). */
export function clearHrtfCache(): void {
  cache.clear();
}

/** `[left, right]`: `mono` rendered binaurally at `rate` Hz with the HRTF of `options.hrtfPath`. */
export async function applyBinauralAsync(mono: Float32Array, rate: number, options: BinauralOptions, sliceOptions: SliceOptions = {}): Promise<Float32Array[]> {
  const hrtf = await loadHrtf(options.hrtfPath, rate);
  const [left, right] = await runSliced(convolveHeadWork(mono, [hrtf.left, hrtf.right]), sliceOptions);
  let out: Float32Array[] = await runSliced(widthWork(left!, right!, options.width), sliceOptions);
  const sos = depthLowpass(options.depth, rate);
  // scipy's sosfiltfilt refuses a signal of no more than its padding (6 samples here): Distill would fail
  // on one; such a signal is left unfiltered.
  if (sos && mono.length > 6) {
    out = [
      await sosfiltfiltAsync(sos, out[0]!, { ...sliceOptions, output: 'float32' }),
      await sosfiltfiltAsync(sos, out[1]!, { ...sliceOptions, output: 'float32' }),
    ];
  }
  return out;
}

/**
 * The depth low-pass as Distill designs it, or none at depth 0.01 or less: cutoff `20000 - depth *
 * 12000` Hz, at most 0.95 of Nyquist and at least 1 kHz, first-order Butterworth.
 */
export function depthLowpass(depth: number, rate: number): number[][] | null {
  if (!(depth > 0.01)) return null;
  const nyquist = rate / 2;
  const cutoff = Math.max(Math.min(20000 - depth * 12000, nyquist * 0.95), 1000);
  return butterworthLowpass(1, cutoff, rate);
}

/**
 * `[x * h for h of irs]`, each cut to x's length (scipy's `fftconvolve(x, h)[:n]`), by overlap-add of
 * FFT blocks in float64, then rounded to float32 (Distill's convolution runs in float32: the two differ
 * by float32 rounding only). One block per range of the loop; each ear's pending sums are one FFT frame
 * of float64, so the memory is the float32 results.
 */
function* convolveHeadWork(x: Float32Array, irs: Float32Array[]) {
  const n = x.length;
  const taps = Math.max(...irs.map((h) => h.length));
  let size = 1024;
  while (size < 4 * taps) size *= 2;
  const block = size - taps + 1;
  const fft = new FFT(size);
  const spectra = irs.map((h) => {
    const padded = new Float64Array(size);
    padded.set(h);
    const s = fft.createComplexArray() as number[];
    fft.realTransform(s, padded);
    return s;
  });
  const out = irs.map(() => new Float32Array(n));
  // tails[k][i]: the sum so far for sample `at + i`; samples before the next block's start are complete.
  const tails = irs.map(() => new Float64Array(size));
  const frame = new Float64Array(size);
  const xs = fft.createComplexArray() as number[];
  const ys = fft.createComplexArray() as number[];
  const y = fft.createComplexArray() as number[];
  yield {
    n: Math.ceil(n / block),
    grain: 1,
    body: (start: number, end: number) => {
      for (let b = start; b < end; b++) {
        const at = b * block;
        frame.fill(0);
        for (let i = 0; i < block && at + i < n; i++) frame[i] = x[at + i]!;
        fft.realTransform(xs, frame);
        spectra.forEach((h, k) => {
          // realTransform fills bins 0..size/2; the product's other half is their mirror.
          for (let j = 0; j <= size; j += 2) {
            const [ar, ai, br, bi] = [xs[j]!, xs[j + 1]!, h[j]!, h[j + 1]!];
            ys[j] = ar * br - ai * bi;
            ys[j + 1] = ar * bi + ai * br;
          }
          fft.completeSpectrum(ys);
          fft.inverseTransform(y, ys);
          const tail = tails[k]!;
          for (let i = 0; i < size; i++) tail[i] = tail[i]! + y[2 * i]!;
          const done = Math.min(block, n - at);
          for (let i = 0; i < done; i++) out[k]![at + i] = tail[i]!;
          tail.copyWithin(0, block);
          tail.fill(0, size - block);
        });
      }
    },
  };
  return out;
}

/**
 * Distill's width blend in float32: centre = (l + r) * 0.5, l' = centre + width * (l - centre), r' the
 * same.
 */
function* widthWork(left: Float32Array, right: Float32Array, width: number) {
  const w = f32(width);
  const n = left.length;
  const l2 = new Float32Array(n);
  const r2 = new Float32Array(n);
  yield {
    n,
    grain: 8192,
    body: (start: number, end: number) => {
      for (let i = start; i < end; i++) {
        const l = left[i]!;
        const r = right[i]!;
        const c = f32(l + r) * 0.5;
        l2[i] = c + f32(w * f32(l - c));
        r2[i] = c + f32(w * f32(r - c));
      }
    },
  };
  return [l2, r2];
}
