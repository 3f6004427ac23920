/**
 * Takes made since the server started: each render's WAV (at the bit depth asked for), its sidecar and
 * waveform peaks for the page to draw, kept in memory (the oldest dropped beyond a bound) until kept in
 * the output folder with the package's own export().
 */
import type { GenerationResult } from '../generate/types';
import { sidecarFor, type GenerationSidecar } from '../generate/sidecar';
import { checkFiniteAudio } from '../generate/finite';
import { encodeWav, type BitDepth } from '../generate/wav';

export interface Take {
  id: string;
  modelId: string;
  modelName: string;
  createdAt: string;
  bitDepth: BitDepth;
  sliderPositions: number[] | null;
  result: GenerationResult;
  wav: Buffer;
  sidecar: GenerationSidecar;
  /** Min and max of each of PEAK_COLUMNS slices of the first channel, for drawing. */
  peaks: number[];
  /** Where it was kept, once kept. */
  kept?: string;
}

/** Takes held in memory; at 60 s stereo 48 kHz each WAV is ~17 MB at 24 bits. */
export const TAKES_KEPT = 32;
const PEAK_COLUMNS = 600;

export function waveformPeaks(channel: Float32Array, columns = PEAK_COLUMNS): number[] {
  const out: number[] = [];
  const n = channel.length;
  for (let c = 0; c < columns; c++) {
    const a = Math.floor((c * n) / columns);
    const b = Math.max(a + 1, Math.floor(((c + 1) * n) / columns));
    let lo = 0;
    let hi = 0;
    for (let i = a; i < b && i < n; i++) {
      const v = channel[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out.push(Math.round(lo * 1000) / 1000, Math.round(hi * 1000) / 1000);
  }
  return out;
}

/** The file name a take downloads under. */
export function takeFileName(result: GenerationResult): string {
  return `take_seed${result.seedUsed}.wav`;
}

export class TakeStore {
  private readonly takes: Take[] = [];

  async add(id: string, info: Omit<Take, 'id' | 'wav' | 'sidecar' | 'peaks' | 'createdAt'>): Promise<Take> {
    const { result, bitDepth } = info;
    await checkFiniteAudio(result.channels);
    const take: Take = {
      ...info,
      id,
      createdAt: new Date().toISOString(),
      wav: await encodeWav(result.channels, result.sampleRate, bitDepth),
      // The sidecar names the file as the page's "Download WAV" link does.
      sidecar: sidecarFor(result, { bitDepth, fileName: takeFileName(result) }),
      peaks: waveformPeaks(result.channels[0]!),
    };
    this.takes.push(take);
    if (this.takes.length > TAKES_KEPT) this.takes.shift();
    return take;
  }

  get(id: string): Take | undefined {
    return this.takes.find((t) => t.id === id);
  }

  list(): Take[] {
    return [...this.takes];
  }
}
