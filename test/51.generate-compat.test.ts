// pythonCompat: the Python app's generations of the genuine models, reproduced from the same seed.
import * as fs from 'fs';
import * as path from 'path';
import { GenerationPipeline, loadModel, type GenerationConfig } from '../lib';
import { GENUINE } from './helpers/paths';
import { readNpy } from './helpers/npy';
import { correlation } from './helpers/signal';

interface Case {
  dir: string;
  ref: string;
  config: Partial<GenerationConfig>;
}

const cases: Case[] = [];
for (const dir of ['trained', 'sample_only', 'checkpoint']) {
  cases.push({ dir, ref: 'gen_crossfade', config: { concatMode: 'crossfade' } });
  cases.push({ dir, ref: 'gen_latent_interpolation', config: { concatMode: 'interpolation' } });
}
cases.push({ dir: 'trained', ref: 'gen_sliders', config: { latentVector: readNpy(path.join(GENUINE, 'trained/refs/slider_latents.npy')).data.slice(64, 128) } });

const pipelines = new Map<string, GenerationPipeline>();
afterAll(() => pipelines.forEach((p) => p.dispose()));

async function pipelineFor(dir: string): Promise<GenerationPipeline> {
  let p = pipelines.get(dir);
  if (!p) {
    const modelsDir = path.join(GENUINE, dir, 'models');
    const file = fs.readdirSync(modelsDir).find((f) => f.endsWith('.sda'))!;
    p = new GenerationPipeline(await loadModel(path.join(modelsDir, file), { device: 'cpu' }));
    pipelines.set(dir, p);
  }
  return p;
}

test.each(cases)('51.1 $dir $ref: same length, correlation >= 0.99, same quality report', async ({ dir, ref, config }) => {
  const refs = path.join(GENUINE, dir, 'refs');
  const gen = JSON.parse(fs.readFileSync(path.join(refs, 'generation.json'), 'utf8'))[ref];
  const pipeline = await pipelineFor(dir);
  const result = await pipeline.generate({ duration: gen.config.duration_s, seed: gen.config.seed, pythonCompat: true, ...config });
  const want = readNpy(path.join(refs, `${ref}.npy`)).data;
  expect(result.channels).toHaveLength(1);
  expect(result.channels[0]!.length).toBe(want.length);
  expect(correlation(result.channels[0]!, want)).toBeGreaterThanOrEqual(0.99);
  expect(result.sampleRate).toBe(gen.sample_rate);
  expect(result.seedUsed).toBe(gen.seed_used);
  expect(result.duration).toBe(gen.duration_s);
  const q = gen.quality;
  const snr = (v: number | string) => (typeof v === 'string' ? Number(v) : v); // refs write Infinity as a string
  if (Number.isFinite(snr(q.snr_db))) expect(Math.abs(result.quality.snrDb - snr(q.snr_db))).toBeLessThanOrEqual(0.1);
  else expect(result.quality.snrDb).toBe(snr(q.snr_db));
  expect(result.quality.clipping).toEqual({
    clippedSamples: q.clipping.clipped_samples,
    clippedPercentage: q.clipping.clipped_percentage,
    peakValue: expect.closeTo(q.clipping.peak_value, 6),
    maxConsecutiveClipped: q.clipping.max_consecutive_clipped,
    hasClipping: q.clipping.has_clipping,
  });
  expect(result.quality.rating).toBe(q.rating);
  expect(result.quality.ratingReason).toBe(q.rating_reason);
});
