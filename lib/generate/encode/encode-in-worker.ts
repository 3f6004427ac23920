/**
 * Encodes audio to FLAC, Ogg Vorbis or MP3 on a worker thread, so a 60 s 96 kHz stereo clip never
 * stalls the caller's event loop. The audio goes over in chunks with at most one in flight (each is a
 * copy handed over, not shared), so the extra memory is one chunk on each side plus the encoded file.
 *
 * One worker serves every export of the process, one file at a time (files queue): its encoders are
 * compiled once (a few hundred milliseconds for Vorbis) instead of once per file. It does not keep the
 * process alive while idle, exits after IDLE_MS without work, and is started again when needed; if it
 * dies, the file being encoded fails with EncodeError and the next file gets a new worker.
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomInt } from 'crypto';
import { Worker } from 'worker_threads';
import { EncodeError, InvalidArgumentError } from '../../errors';
import type { EncodedFormat, FromWorker, StartMessage, ToWorker } from './protocol';
import type { ResolvedTags } from './tags';


/** Frames per chunk sent to the worker (0.7 s at 96 kHz). */
const CHUNK_FRAMES = 65536;
/** An idle worker exits after this long (its encoders' memory is given back). */
const IDLE_MS = 30_000;

export interface EncodeRequest {
  format: EncodedFormat;
  sampleRate: number;
  /** FLAC's sample size; ignored by the lossy formats. */
  bits: 16 | 24;
  tags: ResolvedTags;
}

/**
 * A worker: compiled worker.js beside this file, or, when the package runs from its TypeScript sources
 * (the tests), worker.ts loaded through tsx.
 */
function startWorker(): Worker {
  const js = path.join(__dirname, 'worker.js');
  if (fs.existsSync(js)) return new Worker(js);
  const ts = path.join(__dirname, 'worker.ts');
  return new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(ts)});`, { eval: true });
}

let shared: Worker | undefined;
let idleTimer: NodeJS.Timeout | undefined;
/** The files queue behind this: one encode at a time on the shared worker. */
let queue: Promise<unknown> = Promise.resolve();

function sharedWorker(): Worker {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (!shared) {
    const w = startWorker();
    w.on('exit', () => {
      if (shared === w) shared = undefined;
    });
    // Errors are reported to the file being encoded; one between files only ends this worker.
    w.on('error', () => undefined);
    shared = w;
  }
  return shared;
}

function idle(w: Worker): void {
  w.unref();
  idleTimer = setTimeout(() => {
    if (shared === w) {
      shared = undefined;
      void w.terminate();
    }
  }, IDLE_MS);
  idleTimer.unref();
}

/** The encoded file. Errors: EncodeError, InvalidArgumentError. */
export function encodeInWorker(channels: Float32Array[], request: EncodeRequest): Promise<Uint8Array> {
  const n = channels.length;
  if (n < 1 || (request.format !== 'flac' && n > 2) || n > 8) {
    return Promise.reject(new InvalidArgumentError(`${request.format} export takes ${request.format === 'flac' ? '1 to 8' : '1 or 2'} channels; this result has ${n}`));
  }
  const run = queue.then(() => encodeOne(channels, request));
  queue = run.catch(() => undefined);
  return run;
}

function encodeOne(channels: Float32Array[], request: EncodeRequest): Promise<Uint8Array> {
  const frames = channels[0]!.length;
  const worker = sharedWorker();
  worker.ref();
  return new Promise<Uint8Array>((resolve, reject) => {
    let sent = 0;
    let ended = false;
    const post = (m: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(m, transfer);
    const onMessage = (m: FromWorker) => {
      if (m.type === 'ack') next();
      else if (m.type === 'done') settle(undefined, m.file);
      else settle(m.code === 'ERR_SDA_INVALID_ARGUMENT' ? new InvalidArgumentError(m.message) : new EncodeError(`${request.format} encoder: ${m.message}`));
    };
    const onError = (err: Error) => settle(new EncodeError(`the ${request.format} encoder's worker failed: ${err.message}`, { cause: err }));
    const onExit = (code: number) => settle(new EncodeError(`the ${request.format} encoder's worker stopped (exit code ${code}) before it finished`));
    function settle(err: Error | undefined, file?: Uint8Array): void {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (err && shared === worker && !(err instanceof InvalidArgumentError)) {
        // A worker that failed may hold a half-used encoder: the next file gets a fresh one.
        shared = undefined;
        void worker.terminate();
      } else if (shared === worker) {
        idle(worker);
      }
      if (err) reject(err);
      else resolve(file!);
    }
    function next(): void {
      if (sent < frames) {
        const end = Math.min(frames, sent + CHUNK_FRAMES);
        const data = channels.map((c) => c.slice(sent, end));
        sent = end;
        post({ type: 'chunk', data }, data.map((d) => d.buffer as ArrayBuffer));
      } else if (!ended) {
        ended = true;
        post({ type: 'end' });
      }
    }
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    const start: StartMessage = { type: 'start', format: request.format, sampleRate: request.sampleRate, channels: channels.length, frames, bits: request.bits, serial: randomInt(0, 2 ** 31), tags: request.tags };
    post(start);
  });
}
