/**
 * The encoder's worker thread (see encode-in-worker.ts for the protocol): it receives the audio in
 * chunks, encodes each as it comes, and answers each chunk so the sender keeps at most one in flight;
 * at the end it sends the whole file back. Nothing here runs on the caller's event loop.
 */
import { parentPort } from 'worker_threads';
import { SdaError } from '../../errors';
import { createFlacEncoder } from './flac';
import { createMp3Encoder } from './mp3';
import { createVorbisEncoder, setOggVorbisComments } from './ogg';
import { id3Tags, vorbisComments } from './tags';
import type { FromWorker, StartMessage, ToWorker } from './protocol';

interface Session {
  push(chunk: Float32Array[]): void;
  finish(): Uint8Array[];
}

/** The WAV writer's rounding (wav.ts), so a FLAC file holds the very integers the WAV of the same depth does. */
function toIntegers(chunk: Float32Array[], bits: number): Int32Array[] {
  const max = 2 ** (bits - 1) - 1;
  return chunk.map((c) => {
    const out = new Int32Array(c.length);
    for (let i = 0; i < c.length; i++) out[i] = Math.round(Math.min(1, Math.max(-1, c[i]!)) * max) | 0;
    return out;
  });
}

/** The lossy encoders take samples in [-1, 1]: clamped, NaN as 0 (the chunk is this thread's copy). */
function clampInPlace(chunk: Float32Array[]): Float32Array[] {
  for (const c of chunk) {
    for (let i = 0; i < c.length; i++) {
      const x = c[i]!;
      c[i] = x !== x ? 0 : Math.min(1, Math.max(-1, x));
    }
  }
  return chunk;
}

async function open(m: StartMessage): Promise<Session> {
  if (m.format === 'flac') {
    const enc = await createFlacEncoder(m.sampleRate, m.channels, m.bits, m.frames);
    return { push: (c) => enc.push(toIntegers(c, m.bits)), finish: () => enc.finish(vorbisComments(m.tags)) };
  }
  const parts: Uint8Array[] = [];
  const keep = (b: Uint8Array) => {
    if (b.length > 0) parts.push(b);
  };
  const channels = m.channels as 1 | 2;
  if (m.format === 'ogg') {
    const enc = await createVorbisEncoder(m.sampleRate, channels, m.serial);
    return {
      push: (c) => keep(enc.push(clampInPlace(c))),
      finish: () => {
        keep(enc.finish());
        return setOggVorbisComments(Buffer.concat(parts), vorbisComments(m.tags));
      },
    };
  }
  const enc = await createMp3Encoder(m.sampleRate, channels);
  return {
    push: (c) => keep(enc.push(clampInPlace(c))),
    finish: () => {
      const { head, tail } = enc.finish(id3Tags(m.tags));
      keep(tail);
      return [head, ...parts];
    },
  };
}

const port = parentPort!;
let session: Promise<Session> | undefined;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function fail(err: unknown): void {
  const e = err as Error;
  send({ type: 'error', message: e?.message ?? String(err), code: err instanceof SdaError ? err.code : undefined });
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'start') {
    session = open(m);
    session.then(() => send({ type: 'ack' }), fail);
    return;
  }
  session!.then((s) => {
    if (m.type === 'chunk') {
      s.push(m.data);
      send({ type: 'ack' });
    } else {
      // One buffer of its own, handed over without another copy (the parts may share buffers).
      const parts = s.finish();
      const file = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        file.set(p, at);
        at += p.length;
      }
      send({ type: 'done', file }, [file.buffer]);
    }
  }).catch(fail);
});
