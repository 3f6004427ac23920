/** torchaudio's resampling on a device (native/resample.cc), with the copies in and out in slices. */
import { callNativeAsync } from './call';
import { native } from './loader';
import { copyLoop, runSliced } from '../util/slices';

/** torchaudio.functional.resample (sinc_interp_hann): each channel from `fromRate` to `toRate`. */
export async function resample(channels: Float32Array[], fromRate: number, toRate: number, device = 'cpu'): Promise<Float32Array[]> {
  if (fromRate === toRate || channels.length === 0) return channels;
  const n = channels[0]!.length;
  const flat = new Float32Array(n * channels.length);
  // The copies in and out run in slices: one `set` or `slice` of a 60 s signal blocks the loop 10-30 ms.
  await runSliced((function* () {
    for (const [i, c] of channels.entries()) yield copyLoop(c, flat, i * n);
  })());
  const binding = native();
  const out = await callNativeAsync(() => binding.resample(flat, channels.length, n, fromRate, toRate, device));
  const m = out.shape[1]!;
  const result = channels.map(() => new Float32Array(m));
  await runSliced((function* () {
    for (const [i, r] of result.entries()) yield copyLoop(out.data.subarray(i * m, (i + 1) * m), r);
  })());
  return result;
}
