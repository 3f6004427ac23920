/**
 * MP3 at 320 kbps CBR (Distill's `export_mp3`) through wasm-media-encoders (LAME in WASM), with the tags
 * as an ID3v2 tag made by node-id3 and put before the first frame.
 */
import { InvalidArgumentError } from '../../errors';
import type { Id3Tags } from './tags';

/** Distill's MP3 bit rate (kbit/s, constant). */
export const MP3_BITRATE = 320;

/** The sample rates an MPEG-1/2/2.5 layer III stream can hold. */
const MP3_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const;
type Mp3Rate = (typeof MP3_RATES)[number];

/**
 * The rate of the MP3 made from audio at `sampleRate`: the same, or for rates above 48 kHz (96 kHz
 * results) 48 kHz, the highest MP3 has; LAME resamples, as it does in Distill's lameenc. Other rates are
 * refused.
 */
export function mp3OutputRate(sampleRate: number): Mp3Rate {
  if ((MP3_RATES as readonly number[]).includes(sampleRate)) return sampleRate as Mp3Rate;
  if (sampleRate > 48000) return 48000;
  throw new InvalidArgumentError(`MP3 cannot hold audio at ${sampleRate} Hz; its rates are ${MP3_RATES.join(', ')} (and higher rates are resampled to 48000)`);
}

type WasmEncoder = Awaited<ReturnType<typeof import('wasm-media-encoders').createMp3Encoder>>;

export interface Mp3Encoder {
  push(channels: Float32Array[]): Uint8Array;
  /** The last frames and, first in the list, the ID3 tag. */
  finish(tags: Id3Tags): { head: Uint8Array; tail: Uint8Array };
}

let lame: Promise<WasmEncoder> | undefined;

/**
 * An MP3 encoder for one stream. The WASM instance is made once per thread (compiling it takes about
 * 100 ms) and reset by configure() for each stream; a thread encodes one stream at a time.
 */
export async function createMp3Encoder(sampleRate: number, channels: 1 | 2): Promise<Mp3Encoder> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  lame ??= (require('wasm-media-encoders') as typeof import('wasm-media-encoders')).createMp3Encoder().catch((err: unknown) => {
    lame = undefined; // tried again by the next stream
    throw err;
  });
  const enc = await lame;
  enc.configure({ channels, sampleRate, bitrate: MP3_BITRATE, outputSampleRate: mp3OutputRate(sampleRate) });
  return {
    // The encoder owns the bytes it returns until its next call: copied.
    push: (data) => enc.encode(data).slice(),
    finish(tags) {
      const tail = enc.finalize().slice();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const id3 = require('node-id3') as typeof import('node-id3');
      return { head: id3.create(tags), tail };
    },
  };
}
