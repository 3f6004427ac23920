/**
 * Takes made since the server started: each render's WAV (at the bit depth asked for), its sidecar and
 * waveform peaks for the page to draw, kept in memory until kept in the output folder with the package's
 * own export(). The oldest are dropped past TAKES_KEPT takes or past the memory budget (the bytes each
 * take holds: its Float32 channels and its WAV), and the take list says how many were dropped.
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

/** Takes held in memory at most. */
export const TAKES_KEPT = 32;
/**
 * Bytes the takes may hold together (1 GiB). A 60 s stereo take at 48 kHz holds 23 MB of Float32 samples
 * and a 17 MB WAV at 24 bits (40 MB); at 96 kHz in 32-bit float 92 MB.
 */
export const DEFAULT_TAKES_BUDGET_BYTES = 1024 * 1024 * 1024;
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

/** The bytes a take holds: its samples (Float32, every channel) and its encoded WAV. */
export function takeBytes(take: Pick<Take, 'result' | 'wav'>): number {
  return take.result.channels.reduce((sum, c) => sum + c.byteLength, 0) + take.wav.byteLength;
}

export class TakeStore {
  private readonly takes: Take[] = [];
  private bytes = 0;
  /** Takes dropped for the count or the memory budget since the server started. */
  dropped = 0;

  constructor(readonly budgetBytes = DEFAULT_TAKES_BUDGET_BYTES) {}

  /** Bytes the takes in memory hold now. */
  get bytesHeld(): number {
    return this.bytes;
  }

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
    this.bytes += takeBytes(take);
    // The newest take stays, even alone past the budget: it is the one just asked for.
    while (this.takes.length > 1 && (this.takes.length > TAKES_KEPT || this.bytes > this.budgetBytes)) {
      this.bytes -= takeBytes(this.takes.shift()!);
      this.dropped++;
    }
    return take;
  }

  get(id: string): Take | undefined {
    return this.takes.find((t) => t.id === id);
  }

  list(): Take[] {
    return [...this.takes];
  }
}
