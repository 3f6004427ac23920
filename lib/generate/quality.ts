/** The quality report of SPEC 8 (SNR over 10 ms frames, clipping, a traffic-light rating). */

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

/** SNR over non-overlapping 10 ms frames of the channel mean (a trailing partial frame is ignored). */
export function snrDb(channels: Float32Array[], sampleRate: number): number {
  const frame = Math.floor(0.01 * sampleRate);
  const n = channels[0]?.length ?? 0;
  let signal = 0;
  let signalFrames = 0;
  let noise = 0;
  let noiseFrames = 0;
  for (let start = 0; start + frame <= n; start += frame) {
    let power = 0;
    for (let i = start; i < start + frame; i++) {
      let v = 0;
      for (const c of channels) v += c[i]!;
      v /= channels.length;
      power += v * v;
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
  if (signalFrames === 0) return 0;
  if (noiseFrames === 0) return Infinity;
  const ratio = signal / signalFrames / (noise / noiseFrames);
  return ratio > 0 ? 10 * Math.log10(ratio) : Infinity;
}

/** Samples at or above 0.999 in magnitude, over all channels. */
export function clipping(channels: Float32Array[]): ClippingReport {
  let clipped = 0;
  let peak = 0;
  let longest = 0;
  let total = 0;
  for (const c of channels) {
    let run = 0;
    total += c.length;
    for (let i = 0; i < c.length; i++) {
      const a = Math.abs(c[i]!);
      if (a > peak) peak = a;
      if (a >= CLIP_LEVEL) {
        clipped++;
        run++;
        if (run > longest) longest = run;
      } else {
        run = 0;
      }
    }
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

export function qualityReport(channels: Float32Array[], sampleRate: number): QualityReport {
  const snr = snrDb(channels, sampleRate);
  const clip = clipping(channels);
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
