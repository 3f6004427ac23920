/**
 * FLAC through libflacjs (libFLAC compiled to WASM). Two things are done by hand on its output, because
 * the library leaves them to the caller: libFLAC writes the STREAMINFO block before the audio and can
 * only complete it (MD5 of the samples, smallest and largest frame) by seeking back, which a streaming
 * write callback cannot, so those fields are set here from the values its metadata callback reports at
 * the end; and the VORBIS_COMMENT block it writes holds only its vendor string (tags would have to be
 * passed as raw C structs), so it is replaced with ours. Both follow the FLAC format spec: a block is a
 * one-byte last-flag-and-type, a 24-bit big-endian length and its body; STREAMINFO is 34 bytes.
 */
import { EncodeError } from '../../errors';
import { vorbisCommentBody, vorbisCommentVendor } from './vorbis-comment';

/** libFLAC's compression level (libsndfile's default, which Distill's FLAC files were made with). */
export const FLAC_COMPRESSION_LEVEL = 5;

// The library's typings describe its factory; only the calls used here are named.
interface LibFlac {
  isReady(): boolean;
  on(event: 'ready', listener: () => void): void;
  create_libflac_encoder(rate: number, channels: number, bps: number, level: number, totalSamples: number, verify: boolean, blockSize: number): number;
  init_encoder_stream(enc: number, write: (data: Uint8Array, n: number) => void, metadata: (m: FlacStreamInfo | undefined) => void): number;
  FLAC__stream_encoder_process(enc: number, channels: Int32Array[], n: number): boolean;
  FLAC__stream_encoder_finish(enc: number): boolean;
  FLAC__stream_encoder_delete(enc: number): void;
  FLAC__stream_encoder_get_state(enc: number): number;
}

interface FlacStreamInfo {
  min_framesize: number;
  max_framesize: number;
  md5sum: string;
}

let flacPromise: Promise<LibFlac> | undefined;

/**
 * Loads libFLAC's WASM build once per thread. Its Emscripten loader fetch()es the .wasm file by path when
 * a global fetch exists, which fails in Node (a path is not a URL); without fetch it reads the file with
 * fs. So fetch is hidden while the module loads; this runs only in the encoder's worker thread.
 */
function loadFlac(): Promise<LibFlac> {
  flacPromise ??= new Promise<LibFlac>((resolve, reject) => {
    const g = globalThis as { fetch?: unknown };
    const saved = g.fetch;
    g.fetch = undefined;
    let lib: LibFlac;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      lib = (require('libflacjs') as (variant: string) => LibFlac)('release.wasm');
    } catch (err) {
      reject(new EncodeError(`cannot load the FLAC encoder (libflacjs): ${(err as Error).message}`, { cause: err }));
      return;
    } finally {
      g.fetch = saved;
    }
    if (lib.isReady()) resolve(lib);
    else lib.on('ready', () => resolve(lib));
  });
  return flacPromise;
}

export interface FlacEncoder {
  /** Encodes the next frames (one Int32Array per channel, integers of `bits` bits). */
  push(channels: Int32Array[]): void;
  /** Finishes the stream: the whole file, its tags in place. */
  finish(comments: readonly (readonly [string, string])[]): Uint8Array[];
}

export async function createFlacEncoder(sampleRate: number, channels: number, bits: 16 | 24, frames: number): Promise<FlacEncoder> {
  const flac = await loadFlac();
  const enc = flac.create_libflac_encoder(sampleRate, channels, bits, FLAC_COMPRESSION_LEVEL, frames, false, 0);
  if (!enc) throw new EncodeError(`libFLAC refused the stream (${sampleRate} Hz, ${channels} channels, ${bits} bits)`);
  const chunks: Uint8Array[] = [];
  let info: FlacStreamInfo | undefined;
  const status = flac.init_encoder_stream(
    enc,
    (data, n) => {
      chunks.push(data.slice(0, n));
    },
    (m) => {
      info = m;
    },
  );
  if (status !== 0) {
    flac.FLAC__stream_encoder_delete(enc);
    throw new EncodeError(`libFLAC could not start the stream (init status ${status})`);
  }
  let open = true;
  const fail = (what: string): never => {
    const state = flac.FLAC__stream_encoder_get_state(enc);
    open = false;
    flac.FLAC__stream_encoder_delete(enc);
    throw new EncodeError(`libFLAC failed to ${what} (encoder state ${state})`);
  };
  return {
    push(data) {
      if (!open) throw new EncodeError('the FLAC encoder is closed');
      if (data[0]!.length > 0 && !flac.FLAC__stream_encoder_process(enc, data, data[0]!.length)) fail('encode');
    },
    finish(comments) {
      if (!open) throw new EncodeError('the FLAC encoder is closed');
      if (!flac.FLAC__stream_encoder_finish(enc)) fail('finish the stream');
      open = false;
      flac.FLAC__stream_encoder_delete(enc);
      if (!info) throw new EncodeError('libFLAC reported no stream info');
      return rewriteMetadata(chunks, info, comments);
    },
  };
}

/**
 * The file with STREAMINFO completed and the VORBIS_COMMENT block replaced (see the top of this file).
 * Only the chunks that hold the metadata are joined; the audio frames are returned as written, so the
 * file is not copied here (the worker copies it once, into the buffer it hands over).
 */
function rewriteMetadata(chunks: Uint8Array[], info: FlacStreamInfo, comments: readonly (readonly [string, string])[]): Uint8Array[] {
  // libFLAC writes "fLaC" and each metadata block in a call of its own, before any frame: a few chunks.
  for (let k = 1; k <= Math.min(chunks.length, 16); k++) {
    const head = Buffer.concat(chunks.slice(0, k));
    const parts = rewriteHead(head, info, comments);
    if (parts) return [...parts, ...chunks.slice(k)];
  }
  throw new EncodeError('libFLAC did not write its metadata before the audio');
}

/** The rewritten metadata and the rest of `data`, or undefined when `data` ends inside the metadata. */
function rewriteHead(data: Buffer, info: FlacStreamInfo, comments: readonly (readonly [string, string])[]): Uint8Array[] | undefined {
  if (data.length < 4) return undefined;
  if (data.toString('latin1', 0, 4) !== 'fLaC') throw new EncodeError('libFLAC did not start its output with "fLaC"');
  const blocks: Buffer[] = [];
  const block = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  let sawComment = false;
  let at = 4;
  for (let last = false; !last; ) {
    if (at + 4 > data.length) return undefined;
    last = (data[at]! & 0x80) !== 0;
    const type = data[at]! & 0x7f;
    const size = data.readUIntBE(at + 1, 3);
    if (at + 4 + size > data.length) return undefined;
    let body: Buffer = Buffer.from(data.subarray(at + 4, at + 4 + size));
    if (type === 0) {
      if (size !== 34) throw new EncodeError(`libFLAC wrote a STREAMINFO block of ${size} bytes (34 expected)`);
      body.writeUIntBE(info.min_framesize, 4, 3);
      body.writeUIntBE(info.max_framesize, 7, 3);
      if (!/^[0-9a-f]{32}$/i.test(info.md5sum)) throw new EncodeError(`libFLAC reported a malformed MD5 (${JSON.stringify(info.md5sum)})`);
      Buffer.from(info.md5sum, 'hex').copy(body, 18);
    } else if (type === 4) {
      body = vorbisCommentBody(vorbisCommentVendor(body), comments);
      sawComment = true;
    }
    blocks.push(block(type, body));
    at += 4 + size;
  }
  if (blocks.length === 0 || (blocks[0]![0]! & 0x7f) !== 0) throw new EncodeError('libFLAC did not write STREAMINFO first');
  if (!sawComment) blocks.splice(1, 0, block(4, vorbisCommentBody('libFLAC', comments)));
  for (const b of blocks) b[0]! &= 0x7f;
  blocks[blocks.length - 1]![0]! |= 0x80;
  return [Buffer.from('fLaC', 'latin1'), ...blocks, data.subarray(at)];
}
