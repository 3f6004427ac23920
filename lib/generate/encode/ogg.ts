/**
 * Ogg Vorbis files with tags. wasm-media-encoders (libvorbis and libogg in WASM) writes the stream with an
 * empty comment header and takes no tags, so the comment header is replaced here, by hand: Ogg has no
 * tag API of its own to call, and the change is fixed by the specs. Vorbis I puts its three header
 * packets (identification, comment, setup) first, the identification packet alone on the first page and
 * the audio starting on a fresh page (libvorbis flushes after the headers); so the pages holding the
 * comment and setup packets are laid out again around the new comment packet, and when their number
 * changes, every later page gets its sequence number shifted. Each page changed gets its CRC computed
 * again (RFC 3533: CRC-32, polynomial 0x04c11db7, not reflected, initial value 0, over the page with the
 * CRC field zeroed).
 */
import { EncodeError } from '../../errors';
import { vorbisCommentBody, vorbisCommentVendor } from './vorbis-comment';

/** Ogg Vorbis through wasm-media-encoders (libvorbis in WASM); the tags are set afterwards. */
export interface VorbisEncoder {
  push(channels: Float32Array[]): Uint8Array;
  finish(): Uint8Array;
}

/**
 * libvorbis VBR quality on its -1..10 scale: 4 is libsndfile's default (its 0.4), which Distill's Ogg
 * files were made with (Distill's own quality setting is ignored by its export).
 */
export const VORBIS_QUALITY = 4;

/**
 * Streams one WASM instance encodes before it is replaced. wasm-media-encoders' configure() does not free
 * the previous stream's libvorbis state: each stream kept about 0.3 MB of the instance's memory (RSS grew
 * 180 MB over 600 exports, and after some 2,000 libvorbis failed with a division by zero). Replacing the
 * instance (45 to 70 ms) after this many streams frees that memory with it.
 */
export const VORBIS_STREAMS_PER_INSTANCE = 16;

let vorbis: Promise<Awaited<ReturnType<typeof import('wasm-media-encoders').createOggEncoder>>> | undefined;
let streams = 0;

/**
 * A Vorbis encoder for one stream. The WASM instance is made once per thread and reset by configure() for
 * each stream, and replaced every VORBIS_STREAMS_PER_INSTANCE streams; a thread encodes one stream at a time.
 */
export async function createVorbisEncoder(sampleRate: number, channels: 1 | 2, serial: number): Promise<VorbisEncoder> {
  if (streams >= VORBIS_STREAMS_PER_INSTANCE) {
    vorbis = undefined;
    streams = 0;
  }
  streams++;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  vorbis ??= (require('wasm-media-encoders') as typeof import('wasm-media-encoders')).createOggEncoder().catch((err: unknown) => {
    vorbis = undefined; // tried again by the next stream
    throw err;
  });
  const enc = await vorbis;
  // A new instance: the previous one is unreachable by now (its stream's session has been replaced). V8
  // frees its memory when it next collects; where the process exposes gc (the leak check runs with
  // --expose-gc, which reaches worker threads too), it is collected now, so RSS readings do not depend on
  // when that happens.
  if (streams === 1) (globalThis as { gc?: () => void }).gc?.();
  enc.configure({ channels, sampleRate, vbrQuality: VORBIS_QUALITY, oggSerialNo: serial });
  return {
    push: (data) => enc.encode(data).slice(),
    finish: () => enc.finalize().slice(),
  };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/** The Ogg CRC of `page` (its CRC field, bytes 22..25, taken as zero). */
export function oggCrc(page: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < page.length; i++) {
    const b = i >= 22 && i < 26 ? 0 : page[i]!;
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  }
  return crc;
}

interface Page {
  /** The whole page, header and body. */
  bytes: Uint8Array;
  headerType: number;
  /** Segment sizes (the lacing values). */
  segments: Uint8Array;
  /** Offset of the body in `bytes`. */
  bodyAt: number;
}

/** Splits an Ogg stream into pages, checking each header's bounds. */
export function oggPages(data: Uint8Array): Page[] {
  const pages: Page[] = [];
  let at = 0;
  while (at < data.length) {
    if (data.length - at < 27 || data[at] !== 0x4f || data[at + 1] !== 0x67 || data[at + 2] !== 0x67 || data[at + 3] !== 0x53) {
      throw new EncodeError(`the Ogg encoder wrote no page at byte ${at}`);
    }
    const n = data[at + 26]!;
    if (data.length - at < 27 + n) throw new EncodeError(`the Ogg page at byte ${at} is cut short`);
    const segments = data.subarray(at + 27, at + 27 + n);
    const size = 27 + n + segments.reduce((s, v) => s + v, 0);
    if (data.length - at < size) throw new EncodeError(`the Ogg page at byte ${at} is cut short`);
    pages.push({ bytes: data.subarray(at, at + size), headerType: data[at + 5]!, segments, bodyAt: 27 + n });
    at += size;
  }
  return pages;
}

/** A page of `segments` and `body`, with its CRC. */
function makePage(template: Uint8Array, headerType: number, granule: bigint, sequence: number, segments: number[], body: Uint8Array): Uint8Array {
  const page = new Uint8Array(27 + segments.length + body.length);
  page.set(template.subarray(0, 27));
  const view = new DataView(page.buffer);
  page[5] = headerType;
  view.setBigUint64(6, BigInt.asUintN(64, granule), true);
  view.setUint32(18, sequence, true);
  page[26] = segments.length;
  page.set(segments, 27);
  page.set(body, 27 + segments.length);
  view.setUint32(22, oggCrc(page), true);
  return page;
}

/** Lays `packets` out on pages of at most 255 segments each (Ogg's lacing). */
function paginate(template: Uint8Array, firstSequence: number, packets: Uint8Array[]): Uint8Array[] {
  const pages: Uint8Array[] = [];
  let segments: number[] = [];
  let body: number[][] = [];
  let continued = false;
  let endsPacket = false;
  const flush = (nextContinues: boolean) => {
    const bytes = Uint8Array.from(body.flat());
    // A page on which no packet ends has granule position -1 (RFC 3533); header pages have 0.
    pages.push(makePage(template, continued ? 1 : 0, endsPacket ? 0n : -1n, firstSequence + pages.length, segments, bytes));
    segments = [];
    body = [];
    continued = nextContinues;
    endsPacket = false;
  };
  for (const p of packets) {
    let at = 0;
    for (;;) {
      const n = Math.min(255, p.length - at);
      segments.push(n);
      body.push(Array.from(p.subarray(at, at + n)));
      at += n;
      const last = n < 255;
      if (last) endsPacket = true;
      if (segments.length === 255) flush(!last);
      if (last) break;
    }
  }
  if (segments.length > 0) flush(false);
  return pages;
}

/**
 * `stream` (a complete Ogg Vorbis file from libvorbis) with its comment header holding `comments`, the
 * encoder's vendor string kept. Throws EncodeError when the stream is not laid out as libvorbis does.
 */
export function setOggVorbisComments(stream: Uint8Array, comments: readonly (readonly [string, string])[]): Uint8Array[] {
  const pages = oggPages(stream);
  // Gather the three header packets; they must end exactly where a page ends.
  const packets: Uint8Array[] = [];
  let current: number[] = [];
  let headerPages = 0;
  for (const page of pages) {
    headerPages++;
    let at = page.bodyAt;
    for (let s = 0; s < page.segments.length; s++) {
      const n = page.segments[s]!;
      current.push(...page.bytes.subarray(at, at + n));
      at += n;
      if (n < 255) {
        packets.push(Uint8Array.from(current));
        current = [];
        if (packets.length === 3 && s !== page.segments.length - 1) throw new EncodeError('the Ogg encoder put audio on the page of the Vorbis setup header');
      }
    }
    if (packets.length >= 3) break;
  }
  const isHeader = (p: Uint8Array | undefined, type: number) => p !== undefined && p.length >= 7 && p[0] === type && String.fromCharCode(...p.subarray(1, 7)) === 'vorbis';
  if (!isHeader(packets[0], 1) || !isHeader(packets[1], 3) || !isHeader(packets[2], 5)) throw new EncodeError('the Ogg encoder did not write the three Vorbis headers first');
  if (pages[0]!.segments.length !== 1) throw new EncodeError('the Ogg encoder did not write the Vorbis identification header alone on the first page');
  const vendor = vorbisCommentVendor(packets[1]!.subarray(7));
  const body = vorbisCommentBody(vendor, comments);
  const comment = new Uint8Array(7 + body.length + 1);
  comment.set(packets[1]!.subarray(0, 7));
  comment.set(body, 7);
  comment[comment.length - 1] = 1; // the framing bit
  const newHeaders = paginate(pages[1]!.bytes, 1, [comment, packets[2]!]);
  const shift = newHeaders.length - (headerPages - 1);
  const rest = pages.slice(headerPages).map((p) => {
    if (shift === 0) return p.bytes;
    const page = Uint8Array.from(p.bytes);
    const view = new DataView(page.buffer);
    view.setUint32(18, view.getUint32(18, true) + shift, true);
    view.setUint32(22, oggCrc(page), true);
    return page;
  });
  return [pages[0]!.bytes, ...newHeaders, ...rest];
}
