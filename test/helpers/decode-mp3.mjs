// Decodes an MP3 with mpg123 (the mpg123-decoder package, WASM), a decoder independent of the LAME
// encoder that wrote it, in a process of its own (the package is an ES module). Prints the rate, the
// channel count and the decoded length as JSON, and writes the samples (channel after channel, float32)
// to OUT when given.
// usage: node decode-mp3.mjs FILE.mp3 [OUT.f32]
import { readFileSync, writeFileSync } from 'node:fs';
import { MPEGDecoder } from 'mpg123-decoder';

const [file, out] = process.argv.slice(2);
const decoder = new MPEGDecoder();
await decoder.ready;
const { channelData, samplesDecoded, sampleRate, errors } = decoder.decode(readFileSync(file));
decoder.free();
if (out) writeFileSync(out, Buffer.concat(channelData.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))));
console.log(JSON.stringify({ sampleRate, channels: channelData.length, samples: samplesDecoded, errors: errors.length }));
