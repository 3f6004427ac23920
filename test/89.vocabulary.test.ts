// One vocabulary (docs/vocabulary.md): the API's option names are the keys of a `sda batch` job and, in
// kebab-case, the flags of `sda generate`, with the same values; the sidecar keeps the Python app's
// spellings. The public helpers (demoModelPath, resolveModel, sidecarFor) and the (subject, options)
// shape of the library calls.
import * as fs from 'fs';
import * as path from 'path';
import {
  AmbiguousModelError,
  GenerationPipeline,
  InvalidArgumentError,
  ModelLibrary,
  ModelNotFoundError,
  deleteModel,
  demoModelPath,
  loadModel,
  resolveModel,
  saveModel,
  saveModelFromCheckpoint,
  sidecarFor,
  type BitDepth,
  type GenerationConfig,
} from '../lib';
import { CHECKPOINT, DEMO, sda, tmpDir } from './helpers/cli';

/** One set of options, every value away from its default, in the API's names. */
const OPTIONS: Partial<GenerationConfig> & { bitDepth: BitDepth } = {
  duration: 0.4,
  seed: 5,
  chunkDuration: 0.5,
  concatMode: 'interpolation',
  stereoMode: 'mid-side',
  stereoWidth: 1.1,
  sampleRate: 44100,
  stepsBetween: 4,
  overlapSamples: 1200,
  bitDepth: '16',
};

/** The documented rule, applied by the test on its own: `stereoMode` -> `--stereo-mode`. */
function kebabFlag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

test('89.1 the same options given to the API, as a JSONL job and as CLI flags give the same sidecar generation block and the same WAV', async () => {
  const dir = tmpDir('vocab');
  // API: the options object as it stands, the bit depth to export.
  const { bitDepth, ...config } = OPTIONS;
  const pipeline = new GenerationPipeline(await loadModel(demoModelPath, { device: 'cpu' }));
  let api: { generation: unknown; wav: Buffer };
  try {
    const result = await pipeline.generate(config);
    const files = await pipeline.export(result, path.join(dir, 'api'), { fileName: 'x.wav', bitDepth });
    api = { generation: sidecarFor(result, { bitDepth }).generation, wav: fs.readFileSync(files.wavPath) };
  } finally {
    pipeline.dispose();
  }
  // JSONL: the very same object as the job's options (no model: the demo model).
  const jobs = path.join(dir, 'jobs.jsonl');
  fs.writeFileSync(jobs, `${JSON.stringify({ output: 'x.wav', options: OPTIONS })}\n`);
  const b = sda(['batch', jobs, '--out', path.join(dir, 'batch')]);
  expect(b.stderr).toBe('');
  expect(b.status).toBe(0);
  // CLI: each key as its kebab-case flag, each value as written.
  const flags = Object.entries(OPTIONS).flatMap(([k, v]) => [kebabFlag(k), String(v)]);
  const g = sda(['generate', ...flags, '--out', path.join(dir, 'cli'), '--name', 'x.wav']);
  expect(g.stderr).toBe('');
  expect(g.status).toBe(0);

  const read = (sub: string) => ({
    generation: JSON.parse(fs.readFileSync(path.join(dir, sub, 'x.json'), 'utf8')).generation,
    wav: fs.readFileSync(path.join(dir, sub, 'x.wav')),
  });
  const jsonl = read('batch');
  const cli = read('cli');
  const written = read('api');
  expect(jsonl.generation).toEqual(api.generation);
  expect(cli.generation).toEqual(api.generation);
  expect(written.generation).toEqual(api.generation);
  expect(jsonl.wav.equals(api.wav)).toBe(true);
  expect(cli.wav.equals(api.wav)).toBe(true);
  // The sidecar keeps the Python app's spellings of the same values.
  expect(api.generation).toMatchObject({ concat_mode: 'latent_interpolation', stereo_mode: 'mid_side', bit_depth: '16-bit', duration_s: OPTIONS.duration });
  fs.rmSync(dir, { recursive: true, force: true });
});

test('89.2 each value is spelled one way: the API refuses the 0.1 spellings, naming the allowed values', async () => {
  const pipeline = new GenerationPipeline(await loadModel(demoModelPath, { device: 'cpu' }));
  try {
    for (const [config, allowed] of [
      [{ stereoMode: 'midSide' }, /stereoMode must be one of "mono", "mid-side", "dual-seed"/],
      [{ concatMode: 'latentInterpolation' }, /concatMode must be one of "crossfade", "interpolation"/],
      [{ durationS: 1 }, /unknown generation option "durationS" \(renamed duration\); known: duration, seed, chunkDuration/],
      [{ chunkDurationS: 1 }, /unknown generation option "chunkDurationS" \(renamed chunkDuration\)/],
    ] as const) {
      await expect(pipeline.generate(config as never)).rejects.toThrow(InvalidArgumentError);
      await expect(pipeline.generate(config as never)).rejects.toThrow(allowed);
    }
    // The CLI's values work in the API as they are.
    const r = await pipeline.generate({ duration: 0.2, seed: 1, stereoMode: 'dual-seed' });
    expect(r.channelCount).toBe(2);
    expect(r.duration).toBe(0.2);
  } finally {
    pipeline.dispose();
  }
  // A job key in another spelling is refused, naming the known keys, and the other jobs still render.
  const dir = tmpDir('vocab-jobs');
  const lines = [
    { output: 'a.wav', options: { duration: 0.2, stereo: 'mid-side' } },
    { output: 'b.wav', options: { duration: 0.2, rate: 44100 } },
    { output: 'c.wav', options: { duration: 0.2, bitDepth: 16 } },
    { output: 'd.wav', options: { duration: 0.2, bitDepth: '32f', stereoMode: 'mid-side' } },
  ];
  const r = sda(['batch', '-', '--out', dir, '--json'], { input: lines.map((l) => JSON.stringify(l)).join('\n') });
  expect(r.status).toBe(1);
  const s = JSON.parse(r.stdout);
  expect(s).toMatchObject({ written: 1, failed: 3, outputs: [path.join(dir, 'd.wav')] });
  expect(s.failures[0].error).toMatch(/unknown option "stereo"; known: duration, seed, chunkDuration, concatMode, stereoMode/);
  expect(s.failures[1].error).toMatch(/unknown option "rate"; known: .*sampleRate/);
  expect(s.failures[2].error).toMatch(/bitDepth must be one of "16", "24", "32f"; got 16/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('89.3 demoModelPath is the model `sda generate` uses when none is named', async () => {
  expect(path.isAbsolute(demoModelPath)).toBe(true);
  expect(fs.readFileSync(demoModelPath).equals(fs.readFileSync(DEMO))).toBe(true);
  const dir = tmpDir('demo-path');
  const g = sda(['generate', '--duration', '0.2', '--seed', '3', '--out', dir, '--name', 'cli.wav']);
  expect(g.status).toBe(0);
  const pipeline = new GenerationPipeline(await loadModel(demoModelPath, { device: 'cpu' }));
  try {
    const { wavPath } = await pipeline.export(await pipeline.generate({ duration: 0.2, seed: 3 }), dir, { fileName: 'api.wav' });
    expect(fs.readFileSync(wavPath).equals(fs.readFileSync(path.join(dir, 'cli.wav')))).toBe(true);
  } finally {
    pipeline.dispose();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('89.4 the library calls take (subject, options): save, resolve, convert, delete', async () => {
  const modelsDir = path.join(tmpDir('shapes'), 'models');
  const copy = await saveModel(demoModelPath, { modelsDir, metadata: { name: 'Demo Copy' } });
  const converted = await saveModelFromCheckpoint(CHECKPOINT, { modelsDir, metadata: { name: 'From Checkpoint' } });
  const byName = await resolveModel('Demo Copy', { modelsDir });
  expect(byName).toMatchObject({ path: copy, via: 'name' });
  const entry = byName.entry!;
  expect(await resolveModel(entry.modelId.slice(0, 8), { modelsDir })).toMatchObject({ path: copy, via: 'id-prefix' });
  expect(await resolveModel(entry.modelId, { modelsDir })).toMatchObject({ path: copy, via: 'id' });
  expect(await resolveModel(converted, { modelsDir })).toMatchObject({ path: converted, via: 'path' });
  // The CLI resolves the same way.
  const info = JSON.parse(sda(['model', 'info', 'from checkpoint', '--models-dir', modelsDir, '--json']).stdout);
  expect(info.file).toBe(converted);

  // A second model of the same name makes the name ambiguous; the id still picks one.
  await saveModel(copy, { modelsDir, metadata: { name: 'Demo Copy' } });
  await expect(resolveModel('Demo Copy', { modelsDir })).rejects.toThrow(AmbiguousModelError);
  expect(await deleteModel(entry.modelId, { modelsDir })).toBe(true);
  expect(fs.existsSync(copy)).toBe(false);
  expect(await deleteModel(entry.modelId, { modelsDir })).toBe(false);
  await expect(resolveModel(entry.modelId, { modelsDir })).rejects.toThrow(ModelNotFoundError);
  expect(await new ModelLibrary(modelsDir).count()).toBe(2);

  // The 0.1 shapes are refused before anything is read or written, naming what is missing.
  await expect(deleteModel(entry.modelId, modelsDir as never)).rejects.toThrow(/deleteModel needs options\.modelsDir/);
  await expect((saveModelFromCheckpoint as (...a: unknown[]) => Promise<string>)(CHECKPOINT, { name: 'x' }, modelsDir)).rejects.toThrow(/saveModelFromCheckpoint needs options\.modelsDir/);
  await expect(saveModel({ modelsDir, model: demoModelPath } as never, undefined as never)).rejects.toThrow(/saveModel needs options\.modelsDir/);
  await expect(resolveModel('Demo Copy', modelsDir as never)).rejects.toThrow(/resolveModel needs modelsDir/);
  expect(await new ModelLibrary(modelsDir).count()).toBe(2);
  fs.rmSync(path.dirname(modelsDir), { recursive: true, force: true });
});
