// `sda generate` as a user runs it: a subprocess of the compiled CLI; the WAV files and sidecars it
// writes are read back with Python (scipy.io.wavfile, json).
import * as fs from 'fs';
import * as path from 'path';
import { CONVERTED, SAMPLE_ONLY, TRAINED, checkOutputs, sda, tmpDir } from './helpers/cli';

test('80.1 no model: the demo model writes a WAV and its sidecar, prints the path, no progress bar when piped', () => {
  const out = tmpDir('gen');
  const r = sda(['generate', '--duration', '1.5', '--seed', '7', '--out', out]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const printed = r.stdout.trim().split('\n');
  expect(printed).toHaveLength(1);
  expect(printed[0]).toMatch(/gen_\d{8}_\d{6}_seed7\.wav$/);
  expect(fs.readdirSync(out).sort()).toEqual([path.basename(printed[0]!).replace('.wav', '.json'), path.basename(printed[0]!)].sort());
  const [w] = checkOutputs(printed);
  expect(w).toMatchObject({ rate: 48000, dtype: 'int32', frames: 72000, channels: 1 });
  expect(w!.peak).toBeGreaterThan(0.85);
  expect(w!.peak).toBeLessThan(0.9);
  expect(w!.rms).toBeGreaterThan(0.01);
  expect(w!.sidecar).toMatchObject({
    version: 1,
    model_name: 'Demo (synthetic tones, chirps and noise)',
    seed: 7,
    generation: { duration_s: 1.5, seed: 7, concat_mode: 'crossfade', stereo_mode: 'mono', sample_rate: 48000, bit_depth: '24-bit' },
    audio: { file: path.basename(printed[0]!), format: 'WAV', sample_rate: 48000, bit_depth: '24-bit', channels: 1, duration_s: 1.5 },
  });
  expect(['green', 'yellow', 'red']).toContain(w!.sidecar.quality.rating);
});

test('80.2 the same seed gives the same audio; another seed other audio', () => {
  const out = tmpDir('gen');
  const a = sda(['generate', 'demo', '-d', '1', '-s', '3', '-o', out, '--name', 'a.wav']);
  const b = sda(['generate', '-d', '1', '-s', '3', '-o', out, '--name', 'b.wav']);
  const c = sda(['generate', '-d', '1', '-s', '4', '-o', out, '--name', 'c.wav']);
  for (const r of [a, b, c]) expect(r.status).toBe(0);
  const bytes = (n: string) => fs.readFileSync(path.join(out, n));
  expect(bytes('a.wav').equals(bytes('b.wav'))).toBe(true);
  expect(bytes('a.wav').equals(bytes('c.wav'))).toBe(false);
});

test('80.3 the genuine trained model by path: sliders, mid-side stereo, 44.1 kHz, 16-bit, --json', () => {
  const out = tmpDir('gen');
  const r = sda(['generate', TRAINED, '--duration', '1', '--seed', '42', '--sliders', '0=5', '--sliders', '2=-3',
    '--stereo-mode', 'mid-side', '--stereo-width', '1.2', '--sample-rate', '44100', '--bit-depth', '16', '--out', out, '--json']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const items = JSON.parse(r.stdout);
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ seed: 42, sampleRate: 44100, channels: 2, bitDepth: '16', duration: 1 });
  expect(items[0].sliderPositions).toHaveLength(19);
  expect(items[0].sliderPositions.slice(0, 3)).toEqual([5, 0, -3]);
  // The 0.2.0 names are still written: sliders, quality.reason.
  expect(items[0].sliders).toEqual(items[0].sliderPositions);
  expect(items[0].quality.reason).toBe(items[0].quality.ratingReason);
  const [w] = checkOutputs([items[0].wav]);
  expect(w).toMatchObject({ rate: 44100, dtype: 'int16', frames: 44100, channels: 2 });
  expect(w!.channel_diff).toBeGreaterThan(0.01); // really stereo
  expect(w!.sidecar.generation).toMatchObject({ stereo_mode: 'mid_side', stereo_width: 1.2, sample_rate: 44100, bit_depth: '16-bit' });
  expect(w!.sidecar.generation.latent_vector).toHaveLength(64);
  expect(w!.sidecar.quality.rating).toBe(items[0].quality.rating);
  expect(w!.sidecar.quality.rating_reason).toBe(items[0].quality.ratingReason);
});

test('80.4 genuine sample-only and converted models: dual-seed 32-bit float, interpolation at 96 kHz, --count', () => {
  const out = tmpDir('gen');
  const a = sda(['generate', SAMPLE_ONLY, '-d', '0.5', '-s', '11', '--stereo-mode', 'dual-seed', '-b', '32f', '-o', out, '--json']);
  expect(a.status).toBe(0);
  const [ja] = JSON.parse(a.stdout);
  const b = sda(['generate', CONVERTED, '-d', '0.5', '-s', '5', '--concat-mode', 'interpolation', '-r', '96000', '-n', '2', '-o', out, '--name', 'conv.wav']);
  expect(b.stderr).toBe('');
  expect(b.status).toBe(0);
  const lines = b.stdout.trim().split('\n');
  expect(lines.map((l) => path.basename(l))).toEqual(['conv_1.wav', 'conv_2.wav']);
  const [wa, w1, w2] = checkOutputs([ja.wav, ...lines]);
  expect(wa).toMatchObject({ rate: 48000, dtype: 'float32', frames: 24000, channels: 2 });
  expect(wa!.channel_diff).toBeGreaterThan(0.01);
  expect(wa!.sidecar.generation.stereo_mode).toBe('dual_seed');
  for (const [w, seed] of [[w1!, 5], [w2!, 6]] as const) {
    expect(w).toMatchObject({ rate: 96000, dtype: 'int32', frames: 48000, channels: 1 });
    expect(w.sidecar).toMatchObject({ seed, model_name: 'Converted Checkpoint Fixture', generation: { concat_mode: 'latent_interpolation', sample_rate: 96000 } });
  }
});

test('80.5 the demo model has sliders: --random-sliders is reproducible from the seed', () => {
  const out = tmpDir('gen');
  const a = sda(['generate', '-d', '0.5', '-s', '9', '--random-sliders', '-o', out, '--name', 'a.wav', '--json']);
  const b = sda(['generate', '-d', '0.5', '-s', '9', '--random-sliders', '--sliders', '0=-10', '-o', out, '--name', 'b.wav', '--json']);
  expect(a.status).toBe(0);
  expect(b.status).toBe(0);
  const sa = JSON.parse(a.stdout)[0].sliders as number[];
  const sb = JSON.parse(b.stdout)[0].sliders as number[];
  expect(sa.length).toBeGreaterThan(1);
  expect(sb[0]).toBe(-10);
  expect(sb.slice(1)).toEqual(sa.slice(1));
  const [wa] = checkOutputs([path.join(out, 'a.wav')]);
  expect(wa!.sidecar.generation.latent_vector).toHaveLength(16);
});

test('80.6 a model by name and by id from the library of --models-dir, SDA_MODELS_DIR and ./config.toml', () => {
  const lib = tmpDir('lib');
  fs.copyFileSync(TRAINED, path.join(lib, 'genuine_trained_fixture_v1.sda'));
  fs.copyFileSync(path.join(path.dirname(TRAINED), 'model_library.json'), path.join(lib, 'model_library.json'));
  fs.chmodSync(path.join(lib, 'model_library.json'), 0o644);
  const out = tmpDir('gen');
  const byName = sda(['generate', 'genuine trained fixture (v1)!', '-d', '0.3', '-s', '1', '-o', out, '--name', 'n.wav', '--models-dir', lib]);
  expect(byName.status).toBe(0);
  const byEnv = sda(['generate', '0a525f0f', '-d', '0.3', '-s', '1', '-o', out, '--name', 'e.wav'], { env: { SDA_MODELS_DIR: lib } });
  expect(byEnv.status).toBe(0);
  const project = tmpDir('proj');
  fs.writeFileSync(path.join(project, 'config.toml'), `[paths]\nmodels = "${lib.replace(/\\/g, '/')}"\n`);
  const byConfig = sda(['generate', '0a525f0f-4cd5-460f-9b94-f40bc230856f', '-d', '0.3', '-s', '1', '-o', out, '--name', 'c.wav'], { cwd: project });
  expect(byConfig.stderr).toBe('');
  expect(byConfig.status).toBe(0);
  const read = (n: string) => fs.readFileSync(path.join(out, n));
  expect(read('n.wav').equals(read('e.wav'))).toBe(true);
  expect(read('n.wav').equals(read('c.wav'))).toBe(true);
  // Not in the library: exit 1, one line naming the folder searched.
  const missing = sda(['generate', 'no such model', '-o', out], { cwd: project });
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/^sda: ERR_SDA_MODEL_NOT_FOUND: no model "no such model".*\n$/);
  expect(missing.stderr).toContain(lib);
});

test('80.7 binaural output without an HRTF file is refused in the words of the command line and of a job, before a model loads', () => {
  const out = tmpDir('binaural-no-hrtf');
  const g = sda(['generate', '--spatial', 'binaural', '--duration', '0.2', '--out', out]);
  expect(g.status).toBe(2);
  expect(g.stderr).toMatch(/^sda: ERR_SDA_INVALID_ARGUMENT: spatial "binaural" needs hrtf \(sda generate: --hrtf FILE\), a SOFA HRTF file/);
  expect(g.stderr).not.toMatch(/hrtfPath/);
  const b = sda(['batch', '-', '--out', out, '--json'], { input: JSON.stringify({ options: { spatial: 'binaural', duration: 0.2 } }) });
  expect(JSON.parse(b.stdout)).toMatchObject({ written: 0, failed: 1, failures: [{ line: 1, error: expect.stringMatching(/options: spatial "binaural" needs hrtf/) }] });
  expect(fs.readdirSync(out)).toEqual([]);
});

test('80.8 --json gives the file\'s own sample rate, as a batch\'s report does: an MP3 of a 96 kHz render is at 48 kHz', () => {
  const out = tmpDir('gen');
  const r = sda(['generate', '--duration', '1', '--seed', '3', '--sample-rate', '96000', '--format', 'mp3', '--out', out, '--json', '--no-progress']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const [item] = JSON.parse(r.stdout);
  expect(item).toMatchObject({ format: 'mp3', sampleRate: 48000 });
  expect(JSON.parse(fs.readFileSync(item.sidecar, 'utf8')).audio.sample_rate).toBe(48000);
});
