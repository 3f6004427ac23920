/**
 * From rendered channels to the result, for both plans: low-pass, stereo or spatial, peak level,
 * resample, quality, trim. `pythonCompat` keeps the apps' order (normalise, resample, quality, then trim
 * the whole render to `int(duration * rate)`); the default mode resamples and trims first, so the peak
 * level and the quality report describe exactly the samples written.
 */
import { outputSampleCount, type GenerationConfig } from './config';
import { concatenateAsync } from './join';
import { butterworthLowpass, sosfiltfiltAsync } from './lowpass';
import { normalisePeakAsync } from './normalise';
import { qualityReportAsync, type QualityReport } from './quality';
import { applySpatialAsync, applySpatialToDualSeedAsync, type SpatialConfig } from './spatial';
import { resample } from '../native/resample';
import { midSideAsync } from './stereo';

export const PEAK_LEVEL = 0.891;
const LOWPASS_HZ = 20000;
const LOWPASS_ORDER = 8;

export interface FinishPlan {
  config: GenerationConfig;
  /** Internal sample rate of the rendered channels. */
  rate: number;
  /** Spatial processing; null for the `.sda` app's own stereo (`stereoMode`). */
  spatial: SpatialConfig | null;
  /** Two rendered channels (dual seed) rather than one. */
  dualSeed: boolean;
  /** The quality report over the channels one after the other (Distill), not over their mean (`.sda`). */
  qualityFlattened: boolean;
  device: string;
}

/** The anti-alias low-pass at the internal rate (none when its cutoff is at or above Nyquist). */
export async function lowpass(x: Float32Array, rate: number): Promise<Float32Array> {
  if (LOWPASS_HZ >= rate / 2 || x.length <= 3 * (LOWPASS_ORDER + 1)) return x;
  return sosfiltfiltAsync(butterworthLowpass(LOWPASS_ORDER, LOWPASS_HZ, rate), x, { output: 'float32' });
}

/** The channels, filtered, to the output: `{ channels, quality }`. */
export async function finishChannels(p: FinishPlan, rendered: Float32Array[]): Promise<{ channels: Float32Array[]; quality: QualityReport }> {
  const { config: c, rate } = p;
  let channels: Float32Array[] = [];
  for (let k = 0; k < rendered.length; k++) {
    channels.push(await lowpass(rendered[k]!, rate));
    rendered[k] = new Float32Array(0); // let go once filtered
  }
  if (p.spatial) {
    channels = p.dualSeed
      ? await applySpatialToDualSeedAsync(channels[0]!, channels[1]!, rate, p.spatial)
      : await applySpatialAsync(channels[0]!, rate, p.spatial);
  } else {
    const n = Math.min(...channels.map((ch) => ch.length));
    channels = channels.map((ch) => ch.subarray(0, n));
    if (c.stereoMode === 'mid-side') channels = await midSideAsync(channels[0]!, rate, c.stereoWidth);
  }
  const length = outputSampleCount(c);
  const trim = (chs: Float32Array[]) => chs.map((ch) => (ch.length > length ? ch.slice(0, length) : ch));
  const appOrder = c.pythonCompat;
  if (!appOrder) channels = trim(await resample(channels, rate, c.sampleRate, p.device));
  await normalisePeakAsync(channels, PEAK_LEVEL);
  if (appOrder) channels = await resample(channels, rate, c.sampleRate, p.device);
  // Distill rates the channel-major array flattened (numpy's ravel): the channels one after the other.
  const quality = await qualityReportAsync(p.qualityFlattened && channels.length > 1 ? [await concatenateAsync(channels)] : channels, c.sampleRate);
  return { channels: trim(channels), quality };
}
