// export(): the sidecar JSON first, then the WAV, atomically; read back by independent readers.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import {
  BIT_DEPTHS, GenerationPipeline, InvalidArgumentError, NonFiniteAudioError, OutputExistsError, defaultFileName, loadModel, sidecarFor, strictJson, type GenerationResult,
} from '../lib';
import { GENUINE } from './helpers/paths';
import { runPython } from './helpers/python';

let pipeline: GenerationPipeline;
let tmp: string;
const results = new Map<string, GenerationResult>();

beforeAll(async () => {
  pipeline = new GenerationPipeline(await loadModel(path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda'), { device: 'cpu' }));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-export-'));
  results.set('mono', await pipeline.generate({ duration: 0.5, seed: 9 }));
  results.set('stereo', await pipeline.generate({ duration: 0.5, seed: 9, stereoMode: 'mid-side', sampleRate: 44100 }));
});
afterAll(() => {
  pipeline?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test.each(BIT_DEPTHS.flatMap((d) => [['mono', d], ['stereo', d]]))('53.1 %s %s WAV reads back with the right rate, format, channels and samples', async (kind, depth) => {
  const result = results.get(kind as string)!;
  const name = `${kind}_${depth}.wav`;
  const { wavPath, sidecarPath } = await pipeline.export(result, tmp, { fileName: name, bitDepth: depth as (typeof BIT_DEPTHS)[number] });
  expect(wavPath).toBe(path.join(tmp, name));
  expect(sidecarPath).toBe(path.join(tmp, name.replace('.wav', '.json')));
  const raw = path.join(tmp, `${name}.f32`);
  const flat = Buffer.concat(result.channels.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  fs.writeFileSync(raw, flat);
  const check = JSON.parse(runPython(path.join(__dirname, 'python/wav_check.py'), [wavPath, raw, String(result.channelCount)]));
  expect(check.rate).toBe(result.sampleRate);
  expect(check.channels).toBe(result.channelCount);
  expect(check.frames).toBe(result.channels[0]!.length);
  if (depth === '32f') {
    expect(check.dtype).toBe('float32');
    expect(check.max_diff).toBe(0);
  } else {
    expect(check.bits).toBe(Number(depth));
    expect(check.max_diff_lsb).toBeLessThanOrEqual(0.5 + 1e-6); // rounded to the nearest step
  }
});

test('53.2 the sidecar is strict JSON with the SPEC 8 fields, and Python\'s json reads it', async () => {
  const result = results.get('mono')!;
  const { wavPath, sidecarPath } = await pipeline.export(result, tmp);
  expect(path.basename(wavPath)).toMatch(/^gen_\d{8}_\d{6}_seed9\.wav$/);
  const text = fs.readFileSync(sidecarPath, 'utf8');
  const side = JSON.parse(text);
  expect(Object.keys(side)).toEqual(['version', 'timestamp', 'model_name', 'seed', 'generation', 'quality', 'audio']);
  expect(side.version).toBe(1);
  expect(side.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
  expect(side.model_name).toBe('Genuine Trained Fixture (v1)!');
  expect(side.seed).toBe(9);
  expect(side.generation).toMatchObject({ duration_s: 0.5, seed: 9, concat_mode: 'crossfade', stereo_mode: 'mono', sample_rate: 48000, bit_depth: '24-bit', overlap_samples: 2400 });
  expect(side.audio).toEqual({ file: path.basename(wavPath), format: 'WAV', sample_rate: 48000, bit_depth: '24-bit', channels: 1, duration_s: 0.5 });
  expect(side.quality.rating).toBe(result.quality.rating);
  // Python's json module reads it (no bare Infinity/NaN tokens)
  const py = spawnSync('python3', ['-c', 'import json,sys; d=json.load(open(sys.argv[1])); print(type(d["quality"]["snr_db"]).__name__)', sidecarPath], { encoding: 'utf8' });
  expect(py.status).toBe(0);
  expect(['float', 'str']).toContain(py.stdout.trim());
  // written before the WAV
  expect(fs.statSync(sidecarPath).mtimeMs).toBeLessThanOrEqual(fs.statSync(wavPath).mtimeMs);
  // no temp files left behind
  expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

test('53.3 non-finite numbers are written as strings, as the fixtures\' refs.json does', () => {
  expect(JSON.parse(strictJson({ snr_db: Infinity, n: -Infinity, x: NaN, y: 1.5 }))).toEqual({ snr_db: 'Infinity', n: '-Infinity', x: 'NaN', y: 1.5 });
  expect(defaultFileName(42, new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe('gen_20260102_030405_seed42.wav');
});

test('53.4 a bad file name is refused before anything is written', async () => {
  const before = fs.readdirSync(tmp).length;
  await expect(pipeline.export(results.get('mono')!, tmp, { fileName: '../escape.wav' })).rejects.toThrow(InvalidArgumentError);
  await expect(pipeline.export(results.get('mono')!, tmp, { fileName: 'sound.mp3' })).rejects.toThrow(/plain file name ending in \.wav/);
  expect(fs.readdirSync(tmp).length).toBe(before);
});

test('53.5 one result written in two bit depths: two WAVs and sidecars that say so, and the result is not changed', async () => {
  const result = results.get('stereo')!;
  const before = JSON.stringify({ config: result.config, seed: result.seedUsed, channels: result.channels.map((c) => Array.from(c.slice(0, 64))) });
  const a = await pipeline.export(result, tmp, { fileName: 'two_a.wav', bitDepth: '16' });
  const b = await pipeline.export(result, tmp, { fileName: 'two_b.wav', bitDepth: '32f' });
  expect(JSON.stringify({ config: result.config, seed: result.seedUsed, channels: result.channels.map((c) => Array.from(c.slice(0, 64))) })).toBe(before);
  const [wa, wb] = [a, b].map(({ wavPath }) => {
    const raw = `${wavPath}.f32`;
    fs.writeFileSync(raw, Buffer.concat(result.channels.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))));
    return JSON.parse(runPython(path.join(__dirname, 'python/wav_check.py'), [wavPath, raw, String(result.channelCount)]));
  });
  expect(wa).toMatchObject({ bits: 16, rate: result.sampleRate, channels: 2 });
  expect(wb).toMatchObject({ dtype: 'float32', rate: result.sampleRate, channels: 2, max_diff: 0 });
  const sa = JSON.parse(fs.readFileSync(a.sidecarPath, 'utf8'));
  const sb = JSON.parse(fs.readFileSync(b.sidecarPath, 'utf8'));
  // The sidecar keeps the Python app's spellings for the depth, in both places it records it.
  expect([sa.audio.bit_depth, sa.generation.bit_depth, sb.audio.bit_depth, sb.generation.bit_depth]).toEqual(['16-bit', '16-bit', '32-bit float', '32-bit float']);
  const { bit_depth: _a, ...restA } = sa.generation;
  const { bit_depth: _b, ...restB } = sb.generation;
  expect(restA).toEqual(restB);
});

test('53.6 sidecarFor returns what export writes, without writing anything', async () => {
  const result = results.get('stereo')!;
  const files = fs.readdirSync(tmp).length;
  const now = new Date();
  const object = sidecarFor(result, { bitDepth: '16', fileName: 'same.wav', now });
  expect(fs.readdirSync(tmp).length).toBe(files);
  const { sidecarPath } = await pipeline.export(result, tmp, { fileName: 'same.wav', bitDepth: '16' });
  const written = JSON.parse(fs.readFileSync(sidecarPath, 'utf8'));
  expect({ ...JSON.parse(strictJson(object)), timestamp: 'x' }).toEqual({ ...written, timestamp: 'x' });
  // Without options: the export defaults (24-bit, the default file name of the seed and time).
  const plain = sidecarFor(result, { now });
  expect(plain.audio).toMatchObject({ file: defaultFileName(result.seedUsed, now), bit_depth: '24-bit', channels: 2, sample_rate: 44100 });
  expect(() => sidecarFor(result, { bitDepth: '32' as never })).toThrow(/bitDepth must be one of "16", "24", "32f"/);
});

test('53.7 overwrite: false refuses an existing WAV or sidecar before writing; the default replaces them', async () => {
  const result = results.get('mono')!;
  const dir = fs.mkdtempSync(path.join(tmp, 'ow-'));
  const first = await pipeline.export(result, dir, { fileName: 'keep.wav', bitDepth: '16' });
  const bytes = fs.readFileSync(first.wavPath);
  const err = await pipeline.export(result, dir, { fileName: 'keep.wav', overwrite: false }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OutputExistsError);
  expect(err).toMatchObject({ code: 'ERR_SDA_OUTPUT_EXISTS' });
  expect(fs.readFileSync(first.wavPath).equals(bytes)).toBe(true);
  fs.rmSync(first.wavPath); // the sidecar alone is enough to refuse
  await expect(pipeline.export(result, dir, { fileName: 'keep.wav', overwrite: false })).rejects.toThrow(OutputExistsError);
  expect(fs.existsSync(first.wavPath)).toBe(false);
  await pipeline.export(result, dir, { fileName: 'keep.wav', bitDepth: '24' });
  expect(fs.readFileSync(first.wavPath).length).toBeGreaterThan(bytes.length); // replaced, now 24-bit
  await expect(pipeline.export(result, dir, { fileName: 'new.wav', overwrite: false })).resolves.toMatchObject({ wavPath: path.join(dir, 'new.wav') });
});

test('53.8 export options are checked: unknown keys, bad values and the 0.1 positional file name are refused, naming what is allowed', async () => {
  const result = results.get('mono')!;
  await expect(pipeline.export(result, tmp, { bitDepth: '24-bit' as never })).rejects.toThrow(/bitDepth must be one of "16", "24", "32f"/);
  await expect(pipeline.export(result, tmp, { depth: '16' } as never)).rejects.toThrow(/unknown export option "depth"; known: bitDepth, fileName, overwrite, format/);
  await expect(pipeline.export(result, tmp, { format: 'aiff' as never })).rejects.toThrow(/format must be one of "wav", "flac", "ogg", "mp3"; got "aiff"/);
  await expect(pipeline.export(result, tmp, 'x.wav' as never)).rejects.toThrow(/pass \{ fileName: "x\.wav" \}/);
  await expect(pipeline.generate({ duration: 0.1, bitDepth: '16' } as never)).rejects.toThrow(/unknown generation option "bitDepth" \(an export option now/);
});

test('53.9 a NaN or infinite sample is written in no format: NonFiniteAudioError names the first, and nothing is written', async () => {
  const stereo = results.get('stereo')!;
  const cases: Array<[number, number, number]> = [[0, 100, NaN], [1, 5000, Infinity], [1, stereo.channels[1]!.length - 1, -Infinity]];
  for (const [channel, index, value] of cases) {
    const channels = stereo.channels.map((c) => c.slice());
    channels[channel]![index] = value;
    const bad = { ...stereo, channels };
    for (const [format, bitDepth] of [['wav', '16'], ['wav', '24'], ['wav', '32f'], ['flac', '24'], ['ogg', '24'], ['mp3', '24']] as const) {
      const dir = fs.mkdtempSync(path.join(tmp, 'non-finite-'));
      const e = await pipeline.export(bad, dir, { format, bitDepth }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(NonFiniteAudioError);
      expect(e).toMatchObject({ code: 'ERR_SDA_NON_FINITE_AUDIO', channel, index, message: `the audio holds ${value} at channel ${channel}, sample ${index}; nothing was written` });
      expect(fs.readdirSync(dir)).toEqual([]);
    }
  }
  // The same result without the bad sample is written.
  const dir = fs.mkdtempSync(path.join(tmp, 'finite-'));
  await pipeline.export(stereo, dir, { fileName: 'ok.wav' });
  expect(fs.readdirSync(dir).sort()).toEqual(['ok.json', 'ok.wav']);
});
