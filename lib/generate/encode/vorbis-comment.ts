/**
 * Vorbis comments (the tag block of FLAC and Ogg Vorbis files), written by hand: neither encoder we use
 * takes tags (libflacjs only passes raw libFLAC structs, wasm-media-encoders none at all), and the
 * format is small and fixed by the Vorbis I spec, section 5: a little-endian 32-bit length and the
 * UTF-8 vendor string, a 32-bit count, then each comment as a 32-bit length and `KEY=value` in UTF-8.
 */
import { EncodeError } from '../../errors';

const utf8 = new TextEncoder();

/** The comment block body with `vendor` and `comments` (keys as given). */
export function vorbisCommentBody(vendor: string, comments: readonly (readonly [string, string])[]): Buffer {
  const parts = [utf8.encode(vendor), ...comments.map(([k, v]) => utf8.encode(`${k}=${v}`))];
  const out = Buffer.alloc(4 + parts.reduce((n, p) => n + 4 + p.length, 0));
  let at = 0;
  const put = (p: Uint8Array) => {
    out.writeUInt32LE(p.length, at);
    out.set(p, at + 4);
    at += 4 + p.length;
  };
  put(parts[0]!);
  out.writeUInt32LE(comments.length, at);
  at += 4;
  for (const p of parts.slice(1)) put(p);
  return out;
}

/** The vendor string at the start of a comment block body (the encoder's name, kept in what we write). */
export function vorbisCommentVendor(body: Uint8Array): string {
  if (body.length < 8) throw new EncodeError('the encoder wrote a Vorbis comment block too short to hold its vendor string');
  const n = Buffer.from(body.buffer, body.byteOffset, body.byteLength).readUInt32LE(0);
  if (4 + n + 4 > body.length) throw new EncodeError('the encoder wrote a Vorbis comment block whose vendor string runs past its end');
  return Buffer.from(body.buffer, body.byteOffset + 4, n).toString('utf8');
}
