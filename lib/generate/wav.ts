/**
 * WAV encoding with the `wavefile` library (RIFF/WAVE container, 16/24-bit PCM and 32-bit float, any
 * channel count). Floats are quantised here, by rounding to the nearest step with clamping, so the
 * rounding is ours to document rather than the library's truncation.
 */
import { WaveFile } from 'wavefile';
import { InvalidArgumentError } from '../errors';
import type { BitDepth } from './config';

const CODES: Record<BitDepth, string> = { '16-bit': '16', '24-bit': '24', '32-bit float': '32f' };

/** round(clamp(x, -1, 1) * (2^(bits-1) - 1)) for each sample. */
function quantise(x: Float32Array, bits: number): Int32Array {
  const max = 2 ** (bits - 1) - 1;
  const out = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.round(Math.min(1, Math.max(-1, x[i]!)) * max);
  return out;
}

/** The bytes of a WAV file holding `channels` (each the same length) at `sampleRate`. */
export function encodeWav(channels: Float32Array[], sampleRate: number, bitDepth: BitDepth): Uint8Array {
  if (channels.length < 1 || channels.some((c) => c.length !== channels[0]!.length)) {
    throw new InvalidArgumentError('encodeWav: give one or more channels of the same length');
  }
  const code = CODES[bitDepth];
  if (!code) throw new InvalidArgumentError(`bitDepth must be one of ${Object.keys(CODES).map((k) => JSON.stringify(k)).join(', ')}`);
  const wav = new WaveFile();
  const samples = code === '32f' ? channels.map((c) => Float64Array.from(c)) : channels.map((c) => quantise(c, Number(code)));
  wav.fromScratch(channels.length, sampleRate, code, samples);
  return wav.toBuffer();
}
