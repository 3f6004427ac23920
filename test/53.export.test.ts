// export(): the sidecar JSON first, then the WAV, atomically; read back by independent readers.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { GenerationPipeline, InvalidArgumentError, defaultFileName, loadModel, strictJson, type BitDepth, type GenerationResult } from '../lib';
import { GENUINE } from './helpers/paths';
import { runPython } from './helpers/python';

let pipeline: GenerationPipeline;
let tmp: string;
const results = new Map<string, GenerationResult>();

beforeAll(async () => {
  pipeline = new GenerationPipeline(await loadModel(path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda'), { device: 'cpu' }));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-export-'));
  results.set('mono', await pipeline.generate({ durationS: 0.5, seed: 9 }));
  results.set('stereo', await pipeline.generate({ durationS: 0.5, seed: 9, stereoMode: 'midSide', sampleRate: 44100 }));
});
afterAll(() => {
  pipeline?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const depths: BitDepth[] = ['16-bit', '24-bit', '32-bit float'];

test.each(depths.flatMap((d) => [['mono', d], ['stereo', d]]))('53.1 %s %s WAV reads back with the right rate, format, channels and samples', async (kind, depth) => {
  const base = results.get(kind as string)!;
  const result: GenerationResult = { ...base, config: { ...base.config, bitDepth: depth as BitDepth } };
  const name = `${kind}_${(depth as string).replace(/\W/g, '')}.wav`;
  const { wavPath, sidecarPath } = await pipeline.export(result, tmp, name);
  expect(wavPath).toBe(path.join(tmp, name));
  expect(sidecarPath).toBe(path.join(tmp, name.replace('.wav', '.json')));
  const raw = path.join(tmp, `${name}.f32`);
  const flat = Buffer.concat(result.channels.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  fs.writeFileSync(raw, flat);
  const check = JSON.parse(runPython(path.join(__dirname, 'python/wav_check.py'), [wavPath, raw, String(result.channelCount)]));
  expect(check.rate).toBe(result.sampleRate);
  expect(check.channels).toBe(result.channelCount);
  expect(check.frames).toBe(result.channels[0]!.length);
  if (depth === '32-bit float') {
    expect(check.dtype).toBe('float32');
    expect(check.max_diff).toBe(0);
  } else {
    expect(check.bits).toBe(depth === '16-bit' ? 16 : 24);
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
  await expect(pipeline.export(results.get('mono')!, tmp, '../escape.wav')).rejects.toThrow(InvalidArgumentError);
  await expect(pipeline.export(results.get('mono')!, tmp, 'sound.mp3')).rejects.toThrow(/plain file name ending in \.wav/);
  expect(fs.readdirSync(tmp).length).toBe(before);
});
