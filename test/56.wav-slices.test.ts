// Whole-signal work off the event loop's critical path: the hand-written WAV writer gives the bytes the
// `wavefile` library gave, and it, the low-pass, normalisation and the quality report run in slices that
// let other callbacks in, with the same results as the synchronous forms. No native addon needed.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WaveFile } from 'wavefile';
import {
  AbortedError, InvalidArgumentError, butterworthLowpass, encodeWav, normalisePeak, normalisePeakAsync,
  qualityReport, qualityReportAsync, sosfiltfilt, sosfiltfiltAsync, type BitDepth,
} from '../lib';
import { runPython } from './helpers/python';

/** A seeded generator, so a failure can be reproduced. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Samples that probe quantisation: beyond ±1, exactly ±1, steps and half steps, tiny, NaN, Inf, any bits. */
function probeSignal(n: number, seed: number): Float32Array {
  const r = lcg(seed);
  const x = new Float32Array(n);
  const bits = new Uint32Array(x.buffer);
  const special = [1, -1, 0, -0, NaN, Infinity, -Infinity, 1.0000001, -1.5, 2 ** -31, -(2 ** -29), 2 ** -125, 1e-40, 3.4e38];
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.4) x[i] = (r() * 2 - 1) * 1.3;
    else if (k < 0.5) x[i] = special[Math.floor(r() * special.length)]!;
    else if (k < 0.6) bits[i] = (r() * 2 ** 32) >>> 0; // NaNs with payloads and signs, denormals, huge values
    else if (k < 0.7) x[i] = (Math.round((r() * 2 - 1) * 33000) + 0.5) / 32767; // half steps of 16-bit
    else if (k < 0.8) x[i] = (Math.round((r() * 2 - 1) * 8.5e6) + 0.5) / 8388607; // half steps of 24-bit
    else x[i] = (r() - 0.5) * 1e-6;
  }
  return x;
}

/**
 * The previous encoder, as the reference: floats rounded to integers by clamp(x, -1, 1) * (2^(bits-1) - 1)
 * through an Int32Array, then wavefile.
 */
function wavefileBytes(channels: Float32Array[], rate: number, depth: BitDepth): Buffer {
  const code = depth; // wavefile's format codes are our bit depths
  const quantise = (x: Float32Array, bits: number) => {
    const max = 2 ** (bits - 1) - 1;
    const out = new Int32Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = Math.round(Math.min(1, Math.max(-1, x[i]!)) * max);
    return out;
  };
  const wav = new WaveFile();
  wav.fromScratch(channels.length, rate, code, code === '32f' ? channels.map((c) => Float64Array.from(c)) : channels.map((c) => quantise(c, Number(code))));
  return Buffer.from(wav.toBuffer());
}

const depths: BitDepth[] = ['16', '24', '32f'];

/** Resolves with what happened first: a setImmediate callback queued right after `start()`, or the work. */
async function firstOf(start: () => Promise<unknown>): Promise<string[]> {
  const order: string[] = [];
  const work = start().then(() => order.push('work done'));
  setImmediate(() => order.push('immediate ran'));
  await work;
  return order;
}

test.each(depths)('56.1 %s: the bytes are those wavefile wrote, for 1-6 channels and any length', async (depth) => {
  for (const channels of [1, 2, 3, 4, 6]) {
    for (const n of [0, 1, 7, 4095, 4097, 12011]) {
      const chs = Array.from({ length: channels }, (_, c) => probeSignal(n, 1000 * n + 10 * channels + c));
      const ours = await encodeWav(chs, 44100, depth);
      expect({ channels, n, equal: ours.equals(wavefileBytes(chs, 44100, depth)) }).toEqual({ channels, n, equal: true });
    }
  }
});

test('56.2 32-bit float: every power of two, and the header rates, as wavefile wrote them', async () => {
  const pow = new Float32Array(2 * 277);
  for (let k = -149; k <= 127; k++) {
    pow[2 * (k + 149)] = 2 ** k;
    pow[2 * (k + 149) + 1] = -(2 ** k);
  }
  for (const rate of [8000, 44100, 96000]) {
    expect((await encodeWav([pow], rate, '32f')).equals(wavefileBytes([pow], rate, '32f'))).toBe(true);
  }
  // The file reads back as 32-bit float with scipy (an independent reader).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-wav-'));
  try {
    const r = lcg(5);
    const x = new Float32Array(4001).map(() => (r() * 2 - 1) * 1.3);
    fs.writeFileSync(path.join(dir, 'a.wav'), await encodeWav([x, x.map((v) => -v)], 48000, '32f'));
    fs.writeFileSync(path.join(dir, 'a.f32'), Buffer.concat([x, x.map((v) => -v)].map((c) => Buffer.from(c.buffer))));
    const check = JSON.parse(runPython(path.join(__dirname, 'python/wav_check.py'), [path.join(dir, 'a.wav'), path.join(dir, 'a.f32'), '2']));
    expect(check).toMatchObject({ rate: 48000, dtype: 'float32', channels: 2, frames: 4001, max_diff: 0 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('56.3 encodeWav refuses what a WAV file cannot hold, with typed errors', async () => {
  const x = new Float32Array(10);
  await expect(encodeWav([], 48000, '16')).rejects.toThrow(InvalidArgumentError);
  await expect(encodeWav([x, new Float32Array(9)], 48000, '16')).rejects.toThrow(/same length/);
  await expect(encodeWav([x], 48000, '8-bit' as BitDepth)).rejects.toThrow(/bitDepth must be one of "16", "24", "32f"; got "8-bit"/);
  await expect(encodeWav([x], 0, '16')).rejects.toThrow(InvalidArgumentError);
  await expect(encodeWav([x], 44100.5, '16')).rejects.toThrow(InvalidArgumentError);
});

test('56.4 encoding 60 s of 96 kHz stereo float lets other callbacks run before it finishes', async () => {
  const n = 60 * 96000;
  const left = new Float32Array(n);
  const right = new Float32Array(n);
  for (let i = 0; i < n; i++) right[i] = -(left[i] = Math.sin(i / 10));
  expect(await firstOf(() => encodeWav([left, right], 96000, '32f'))).toEqual(['immediate ran', 'work done']);
  const wav = await encodeWav([left, right], 96000, '32f');
  expect(wav.length).toBe(44 + n * 8);
  // spot checks of the interleaving, read back independently of the writer
  for (const i of [0, 1, 12345, n - 1]) {
    expect(wav.readFloatLE(44 + 8 * i)).toBe(left[i]);
    expect(wav.readFloatLE(48 + 8 * i)).toBe(right[i]);
  }
});

test('56.5 an aborted encode rejects with AbortedError', async () => {
  const x = new Float32Array(96000 * 30);
  const abort = new AbortController();
  const done = encodeWav([x, x], 96000, '24', { signal: abort.signal });
  abort.abort();
  await expect(done).rejects.toThrow(AbortedError);
});

test('56.6 sosfiltfiltAsync matches scipy, equals the synchronous form bit for bit, and yields', async () => {
  const r = lcg(3);
  const x = new Float32Array(200000).map(() => r() * 2 - 1);
  const sos = butterworthLowpass(8, 20000, 48000);
  const sync = sosfiltfilt(sos, x);
  const sliced = await sosfiltfiltAsync(sos, x);
  expect(Buffer.from(sliced.buffer).equals(Buffer.from(sync.buffer))).toBe(true);
  const f32 = await sosfiltfiltAsync(sos, x, { output: 'float32' });
  expect(Buffer.from(f32.buffer).equals(Buffer.from(Float32Array.from(sync).buffer))).toBe(true);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-lp-'));
  try {
    fs.writeFileSync(path.join(dir, 'x.f32'), Buffer.from(x.buffer));
    fs.writeFileSync(path.join(dir, 'y.f64'), Buffer.from(sliced.buffer));
    const diff = runPython('-c', [
      'import sys, numpy as np; from scipy import signal\n' +
        'x = np.fromfile(sys.argv[1], "<f4").astype(np.float64); y = np.fromfile(sys.argv[2], "<f8")\n' +
        'print(np.abs(signal.sosfiltfilt(signal.butter(8, 20000, fs=48000, output="sos"), x) - y).max())',
      path.join(dir, 'x.f32'),
      path.join(dir, 'y.f64'),
    ]);
    expect(Number(diff)).toBeLessThan(1e-12);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const long = new Float32Array(60 * 48000);
  for (let i = 0; i < long.length; i++) long[i] = Math.sin(i / 3);
  expect(await firstOf(() => sosfiltfiltAsync(sos, long))).toEqual(['immediate ran', 'work done']);
});

test('56.7 normalisePeakAsync and qualityReportAsync give the synchronous results and yield', async () => {
  const r = lcg(11);
  // Half-second bursts of amplitude 0.6 between half seconds of amplitude 0.001, two channels of 60 s.
  const a = [0, 1].map(() => {
    const c = new Float32Array(60 * 48000);
    for (let i = 0; i < c.length; i++) c[i] = (i % 48000 < 24000 ? 0.6 : 0.001) * (r() * 2 - 1);
    return c;
  });
  const b = a.map((c) => c.slice());
  normalisePeak(a, 0.891);
  expect(await firstOf(() => normalisePeakAsync(b, 0.891))).toEqual(['immediate ran', 'work done']);
  for (let k = 0; k < 2; k++) expect(Buffer.from(b[k]!.buffer).equals(Buffer.from(a[k]!.buffer))).toBe(true);
  let peak = 0;
  for (const c of a) for (let i = 0; i < c.length; i++) peak = Math.max(peak, Math.abs(c[i]!));
  expect(peak).toBeCloseTo(0.891, 6);

  const sync = qualityReport(a, 48000);
  let sliced: unknown;
  expect(await firstOf(async () => (sliced = await qualityReportAsync(a, 48000)))).toEqual(['immediate ran', 'work done']);
  expect(sliced).toEqual(sync);
  // Signal frames of amplitude 0.6 and noise frames of 0.001 (the same distribution): 20 log10(600) dB.
  expect(sync.snrDb).toBeCloseTo(20 * Math.log10(600), 0);
});
