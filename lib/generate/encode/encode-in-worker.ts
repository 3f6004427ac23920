/**
 * Encodes audio to FLAC, Ogg Vorbis or MP3 on a worker thread, so a 60 s 96 kHz stereo clip never
 * stalls the caller's event loop. The audio goes over in chunks with at most one in flight (each is a
 * copy handed over, not shared), so the extra memory is one chunk on each side plus the encoded file.
 * One worker per file: it starts in tens of milliseconds, and a crash or an abort takes only it down.
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomInt } from 'crypto';
import { Worker } from 'worker_threads';
import { AbortedError, EncodeError, InvalidArgumentError } from '../../errors';
import type { EncodedFormat, FromWorker, StartMessage, ToWorker } from './protocol';
import type { ResolvedTags } from './tags';

export type { EncodedFormat } from './protocol';

/** Frames per chunk sent to the worker (0.7 s at 96 kHz). */
const CHUNK_FRAMES = 65536;

export interface EncodeRequest {
  format: EncodedFormat;
  sampleRate: number;
  /** FLAC's sample size; ignored by the lossy formats. */
  bits: 16 | 24;
  tags: ResolvedTags;
}

/**
 * The worker: compiled worker.js beside this file, or, when the package runs from its TypeScript sources
 * (the tests), worker.ts loaded through tsx.
 */
function startWorker(): Worker {
  const js = path.join(__dirname, 'worker.js');
  if (fs.existsSync(js)) return new Worker(js);
  const ts = path.join(__dirname, 'worker.ts');
  return new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(ts)});`, { eval: true });
}

/** The encoded file. Errors: EncodeError, InvalidArgumentError, AbortedError. */
export async function encodeInWorker(channels: Float32Array[], request: EncodeRequest, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
  const n = channels.length;
  if (n < 1 || (request.format !== 'flac' && n > 2) || n > 8) {
    throw new InvalidArgumentError(`${request.format} export takes ${request.format === 'flac' ? '1 to 8' : '1 or 2'} channels; this result has ${n}`);
  }
  const { signal } = options;
  if (signal?.aborted) throw new AbortedError('the export was aborted', { cause: signal.reason });
  const frames = channels[0]!.length;
  const worker = startWorker();
  return new Promise<Uint8Array>((resolve, reject) => {
    let sent = 0;
    let ended = false;
    let settled = false;
    const finish = (err: Error | undefined, file?: Uint8Array) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (err) reject(err);
      else resolve(file!);
    };
    const onAbort = () => finish(new AbortedError('the export was aborted', { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    const post = (m: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(m, transfer);
    const next = () => {
      if (sent < frames) {
        const end = Math.min(frames, sent + CHUNK_FRAMES);
        const data = channels.map((c) => c.slice(sent, end));
        sent = end;
        post({ type: 'chunk', data }, data.map((d) => d.buffer as ArrayBuffer));
      } else if (!ended) {
        ended = true;
        post({ type: 'end' });
      }
    };
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ack') next();
      else if (m.type === 'done') finish(undefined, m.file);
      else finish(m.code === 'ERR_SDA_INVALID_ARGUMENT' ? new InvalidArgumentError(m.message) : new EncodeError(`${request.format} encoder: ${m.message}`));
    });
    worker.on('error', (err) => finish(new EncodeError(`the ${request.format} encoder's worker failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => finish(new EncodeError(`the ${request.format} encoder's worker stopped (exit code ${code}) before it finished`)));
    const start: StartMessage = { type: 'start', format: request.format, sampleRate: request.sampleRate, channels: n, frames, bits: request.bits, serial: randomInt(0, 2 ** 31), tags: request.tags };
    post(start);
  });
}
