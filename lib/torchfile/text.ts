/**
 * UTF-8 with surrogatepass (as Python's pickle uses for str), latin-1 helpers.
 */
const fatalDecoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 like Python's `bytes.decode('utf-8', 'surrogatepass')`; null when invalid. */
export function decodeUtf8(b: Uint8Array): string | null {
  let ascii = true;
  for (let i = 0; i < b.length; i++) {
    if (b[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return b.length < 64 ? String.fromCharCode(...b) : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  try {
    return fatalDecoder.decode(b);
  } catch {
    return decodeSurrogatePass(b);
  }
}

function decodeSurrogatePass(b: Uint8Array): string | null {
  const parts: number[] = [];
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let cp: number;
    let n: number;
    if (c < 0x80) {
      cp = c;
      n = 1;
    } else if (c >= 0xc2 && c < 0xe0) {
      cp = c & 0x1f;
      n = 2;
    } else if (c >= 0xe0 && c < 0xf0) {
      cp = c & 0x0f;
      n = 3;
    } else if (c >= 0xf0 && c < 0xf5) {
      cp = c & 0x07;
      n = 4;
    } else return null;
    if (i + n > b.length) return null;
    for (let k = 1; k < n; k++) {
      const cc = b[i + k];
      if ((cc & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n === 3 && cp < 0x800) || (n === 4 && (cp < 0x10000 || cp > 0x10ffff))) return null;
    parts.push(cp);
    i += n;
  }
  let s = '';
  for (let k = 0; k < parts.length; k += 4096) s += String.fromCodePoint(...parts.slice(k, k + 4096));
  return s;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Encodes a string as UTF-8, lone surrogates as their 3-byte form (surrogatepass). */
export function encodeUtf8(s: string): Uint8Array {
  if (!LONE_SURROGATE.test(s)) return Buffer.from(s, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}

/** Bytes as a latin-1 string (each byte one char). */
export function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** A string of chars < 256 as bytes; null when a char is >= 256. */
export function fromLatin1(s: string): Uint8Array | null {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return null;
  return Uint8Array.from(Buffer.from(s, 'latin1'));
}
