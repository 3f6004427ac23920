/**
 * WAV encoding (RIFF/WAVE: 16/24-bit PCM or 32-bit IEEE float), written by hand: the format is a 44-byte
 * header plus interleaved little-endian samples. The `wavefile` library we used before builds the file
 * through per-sample bit strings in one synchronous call, about 100x slower (60 s of 96 kHz stereo float
 * blocked the event loop for 18 s); here typed writes fill one preallocated Buffer in slices that yield.
 * The bytes are wavefile's, quirks included (test/56 compares the two), so a result exports to the same
 * file as before.
 *
 * Floats are quantised here, by rounding to the nearest step with clamping, so the rounding is ours to
 * document rather than a library's.
 */
import { types } from 'util';
import { InvalidArgumentError } from '../errors';
import { runSliced, type SliceOptions, type SlicedWork } from '../util/slices';

/** WAV sample format: 16-bit PCM, 24-bit PCM or 32-bit IEEE float (the CLI's `--bit-depth` values). */
export type BitDepth = '16' | '24' | '32f';
/** The allowed bit depths, in the order messages and help list them. */
export const BIT_DEPTHS: readonly BitDepth[] = Object.freeze(['16', '24', '32f']);
/** The bit depth of an export that names none (the Python app's default, 24-bit PCM). */
export const DEFAULT_BIT_DEPTH: BitDepth = '24';

interface Format {
  /** Bytes per sample. */
  bytes: number;
  /** WAVE_FORMAT_PCM (1) or WAVE_FORMAT_IEEE_FLOAT (3). */
  code: number;
}

const FORMATS: Record<BitDepth, Format> = {
  '16': { bytes: 2, code: 1 },
  '24': { bytes: 3, code: 1 },
  '32f': { bytes: 4, code: 3 },
};

/** Frames per range: a few thousand typed writes between reads of the clock. */
const GRAIN = 4096;
const MAX_RIFF_SIZE = 0xffffffff;

/**
 * wavefile's float packer takes the exponent from floor(log(x) / LN2), which for some exact powers of two
 * (2^-29, 2^-31, ... 2^-125 on V8's log) comes out one low; it then writes the right exponent with the
 * lowest mantissa bit set. Flagged here by biased exponent, computed with the same expression, so those
 * values keep the bytes they had (a relative change of 2^-23 at magnitudes far below audibility).
 */
const LOW_BIT_QUIRK = (() => {
  const flags = new Uint8Array(256);
  for (let e = 1; e < 255; e++) flags[e] = Math.floor(Math.log(2 ** (e - 127)) / Math.LN2) < e - 127 ? 1 : 0;
  return flags;
})();

/** wavefile's WAVE_FORMAT_EXTENSIBLE channel masks (mono, stereo, quad, 5.1, 7.1; 0 for the rest). */
function channelMask(n: number): number {
  return ({ 1: 0x4, 2: 0x3, 4: 0x33, 6: 0x3f, 8: 0x63f } as Record<number, number>)[n] ?? 0;
}

/**
 * The header wavefile writes: a 16-byte `fmt ` chunk for one or two channels; for more, its
 * WAVE_FORMAT_EXTENSIBLE layout (a 40-byte `fmt ` chunk that keeps the plain format code, with the PCM
 * sub-format GUID). Never a `fact` chunk. Returns the offset of the samples.
 */
function writeHeader(view: DataView, f: Format, channels: number, sampleRate: number, dataBytes: number): number {
  const extensible = channels > 2;
  const fmtSize = extensible ? 40 : 16;
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) view.setUint8(at + i, s.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 4 + (8 + fmtSize) + 8 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, fmtSize, true);
  view.setUint16(20, f.code, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, channels * f.bytes * sampleRate, true);
  view.setUint16(32, channels * f.bytes, true);
  view.setUint16(34, 8 * f.bytes, true);
  let at = 36;
  if (extensible) {
    view.setUint16(36, 22, true); // cbSize
    view.setUint16(38, 8 * f.bytes, true); // valid bits per sample
    view.setUint32(40, channelMask(channels), true);
    // KSDATAFORMAT_SUBTYPE_PCM, as wavefile writes it (four little-endian uint32s)
    [1, 1048576, 2852126848, 1905997824].forEach((v, i) => view.setUint32(44 + 4 * i, v, true));
    at = 60;
  }
  ascii(at, 'data');
  view.setUint32(at + 4, dataBytes, true);
  return at + 8;
}

/** The loop that writes interleaved samples from `start` frames on, at `offset` in `out`. */
function* writeSamples(chs: Float32Array[], f: Format, out: Buffer, offset: number): SlicedWork<void> {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const k = chs.length;
  const frame = k * f.bytes;
  const frames = chs[0]!.length;
  if (f.code === 3) {
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    yield {
      n: frames,
      grain: GRAIN,
      body: (start, end) => {
        let o = offset + start * frame;
        for (let i = start; i < end; i++) {
          for (let c = 0; c < k; c++, o += 4) {
            const x = chs[c]![i]!;
            f32[0] = x;
            let bits = u32[0]!;
            // wavefile writes every NaN as the positive quiet NaN, whatever its sign and payload
            if (x !== x) bits = 0x7fc00000;
            else if ((bits & 0x7fffff) === 0 && LOW_BIT_QUIRK[(bits >>> 23) & 0xff]) bits |= 1;
            view.setUint32(o, bits, true);
          }
        }
      },
    };
    return;
  }
  // round(clamp(x, -1, 1) * (2^(bits-1) - 1)); Math.round takes halves toward +infinity; NaN becomes 0
  // (the conversion to an integer), as it did through an Int32Array before.
  const max = 2 ** (8 * f.bytes - 1) - 1;
  const wide = f.bytes === 3;
  yield {
    n: frames,
    grain: GRAIN,
    body: (start, end) => {
      let o = offset + start * frame;
      for (let i = start; i < end; i++) {
        for (let c = 0; c < k; c++) {
          const q = Math.round(Math.min(1, Math.max(-1, chs[c]![i]!)) * max) | 0;
          if (wide) {
            out[o] = q;
            out[o + 1] = q >> 8;
            out[o + 2] = q >> 16;
            o += 3;
          } else {
            view.setInt16(o, q, true);
            o += 2;
          }
        }
      }
    },
  };
}

/**
 * The bytes of a WAV file holding `channels` (each the same length) at `sampleRate`, encoded in slices
 * that yield to the event loop (`signal` stops between slices with AbortedError).
 */
export async function encodeWav(channels: Float32Array[], sampleRate: number, bitDepth: BitDepth, options: SliceOptions = {}): Promise<Buffer> {
  if (!Array.isArray(channels) || channels.length < 1 || channels.some((c) => !types.isFloat32Array(c) || c.length !== channels[0]!.length)) {
    throw new InvalidArgumentError('encodeWav: give one or more Float32Array channels of the same length');
  }
  const f = Object.prototype.hasOwnProperty.call(FORMATS, bitDepth) ? FORMATS[bitDepth] : undefined;
  if (!f) throw new InvalidArgumentError(`bitDepth must be one of ${BIT_DEPTHS.map((k) => JSON.stringify(k)).join(', ')}; got ${JSON.stringify(bitDepth)}`);
  if (channels.length * f.bytes > 0xffff) throw new InvalidArgumentError(`encodeWav: too many channels for a WAV file (${channels.length})`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || channels.length * f.bytes * sampleRate > MAX_RIFF_SIZE) {
    throw new InvalidArgumentError(`encodeWav: sampleRate must be a positive integer that WAV can hold; got ${sampleRate}`);
  }
  const dataBytes = channels[0]!.length * channels.length * f.bytes;
  const headerBytes = channels.length > 2 ? 68 : 44;
  if (headerBytes - 8 + dataBytes > MAX_RIFF_SIZE) throw new InvalidArgumentError('encodeWav: the audio is too long for a WAV file (4 GiB)');
  // Every byte is written below, so the buffer need not be zeroed first (that alone is a 10 ms memset).
  const out = Buffer.allocUnsafeSlow(headerBytes + dataBytes);
  const at = writeHeader(new DataView(out.buffer, out.byteOffset, out.byteLength), f, channels.length, sampleRate, dataBytes);
  await runSliced(writeSamples(channels, f, out, at), options);
  return out;
}
