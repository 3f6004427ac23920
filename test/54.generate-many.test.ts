// generateMany: generations streamed as they finish, in order, with the audio of one generate() each;
// chunks drawn only as they are rendered (render-ahead bounded by one batch); and, in the default mode,
// the peak level and the quality report describe the samples written (issue 11), while pythonCompat keeps
// the app's order.
import * as fs from 'fs';
import * as path from 'path';
import {
  GenerationPipeline, InvalidArgumentError, TorchRng, loadModel, type BitDepth, type GenerationConfig, type GenerationProgress,
  type GenerationResult, type OutputSampleRate,
} from '../lib';
import { planChunks } from '../lib/generate/chunk-plan';
import { checkOutputs, tmpDir } from './helpers/cli';
import { GENUINE } from './helpers/paths';

let trained: GenerationPipeline;

beforeAll(async () => {
  trained = new GenerationPipeline(await loadModel(path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda'), { device: 'cpu' }));
});
afterAll(() => trained?.dispose());

const CONFIGS: Array<Partial<GenerationConfig>> = [
  { duration: 2.2, seed: 1 },
  { duration: 1.4, seed: 2, stereoMode: 'dual-seed' },
  { duration: 1, seed: 3, pythonCompat: true },
  { duration: 2.5, seed: 4, concatMode: 'interpolation', sampleRate: 44100 },
  { duration: 0.3, seed: 5 },
];

/** Chunks one generation renders: the total its own generate() reports. */
async function chunkCount(config: Partial<GenerationConfig>): Promise<{ chunks: number; result: GenerationResult }> {
  let chunks = 0;
  const result = await trained.generate(config, { onProgress: (p) => { chunks = p.total; } });
  return { chunks, result };
}

test('54.1 results arrive one by one, in order, each the audio of its own generate(); the stream stays within one batch ahead', async () => {
  const alone = await Promise.all(CONFIGS.map(chunkCount));
  const batchSize = 3;
  let rendered = 0;
  const seen: Array<{ index: number; renderedThen: number }> = [];
  for await (const { index, result } of trained.generateMany(CONFIGS, { batchSize, onProgress: (p) => { if (p.stage === 'invert') rendered = p.done; } })) {
    seen.push({ index, renderedThen: rendered });
    const want = alone[index]!.result;
    expect(result.channels).toHaveLength(want.channelCount);
    result.channels.forEach((ch, c) => expect(Buffer.from(ch.buffer, ch.byteOffset, ch.byteLength).equals(
      Buffer.from(want.channels[c]!.buffer, want.channels[c]!.byteOffset, want.channels[c]!.byteLength))).toBe(true));
    expect(result.quality).toEqual(want.quality);
    expect(result.seedUsed).toBe(want.seedUsed);
  }
  expect(seen.map((s) => s.index)).toEqual(CONFIGS.map((_, i) => i));
  // When generation k is handed out, its chunks and those before it are rendered, and at most one batch
  // beyond them: later generations are not drawn (latents, phases) or rendered ahead of the consumer.
  let before = 0;
  seen.forEach(({ index, renderedThen }) => {
    before += alone[index]!.chunks;
    expect(renderedThen).toBeGreaterThanOrEqual(before);
    expect(renderedThen).toBeLessThanOrEqual(before + batchSize - 1);
  });
});

test('54.2 a consumer that stops early stops the work; generateBatch collects the same stream', async () => {
  const events: GenerationProgress[] = [];
  const stream = trained.generateMany([{ duration: 0.5, seed: 8 }, { duration: 30, seed: 9 }, { duration: 30, seed: 10 }], {
    batchSize: 2,
    onProgress: (p) => events.push(p),
  });
  const first = await stream.next();
  expect(first.done).toBe(false);
  const renderedAtFirst = Math.max(...events.filter((p) => p.stage === 'invert').map((p) => p.done));
  await stream.return(undefined);
  expect(Math.max(...events.filter((p) => p.stage === 'invert').map((p) => p.done))).toBe(renderedAtFirst);
  expect(renderedAtFirst).toBeLessThan(events[0]!.total / 10);

  const collected = await trained.generateBatch(CONFIGS.slice(0, 2), { batchSize: 4 });
  const streamed: GenerationResult[] = [];
  for await (const { index, result } of trained.generateMany(CONFIGS.slice(0, 2), { batchSize: 4 })) streamed[index] = result;
  collected.forEach((r, i) => expect(Array.from(r.channels[0]!)).toEqual(Array.from(streamed[i]!.channels[0]!)));
});

test('54.3 every config is checked before any work: an invalid one throws at once, naming its index', async () => {
  const events: GenerationProgress[] = [];
  expect(() => trained.generateMany([{ duration: 1 }, { duration: 1 }, { stereoWidth: 9 }], { onProgress: (p) => events.push(p) }))
    .toThrow(InvalidArgumentError);
  expect(() => trained.generateMany([{ duration: 1 }, { stereoWidth: 9 }])).toThrow(/^configs\[1\]: stereoWidth must be a number/);
  expect(() => trained.generateMany([{ duration: 1 }], { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  expect(events).toEqual([]);
});

test('54.4 drawn lazily and interleaved with another plan, each chunk is what the app\'s draw order gives', () => {
  const d = trained.loaded.latentDim;
  const frames = trained.loaded.model.melShape[1];
  const g = { latentDim: d, nFreqs: trained.spectrogram.nFreqs, frames, chunkSamples: trained.spectrogram.samplesFor(frames) };
  const config = trained.validate({ duration: 3, seed: 31, pythonCompat: true });
  const a = planChunks(config, 31, 48000, 2400, g);
  const b = planChunks(config, 32, 48000, 2400, g);
  expect(a.count).toBeGreaterThan(1);
  const got: Array<{ latent: Float32Array; phase: Float32Array }> = [];
  for (let i = 0; i < a.count; i++) {
    got.push(a.chunks.next().value!);
    b.chunks.next(); // another channel drawing in between changes nothing
  }
  expect(a.chunks.next().done).toBe(true);
  // The app (crossfade): every latent randn(1, d) first, then one phase rand(1, F, T, complex64) per chunk.
  const app = new TorchRng(31);
  const latents = Array.from({ length: a.count }, () => app.randn([1, d]));
  latents.forEach((z, i) => {
    expect(Array.from(got[i]!.latent)).toEqual(Array.from(z));
  });
  for (let i = 0; i < a.count; i++) expect(Array.from(got[i]!.phase)).toEqual(Array.from(app.randComplex([1, g.nFreqs, frames])));
});

test('54.7 the default mode hands out no phase, yet its slider latents are the app\'s (the stream is advanced past each phase)', () => {
  const d = trained.loaded.latentDim;
  const frames = trained.loaded.model.melShape[1];
  const g = { latentDim: d, nFreqs: trained.spectrogram.nFreqs, frames, chunkSamples: trained.spectrogram.samplesFor(frames) };
  const latentVector = Array.from({ length: d }, (_, j) => Math.sin(j));
  for (const extra of [{ latentVector }, {}, { concatMode: 'interpolation' as const }]) {
    const compat = planChunks(trained.validate({ duration: 4, seed: 7, pythonCompat: true, ...extra }), 7, 48000, 2400, g);
    const fast = planChunks(trained.validate({ duration: 4, seed: 7, ...extra }), 7, 48000, 2400, g);
    expect(fast.count).toBeGreaterThan(2);
    for (let i = 0; i < Math.min(compat.count, fast.count); i++) {
      const c = compat.chunks.next().value!;
      const f = fast.chunks.next().value!;
      expect(c.phase.length).toBe(2 * g.nFreqs * frames);
      expect(f.phase.length).toBe(0);
      expect(Array.from(f.latent)).toEqual(Array.from(c.latent));
    }
  }
});

/** The written peak in the file's integer steps, and the sidecar's peak in the same steps. */
function peakSteps(depth: BitDepth, filePeak: number, sidecarPeak: number): { file: number; sidecar: number; level: number } {
  // The writer quantises round(x * (2^(b-1) - 1)); scipy hands PCM back as integers that
  // cli_check_outputs.py divides by 2^15 (16-bit) or 2^31 (24-bit, left-justified in int32).
  if (depth === '16') return { file: filePeak * 2 ** 15, sidecar: sidecarPeak * (2 ** 15 - 1), level: 0.891 * (2 ** 15 - 1) };
  if (depth === '24') return { file: filePeak * 2 ** 23, sidecar: sidecarPeak * (2 ** 23 - 1), level: 0.891 * (2 ** 23 - 1) };
  const lsb = 2 ** -23; // float32 near 1
  return { file: filePeak / lsb, sidecar: sidecarPeak / lsb, level: 0.891 / lsb };
}

test.each<[number, OutputSampleRate, BitDepth]>([
  [0.1, 48000, '16'],
  [0.1, 44100, '24'],
  [0.1, 96000, '32f'],
  [1, 48000, '24'],
  [1.3, 44100, '16'],
])('54.5 a %p s clip at %p Hz, %s: the written peak is 0.891 and the sidecar\'s peak is the file\'s, within one step', async (duration, sampleRate, bitDepth) => {
  const dir = tmpDir('peak');
  try {
    for (const stereoMode of ['mono', 'dual-seed'] as const) {
      const r = await trained.generate({ duration, sampleRate, seed: 17, stereoMode });
      const { wavPath } = await trained.export(r, dir, { fileName: `${stereoMode}.wav`, bitDepth });
      const [w] = checkOutputs([wavPath]);
      expect(w!.frames).toBe(Math.round(duration * sampleRate));
      const s = peakSteps(bitDepth, w!.peak, w!.sidecar.quality.clipping.peak_value);
      expect(Math.abs(s.file - s.sidecar)).toBeLessThanOrEqual(1);
      expect(Math.abs(s.file - s.level)).toBeLessThanOrEqual(1);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('54.6 pythonCompat keeps the app\'s order: normalised and rated over the rendered chunk, then trimmed', async () => {
  // 0.1 s and 0.9 s both render one whole chunk in the app's mode; the shorter is the longer's start, and
  // reports the same peak (that of the whole chunk), whatever the samples it keeps.
  const short = await trained.generate({ duration: 0.1, seed: 17, pythonCompat: true });
  const long = await trained.generate({ duration: 0.9, seed: 17, pythonCompat: true });
  expect(Array.from(short.channels[0]!)).toEqual(Array.from(long.channels[0]!.subarray(0, short.channels[0]!.length)));
  expect(short.quality.clipping.peakValue).toBe(long.quality.clipping.peakValue);
  expect(short.quality.clipping.peakValue).toBeCloseTo(0.891, 6);
  // The default mode scales the 0.1 s it writes, so its peak is the level.
  const ours = await trained.generate({ duration: 0.1, seed: 17 });
  expect(Math.max(...Array.from(ours.channels[0]!, Math.abs))).toBeCloseTo(0.891, 6);
});
