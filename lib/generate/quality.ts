/** The quality report of SPEC 8 (SNR over 10 ms frames, clipping, a traffic-light rating). */
import { runSliced, runWhole, type SliceOptions, type SlicedWork } from '../util/slices';

export interface ClippingReport {
  clippedSamples: number;
  clippedPercentage: number;
  peakValue: number;
  maxConsecutiveClipped: number;
  hasClipping: boolean;
}

export interface QualityReport {
  /** dB; Infinity with no noise frames, 0 with no signal frames. */
  snrDb: number;
  clipping: ClippingReport;
  rating: 'green' | 'yellow' | 'red';
  ratingReason: string;
}

const SIGNAL_RMS = 0.01;
const CLIP_LEVEL = 0.999;

/** Samples per range of the loops (the SNR loop counts frames: GRAIN samples' worth of them). */
const GRAIN = 8192;

/** SNR over non-overlapping 10 ms frames of the channel mean (a trailing partial frame is ignored). */
function* snrDbWork(channels: Float32Array[], sampleRate: number): SlicedWork<number> {
  const frame = Math.floor(0.01 * sampleRate);
  const n = channels[0]?.length ?? 0;
  let signal = 0;
  let signalFrames = 0;
  let noise = 0;
  let noiseFrames = 0;
  yield {
    // Whole frames only; a rate under 100 Hz has no 10 ms frame of a sample or more.
    n: frame >= 1 ? Math.floor(n / frame) : 0,
    grain: Math.max(1, Math.floor(GRAIN / Math.max(1, frame * channels.length))),
    body: (first, last) => {
      for (let start = first * frame; start < last * frame; start += frame) {
        let power = 0;
        if (channels.length === 1) {
          // The common case without the per-sample loop over channels (the same sums: v / 1 is v).
          const c = channels[0]!;
          for (let i = start; i < start + frame; i++) power += c[i]! * c[i]!;
        } else {
          for (let i = start; i < start + frame; i++) {
            let v = 0;
            for (const c of channels) v += c[i]!;
            v /= channels.length;
            power += v * v;
          }
        }
        power /= frame;
        if (Math.sqrt(power) > SIGNAL_RMS) {
          signal += power;
          signalFrames++;
        } else {
          noise += power;
          noiseFrames++;
        }
      }
    },
  };
  if (signalFrames === 0) return 0;
  if (noiseFrames === 0) return Infinity;
  const ratio = signal / signalFrames / (noise / noiseFrames);
  return ratio > 0 ? 10 * Math.log10(ratio) : Infinity;
}

/** Samples at or above 0.999 in magnitude, over all channels. */
function* clippingWork(channels: Float32Array[]): SlicedWork<ClippingReport> {
  let clipped = 0;
  let peak = 0;
  let longest = 0;
  let total = 0;
  for (const c of channels) {
    let run = 0;
    total += c.length;
    yield {
      n: c.length,
      grain: GRAIN,
      body: (start, end) => {
        // Locals per range (captured variables updated per sample would stay in memory).
        let pk = peak, cl = clipped, rn = run, lg = longest;
        for (let i = start; i < end; i++) {
          const a = Math.abs(c[i]!);
          if (a > pk) pk = a;
          if (a >= CLIP_LEVEL) {
            cl++;
            rn++;
            if (rn > lg) lg = rn;
          } else {
            rn = 0;
          }
        }
        peak = pk;
        clipped = cl;
        run = rn;
        longest = lg;
      },
    };
  }
  return {
    clippedSamples: clipped,
    clippedPercentage: total ? (clipped / total) * 100 : 0,
    peakValue: peak,
    maxConsecutiveClipped: longest,
    hasClipping: clipped > 0,
  };
}

function fmt(snr: number): string {
  return Number.isFinite(snr) ? snr.toFixed(1) : snr > 0 ? 'inf' : '-inf';
}

function* qualityWork(channels: Float32Array[], sampleRate: number): SlicedWork<QualityReport> {
  const snr = yield* snrDbWork(channels, sampleRate);
  const clip = yield* clippingWork(channels);
  let rating: QualityReport['rating'] = 'green';
  let reason = `Good quality (SNR ${fmt(snr)} dB, no clipping)`;
  if (snr < 15 || clip.clippedPercentage > 0.1) {
    rating = 'red';
    reason = snr < 15 ? `Low SNR (${fmt(snr)} dB < 15 dB)` : `Heavy clipping (${clip.clippedPercentage.toFixed(2)}% of samples)`;
  } else if (snr <= 30 || clip.hasClipping) {
    rating = 'yellow';
    reason = snr <= 30 ? `Moderate SNR (${fmt(snr)} dB)` : `Some clipping (${clip.clippedSamples} samples)`;
  }
  return { snrDb: snr, clipping: clip, rating, ratingReason: reason };
}

export function qualityReport(channels: Float32Array[], sampleRate: number): QualityReport {
  return runWhole(qualityWork(channels, sampleRate));
}

/** qualityReport in slices that yield to the event loop, with the same result. */
export function qualityReportAsync(channels: Float32Array[], sampleRate: number, options: SliceOptions = {}): Promise<QualityReport> {
  return runSliced(qualityWork(channels, sampleRate), options);
}

/** The report as the Python app's dict (snake_case). */
export function qualityToPythonDict(q: QualityReport): Record<string, unknown> {
  return {
    snr_db: q.snrDb,
    clipping: {
      clipped_samples: q.clipping.clippedSamples,
      clipped_percentage: q.clipping.clippedPercentage,
      peak_value: q.clipping.peakValue,
      max_consecutive_clipped: q.clipping.maxConsecutiveClipped,
      has_clipping: q.clipping.hasClipping,
    },
    rating: q.rating,
    rating_reason: q.ratingReason,
  };
}
