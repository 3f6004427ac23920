/** The text decodings pickle protocol 0 asks for: STRING's escape_decode and UNICODE's raw-unicode-escape. */
import type { UnpickleContext } from './unpickle-context';

/** Python's `codecs.escape_decode` for STRING arguments. */
export function escapeDecode(s: string, ctx: UnpickleContext): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x5c) {
      out.push(c & 0xff);
      continue;
    }
    const n = s[++i];
    if (n === undefined) ctx.fail('trailing backslash in STRING');
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11, '\n': -1 };
    if (n in simple) {
      if (simple[n] >= 0) out.push(simple[n]);
    } else if (n === 'x') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) ctx.fail('bad \\x escape in STRING');
      out.push(parseInt(h, 16));
      i += 2;
    } else if (/[0-7]/.test(n)) {
      let o = n;
      while (o.length < 3 && /[0-7]/.test(s[i + 1] ?? '')) o += s[++i];
      out.push(parseInt(o, 8) & 0xff);
    } else {
      out.push(92, n.charCodeAt(0) & 0xff);
    }
  }
  ctx.charge(out.length);
  return Uint8Array.from(out);
}

/** Python's raw-unicode-escape decoding for UNICODE arguments. */
export function rawUnicodeEscape(b: Uint8Array, ctx: UnpickleContext): string {
  ctx.charge(b.length * 2);
  let s = '';
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x5c && (b[i + 1] === 0x75 || b[i + 1] === 0x55)) {
      const len = b[i + 1] === 0x75 ? 4 : 8;
      const hex = Buffer.from(b.subarray(i + 2, i + 2 + len)).toString('latin1');
      if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) ctx.fail('bad \\u escape in UNICODE');
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) ctx.fail('code point out of range in UNICODE');
      s += String.fromCodePoint(cp);
      i += 1 + len;
    } else {
      s += String.fromCharCode(b[i]);
    }
  }
  return s;
}
