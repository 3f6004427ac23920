/** The messages between encode-in-worker.ts and its worker thread (worker.ts). */
import type { ResolvedTags } from './tags';

export type EncodedFormat = 'flac' | 'ogg' | 'mp3';

export interface StartMessage {
  type: 'start';
  format: EncodedFormat;
  sampleRate: number;
  channels: number;
  /** Frames the whole stream will have (FLAC records it up front). */
  frames: number;
  /** FLAC's sample size. */
  bits: 16 | 24;
  /** The Ogg stream's serial number. */
  serial: number;
  tags: ResolvedTags;
}

export type ToWorker = StartMessage | { type: 'chunk'; data: Float32Array[] } | { type: 'end' };

/** `ack` answers `start` (the encoder is ready) and each chunk; `done` carries the file. */
export type FromWorker = { type: 'ack' } | { type: 'done'; file: Uint8Array } | { type: 'error'; message: string; code?: string };
