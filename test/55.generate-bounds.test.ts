// Generation configs that would exhaust memory, hang or write nothing are refused up front with an
// InvalidArgumentError naming the bound; configs at the bounds are accepted and generate what they say.
import * as path from 'path';
import {
  GenerationPipeline, InvalidArgumentError, MAX_CHUNKS_PER_GENERATION, MAX_DURATION_S, MAX_SEED, MIN_CHUNK_DURATION_S,
  loadModel, validateGenerationConfig, type GenerationConfig,
} from '../lib';
import { GENUINE } from './helpers/paths';

let trained: GenerationPipeline;

beforeAll(async () => {
  trained = new GenerationPipeline(await loadModel(path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda'), { device: 'cpu' }));
});
afterAll(() => trained?.dispose());

/** generate() must refuse `config` before doing any work: typed, with the message, and at once. */
async function refusedFast(config: Partial<GenerationConfig>, message: RegExp): Promise<void> {
  const t0 = performance.now();
  const err = await trained.generate(config).then(() => undefined, (e: unknown) => e);
  const ms = performance.now() - t0;
  expect({ config, err: err instanceof InvalidArgumentError, code: (err as InvalidArgumentError | undefined)?.code }).toEqual({ config, err: true, code: 'ERR_SDA_INVALID_ARGUMENT' });
  expect((err as Error).message).toMatch(message);
  expect({ config, fast: ms < 1000 }).toEqual({ config, fast: true });
  // generateBatch refuses it the same way, naming the config's index.
  await expect(trained.generateBatch([{ duration: 0.1, seed: 1 }, config])).rejects.toThrow(/configs\[1\]/);
}

test('55.1 chunkDuration below the documented minimum (or not a number) is refused; the minimum works', async () => {
  const range = new RegExp(`chunkDuration must be a number in \\[${MIN_CHUNK_DURATION_S}, ${MAX_DURATION_S}\\]`);
  for (const chunkDuration of [1e-9, Number.MIN_VALUE, 0, -1, MIN_CHUNK_DURATION_S * 0.999, NaN, Infinity, MAX_DURATION_S * 1.01]) {
    await refusedFast({ duration: 1, chunkDuration }, range);
    await refusedFast({ duration: 1, chunkDuration, pythonCompat: true }, range);
  }
  await refusedFast({ duration: 1, chunkDuration: '1' as unknown as number }, range);
  // At the minimum: the default mode still renders exactly the asked length.
  const r = await trained.generate({ duration: 0.3, seed: 2, chunkDuration: MIN_CHUNK_DURATION_S });
  expect(r.channels[0]!.length).toBe(Math.round(0.3 * 48000));
  expect(r.config.chunkDuration).toBe(MIN_CHUNK_DURATION_S);
});

test('55.2 a config asking for more chunks than the cap is refused at once, in every mode; up to the cap is accepted', async () => {
  const cap = new RegExp(`asks for \\d+ chunks .*at most ${MAX_CHUNKS_PER_GENERATION}`);
  // The reported case: 59,001 latent-interpolation chunks (the V8 heap ran out), and its variants.
  await refusedFast({ duration: 60, stepsBetween: 1000, concatMode: 'interpolation', pythonCompat: true }, cap);
  await refusedFast({ duration: 60, stepsBetween: 1000, concatMode: 'interpolation' }, cap);
  await refusedFast({ duration: 30, stepsBetween: 200, concatMode: 'interpolation', stereoMode: 'dual-seed', pythonCompat: true }, cap);
  await refusedFast({ duration: 60, stepsBetween: 100, chunkDuration: 0.5, concatMode: 'interpolation' }, cap);

  // Interpolation over the 60 one-second anchors of the longest clip: the most steps that fit, and one more.
  const anchors = MAX_DURATION_S;
  const chunksFor = (steps: number, channels: number) => ((anchors - 1) * steps + 1) * channels;
  for (const [stereoMode, channels] of [['mono', 1], ['dual-seed', 2]] as const) {
    const most = Math.floor((MAX_CHUNKS_PER_GENERATION / channels - 1) / (anchors - 1));
    expect(chunksFor(most, channels)).toBeLessThanOrEqual(MAX_CHUNKS_PER_GENERATION);
    expect(chunksFor(most + 1, channels)).toBeGreaterThan(MAX_CHUNKS_PER_GENERATION);
    const base = { duration: MAX_DURATION_S, concatMode: 'interpolation', stereoMode, pythonCompat: true } as const;
    expect(validateGenerationConfig({ ...base, stepsBetween: most }).stepsBetween).toBe(most);
    await refusedFast({ ...base, stepsBetween: most + 1 }, new RegExp(`asks for ${chunksFor(most + 1, channels)} chunks`));
  }
  // Crossfade counts ceil(duration / chunkDuration) chunks per channel: the shortest chunks over the
  // longest clip fit on one channel or not, and two channels count twice.
  const shortest = Math.round(MAX_DURATION_S / MIN_CHUNK_DURATION_S);
  for (const [stereoMode, channels] of [['mono', 1], ['dual-seed', 2]] as const) {
    const config = { duration: MAX_DURATION_S, chunkDuration: MIN_CHUNK_DURATION_S, stereoMode, pythonCompat: true };
    if (shortest * channels <= MAX_CHUNKS_PER_GENERATION) expect(validateGenerationConfig(config).stereoMode).toBe(stereoMode);
    else await refusedFast(config, new RegExp(`asks for ${shortest * channels} chunks`));
  }
  // The defaults at the longest duration are far inside the cap, with every joining and stereo mode.
  for (const concatMode of ['crossfade', 'interpolation'] as const) {
    for (const stereoMode of ['mono', 'mid-side', 'dual-seed'] as const) {
      expect(validateGenerationConfig({ duration: MAX_DURATION_S, concatMode, stereoMode, pythonCompat: true }).duration).toBe(MAX_DURATION_S);
    }
  }
});

test('55.3 a clip shorter than one sample is refused; one sample is written as one sample', async () => {
  for (const sampleRate of [44100, 48000, 96000] as const) {
    for (const pythonCompat of [false, true]) {
      await refusedFast({ duration: 1e-9, sampleRate, pythonCompat }, new RegExp(`less than one sample at ${sampleRate} Hz`));
      await refusedFast({ duration: 0.4 / sampleRate, sampleRate, pythonCompat }, /less than one sample/);
    }
    // The default mode rounds: 0.6 of a sample period is one sample.
    expect(validateGenerationConfig({ duration: 0.6 / sampleRate, sampleRate }).duration).toBe(0.6 / sampleRate);
    const one = await trained.generate({ duration: 1 / sampleRate, sampleRate, seed: 4 });
    expect(one.channels[0]!.length).toBe(1);
  }
  const compat = await trained.generate({ duration: 1 / 48000, seed: 4, pythonCompat: true, stereoMode: 'mid-side' });
  expect(compat.channels.map((c) => c.length)).toEqual([1, 1]);
});

test('55.4 the seed range is checked as the user gave it: dual seed stops one short of 2^53-1, in its own terms', async () => {
  // Dual seed renders the right channel with seed + 1, which must stay an exact integer.
  for (const seed of [MAX_SEED, MAX_SEED + 1]) {
    await refusedFast({ duration: 0.1, seed, stereoMode: 'dual-seed' }, /seed must be a non-negative integer, at most 2\^53-2 with stereoMode "dual-seed"/);
  }
  const err = await trained.generate({ duration: 0.1, seed: MAX_SEED, stereoMode: 'dual-seed' }).catch((e: Error) => e);
  expect((err as Error).message).not.toMatch(/2\^53(?!-)|9007199254740992/); // names the user's range, not seed + 1
  for (const seed of [MAX_SEED + 1, 2 ** 60, -1, 1.5, '7' as unknown as number]) {
    await refusedFast({ duration: 0.1, seed }, /seed must be a non-negative integer, at most 2\^53-1/);
  }
  // The largest seeds accepted do generate, and dual seed puts a different stream on the right.
  const dual = await trained.generate({ duration: 0.1, seed: MAX_SEED - 1, stereoMode: 'dual-seed' });
  expect(dual.seedUsed).toBe(MAX_SEED - 1);
  expect(Array.from(dual.channels[0]!)).not.toEqual(Array.from(dual.channels[1]!));
  const mono = await trained.generate({ duration: 0.1, seed: MAX_SEED });
  expect(mono.seedUsed).toBe(MAX_SEED);
});
