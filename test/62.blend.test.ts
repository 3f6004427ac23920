// Blending models as Distill does (inference/blending.py), with genuine models: the trained `.sda`
// fixture (latent 64, 19 sliders), the `.sda` sample-only fixture (latent 32, no analysis) and Distill's
// public `.distill` fixture (latent 32, 20 sliders). The slider vector is checked against Distill's own
// `sliders_to_latent` output (refs/slider_vectors.npy). Needs the native addon (real LibTorch renders).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  generateBlend, normaliseBlendWeights, GenerationPipeline, InvalidArgumentError, loadModel, slidersToLatent, MAX_BLEND_MODELS,
  type GenerationResult, type LoadedModel,
} from '../lib';
import { GENUINE } from './helpers/paths';
import { sda, tmpDir } from './helpers/cli';
import { readNpy } from './helpers/npy';
import { runPython } from './helpers/python';

let trained: GenerationPipeline;
let sampleOnly: GenerationPipeline;
let distill: GenerationPipeline;
/** Distill's `sliders_to_latent` for positions [3, -2, 4, 0, ...] on the `.distill` model. */
let distillVector: Float32Array;
const SLIDERS = [3, -2, 4];
const base = { duration: 1, seed: 42 };

beforeAll(async () => {
  const load = (p: string) => loadModel(path.join(GENUINE, p), { device: 'cpu' }).then((m) => new GenerationPipeline(m));
  trained = await load('trained/models/genuine_trained_fixture_v1.sda');
  sampleOnly = await load('sample_only/models/sample_only_fixture.sda');
  distill = await load('distill/models/head_distill_public_fixture_latent_32.distill');
  const v = readNpy(path.join(GENUINE, 'distill/refs/slider_vectors.npy'));
  distillVector = v.data.slice(v.shape[1]!, 2 * v.shape[1]!);
});
afterAll(() => [trained, sampleOnly, distill].forEach((p) => p?.dispose()));

function maxDiff(a: Float32Array[], b: ArrayLike<number>[]): number {
  expect(a.map((c) => c.length)).toEqual(b.map((c) => c.length));
  let w = 0;
  a.forEach((ch, c) => ch.forEach((v, i) => (w = Math.max(w, Math.abs(v - b[c]![i]!)))));
  return w;
}

test('62.1 a model weighted 100 beside one weighted 0 renders as that model alone with the sliders\' vector (Distill\'s)', async () => {
  // The shared positions give the `.distill` model the vector Distill's own sliders_to_latent gives.
  const sliders20 = [...SLIDERS, ...new Array(17).fill(0)];
  expect(slidersToLatent(sliders20, distill.loaded.analysis!)).toEqual(distillVector);
  const alone = await distill.generate({ ...base, latentVector: distillVector });
  for (const mode of ['latent', 'audio'] as const) {
    const blend = await generateBlend([{ pipeline: distill, weight: 100 }, { pipeline: trained, weight: 0 }], base, { blendMode: mode, sliders: SLIDERS });
    expect(blend.channels).toEqual(alone.channels);
    expect(blend.modelName).toBe(distill.loaded.metadata.name);
  }
});

test('62.2 audio mode is the weighted average of each model\'s own render (an .sda and a .distill model, stereo)', async () => {
  const config = { ...base, spatial: { mode: 'stereo' as const, width: 0.7, depth: 0.5 } };
  const blend = await generateBlend([{ pipeline: trained, weight: 30 }, { pipeline: distill, weight: 70 }], config, { blendMode: 'audio', sliders: SLIDERS });
  const zTrained = slidersToLatent([...SLIDERS, ...new Array(16).fill(0)], trained.loaded.analysis!);
  const a = await trained.generate({ ...config, latentVector: zTrained });
  const b = await distill.generate({ ...config, latentVector: distillVector });
  expect(blend.channelCount).toBe(2);
  const expected = a.channels.map((ch, c) => Array.from(ch, (v, i) => 0.3 * v + 0.7 * b.channels[c]![i]!));
  // Float32 products and sums: a few float32 steps of values below 0.9.
  expect(maxDiff(blend.channels, expected)).toBeLessThan(2e-7);
  // Each render differs from the blend (the models do not sound alike), and the blend is not renormalised.
  expect(maxDiff(blend.channels, a.channels)).toBeGreaterThan(0.01);
  expect(blend.modelName).toBe(`${trained.loaded.metadata.name} + ${distill.loaded.metadata.name}`);
  expect(blend.seedUsed).toBe(42);
  expect(blend.quality.clipping.peakValue).toBeCloseTo(peakOf(blend), 6);
});

test('62.3 latent mode renders the weighted average of the vectors with the first model weighted above 0', async () => {
  // The sample-only model has no analysis: its vector is its latent mean (zeros), so the blend's vector
  // is 0.75 times the `.distill` model's, rendered by whichever comes first.
  const scaled = Float32Array.from(distillVector, (v) => 0.75 * v);
  const viaDistill = await generateBlend(
    [{ pipeline: sampleOnly, weight: 0 }, { pipeline: distill, weight: 75 }, { pipeline: sampleOnly, weight: 25 }], base, { blendMode: 'latent', sliders: SLIDERS },
  );
  expect(viaDistill.channels).toEqual((await distill.generate({ ...base, latentVector: scaled })).channels);
  expect(viaDistill.modelName).toBe(`${distill.loaded.metadata.name} + ${sampleOnly.loaded.metadata.name}`);
  const viaSampleOnly = await generateBlend([{ pipeline: sampleOnly, weight: 25 }, { pipeline: distill, weight: 75 }], base, { sliders: SLIDERS });
  expect(viaSampleOnly.channels).toEqual((await sampleOnly.generate({ ...base, latentVector: scaled })).channels);
});

test('62.4 latent mode refuses models of different latent sizes, naming them; audio mode blends them', async () => {
  const sources = [{ pipeline: distill, weight: 50 }, { pipeline: trained, weight: 50 }];
  const e = await generateBlend(sources, base, { blendMode: 'latent' }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(InvalidArgumentError);
  expect((e as Error).message).toBe(
    `latent blending needs models of one latent size; these have ${JSON.stringify(distill.loaded.metadata.name)}: 32, ` +
      `${JSON.stringify(trained.loaded.metadata.name)}: 64. Use blendMode "audio" to blend models of different latent sizes.`,
  );
  const audio = await generateBlend(sources, base, { blendMode: 'audio' });
  expect(audio.channels[0]!.length).toBe(48000);
});

test('62.5 a loaded model can be given instead of a pipeline; it stays usable afterwards', async () => {
  const model: LoadedModel = distill.loaded;
  const r = await generateBlend([{ model, weight: 10 }], base, { sliders: SLIDERS });
  expect(r.channels).toEqual((await distill.generate({ ...base, latentVector: distillVector })).channels);
  expect(model.model.disposed).toBe(false);
});

test('62.6 bad blends are refused before any render', async () => {
  const bad: Array<[Parameters<typeof generateBlend>, RegExp]> = [
    [[[], base], /a blend takes 1 to 4 models; got 0/],
    [[new Array(MAX_BLEND_MODELS + 1).fill({ pipeline: distill, weight: 1 }), base], /got 5/],
    [[[{ pipeline: distill, weight: 101 }], base], /blend source 0: weight must be a number from 0 to 100; got 101/],
    [[[{ pipeline: distill, weight: 0 }, { pipeline: trained, weight: 0 }], base], /every blend weight is 0/],
    [[[{ pipeline: distill, weight: 50 }], { ...base, latentVector: distillVector }], /not from latentVector/],
    [[[{ pipeline: distill, weight: 50 }], base, { blendMode: 'spectral' as never }], /blendMode must be "latent" or "audio"/],
    [[[{ pipeline: distill, weight: 50 }], base, { sliders: [99] }], /blend source 0 \(HEAD Distill Public Fixture \(latent 32\)\): positions\[0\] must be an integer in \[-10, 10\]/],
  ];
  for (const [args, message] of bad) {
    const e = await generateBlend(...args).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toMatch(message);
  }
  expect(normaliseBlendWeights([25, 75, 0])).toEqual([0.25, 0.75, 0]);
});

function peakOf(r: GenerationResult): number {
  return r.channels.reduce((m, c) => c.reduce((mm, v) => Math.max(mm, Math.abs(v)), m), 0);
}

describe('sda generate --blend', () => {
  // The compiled CLI (npm run compile, which npm test runs first).
  test('62.7 writes the blend generateBlend gives (float WAV read back by scipy), its sidecar names both models', async () => {
    const out = tmpDir('blend');
    const distillPath = distill.loaded.path;
    const trainedPath = trained.loaded.path;
    const r = sda([
      'generate', '--blend', `${distillPath}:70`, '--blend', `${trainedPath}:30`, '--blend-mode', 'audio', '--sliders', '0=3,1=-2,2=4',
      '--seed', '42', '--duration', '1', '--bit-depth', '32f', '--device', 'cpu', '--out', out, '--json', '--no-progress',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [item] = JSON.parse(r.stdout);
    expect(item.sliders).toEqual(SLIDERS);
    const api = await generateBlend([{ pipeline: distill, weight: 70 }, { pipeline: trained, weight: 30 }], base, { blendMode: 'audio', sliders: SLIDERS });
    const raw = path.join(out, 'api.f32');
    fs.writeFileSync(raw, Buffer.from(api.channels[0]!.buffer, api.channels[0]!.byteOffset, api.channels[0]!.byteLength));
    const check = JSON.parse(runPython(path.join(__dirname, 'python/wav_check.py'), [item.file, raw, '1']));
    expect(check).toEqual({ rate: 48000, dtype: 'float32', channels: 1, frames: 48000, max_diff: 0 });
    const sidecar = JSON.parse(fs.readFileSync(item.sidecar, 'utf8').replace(/\bInfinity\b/g, '1e999'));
    expect(sidecar.model_name).toBe(`${distill.loaded.metadata.name} + ${trained.loaded.metadata.name}`);
    fs.rmSync(out, { recursive: true, force: true });
  });

  test('62.8 bad --blend usage: exit 2 with one line saying what to write', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--blend', 'pads'], /--blend takes MODEL:WEIGHT with a weight from 0 to 100, e.g. pads:60; got "pads"/],
      [['--blend', 'pads:150'], /got "pads:150"/],
      [['--blend', 'a:1', '--blend', 'b:1', '--blend', 'c:1', '--blend', 'd:1', '--blend', 'e:1'], /at most 4 models/],
      [['--blend', 'a:1', '--blend-mode', 'mix'], /--blend-mode must be latent or audio; got "mix"/],
      [['somemodel', '--blend', 'a:1'], /not also as the model argument/],
      [['--blend-mode', 'audio'], /--blend-mode needs --blend/],
      [['--blend', 'a:1', '--random-sliders'], /--random-sliders is not available with --blend/],
    ];
    for (const [args, message] of cases) {
      const r = sda(['generate', ...args, '--out', os.tmpdir()]);
      expect({ args, status: r.status }).toEqual({ args, status: 2 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
