/** CRC-32 (zip), using zlib's when Node has it (>= 20.15), else a table. */
import * as zlib from 'node:zlib';

let table: Uint32Array | undefined;

function tableCrc(data: Uint8Array, crc: number): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[i] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;

/** CRC-32 of `data`, continuing from `crc`. */
export function crc32(data: Uint8Array, crc = 0): number {
  return native ? native(data, crc) >>> 0 : tableCrc(data, crc);
}
