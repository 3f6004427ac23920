/**
 * The generation layer's shared types: what a generation takes and gives back, and the formats it is
 * exported in. A leaf: the pipeline, the renderer, the exporter and the sidecar all read these from here.
 */
import type { GenerationConfig } from './config';
import { GEN_OPTIONS as T } from './options-table';
import type { QualityReport } from './quality';

export interface GenerationProgress {
  stage: 'decode' | 'invert' | 'finish';
  /** Units done of `total`: chunks for a `.sda` model, decode steps for a `.distill` one (over both channels for dual seed). */
  done: number;
  total: number;
}

export interface GenerateOptions {
  onProgress?: (p: GenerationProgress) => void;
  /** Stops the generation between chunks; the promise rejects with AbortedError. */
  signal?: AbortSignal;
}

export interface GenerationResult {
  /** One Float32Array per channel (1 mono, 2 stereo), all the same length. */
  channels: Float32Array[];
  sampleRate: number;
  quality: QualityReport;
  /** The validated config, with `seed` set to the seed used. */
  config: GenerationConfig;
  seedUsed: number;
  /** Seconds of audio in `channels` (rounded to the millisecond). */
  duration: number;
  channelCount: number;
  modelName: string;
}

/** One generation of a `GenerationPipeline.generateMany` stream, as it finishes. */
export interface GeneratedItem {
  /** The index of its config in the list given. */
  index: number;
  result: GenerationResult;
}

export interface GenerateManyOptions extends GenerateOptions {
  /**
   * Chunks decoded and inverted per native call (default 8 on CPU, 32 on a GPU); chunks of consecutive
   * generations share a call. At most this many chunks are drawn and not yet rendered at any time.
   */
  batchSize?: number;
}

/** The containers export() writes: WAV, FLAC (lossless), Ogg Vorbis and MP3 (320 kbps CBR). */
export type ExportFormat = (typeof T.format.values)[number];
/** The formats, in the order messages and help list them (the options table's). */
export const EXPORT_FORMATS: readonly ExportFormat[] = Object.freeze([...T.format.values]);
/** The file name extension of each format. */
export const FORMAT_EXTENSIONS: Readonly<Record<ExportFormat, string>> = Object.freeze({ wav: '.wav', flac: '.flac', ogg: '.ogg', mp3: '.mp3' });
