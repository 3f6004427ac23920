/**
 * Reading a request body within bounds: at most `limit` bytes (ERR_SDA_UI_TOO_LARGE, 413, before any of it
 * is read when Content-Length says so) and at least MIN_BODY_BYTES_PER_SECOND over each window of
 * BODY_RATE_WINDOW_MS (ERR_SDA_UI_TIMEOUT, 408), so a client trickling bytes cannot hold a connection
 * and a temp file for ever. The server's own request timeout bounds the whole request besides.
 */
import type { IncomingMessage } from 'http';
import { Transform, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import { UiError } from './errors';

/** The slowest body accepted: 1 KiB/s on average over each 10 s window. */
export const MIN_BODY_BYTES_PER_SECOND = 1024;
export const BODY_RATE_WINDOW_MS = 10_000;

/**
 * Streams the body of `req` into the stream `makeSink` makes (once the declared length passed) through
 * the limit and rate checks; rejects with the UiError of
 * the first one broken (the unread rest of the body is then dropped by the server).
 */
export async function receiveBody(req: IncomingMessage, makeSink: () => Writable, limit: number, what: string): Promise<void> {
  const tooLarge = () => new UiError('ERR_SDA_UI_TOO_LARGE', 413, `${what} is larger than its limit (${limit} bytes)`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  let seen = 0;
  let inWindow = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      inWindow += chunk.length;
      done(seen > limit ? tooLarge() : null, chunk);
    },
  });
  const minPerWindow = (MIN_BODY_BYTES_PER_SECOND * BODY_RATE_WINDOW_MS) / 1000;
  const timer = setInterval(() => {
    if (inWindow < minPerWindow && !req.complete) {
      counter.destroy(new UiError('ERR_SDA_UI_TIMEOUT', 408, `${what} arrived slower than ${MIN_BODY_BYTES_PER_SECOND} bytes/s`));
    }
    inWindow = 0;
  }, BODY_RATE_WINDOW_MS);
  timer.unref();
  try {
    await pipeline(req, counter, makeSink());
  } finally {
    clearInterval(timer);
  }
}

/** The whole body in memory (small bodies only: `limit` bounds it). */
export async function readBody(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  await receiveBody(req, () => sink, limit, what);
  return Buffer.concat(chunks);
}
