// `sda batch`: 20 jobs over two models with one bad job, resume, --force, --json summary.
import * as fs from 'fs';
import * as path from 'path';
import { DEMO, TRAINED, checkOutputs, sda, tmpDir } from './helpers/cli';

function jobsFile(dir: string): string {
  const lines: string[] = ['# 20 jobs: demo and the genuine trained model interleaved; line 9 names a model that does not exist'];
  for (let i = 0; i < 20; i++) {
    const model = i === 7 ? 'no-such-model.sda' : i % 3 === 0 ? TRAINED : undefined;
    const job: Record<string, unknown> = { output: `clip_${String(i).padStart(2, '0')}.wav`, options: { duration: 0.25, seed: 100 + i } };
    if (model) job.model = model;
    if (i === 4) job.options = { duration: 0.25, seed: 104, stereoMode: 'mid-side', sampleRate: 44100, bitDepth: '16' };
    if (i === 5) job.options = { duration: 0.25, seed: 105, sliders: { '0': 4, '1': -2 } };
    lines.push(JSON.stringify(job));
  }
  const file = path.join(dir, 'jobs.jsonl');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

test('81.1 20 jobs with one bad job: 19 outputs, exit 1, the failure listed; a rerun skips the done jobs', () => {
  const dir = tmpDir('batch');
  const out = path.join(dir, 'out');
  const jobs = jobsFile(dir);
  const r = sda(['batch', jobs, '--out', out, '--json']);
  expect(r.status).toBe(1);
  expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^sda: job line 9 \(clip_07\.wav\) failed: ERR_SDA_MODEL_NOT_FOUND: no model file .*no-such-model\.sda$/)]);
  const s = JSON.parse(r.stdout);
  expect(s).toMatchObject({ jobs: 20, written: 19, skipped: 0, failed: 1, models: 2 });
  expect(s.failures).toEqual([expect.objectContaining({ line: 9, output: 'clip_07.wav', code: 'ERR_SDA_MODEL_NOT_FOUND' })]);
  expect(s.clipsPerSecond).toBeGreaterThan(0);
  const wavs = fs.readdirSync(out).filter((f) => f.endsWith('.wav')).sort();
  expect(wavs).toHaveLength(19);
  expect(wavs).not.toContain('clip_07.wav');
  expect(fs.readdirSync(out).filter((f) => f.endsWith('.json'))).toHaveLength(19);
  const checks = checkOutputs(wavs.map((w) => path.join(out, w)));
  for (const c of checks) {
    const i = Number(path.basename(c.path).slice(5, 7));
    expect(c.sidecar.seed).toBe(100 + i);
    expect(c.sidecar.model_name).toBe(i % 3 === 0 ? 'Genuine Trained Fixture (v1)!' : 'Demo (synthetic tones, chirps and noise)');
    expect(c.frames).toBe(i === 4 ? 11025 : 12000);
    expect(c.peak).toBeGreaterThan(0.5);
  }
  expect(checks.find((c) => c.path.endsWith('clip_04.wav'))).toMatchObject({ rate: 44100, dtype: 'int16', channels: 2 });
  expect(checks.find((c) => c.path.endsWith('clip_05.wav'))!.sidecar.generation.latent_vector).toHaveLength(16);

  // Resume: the 19 done jobs are skipped (files untouched), the bad one fails again.
  const before = fs.statSync(path.join(out, 'clip_00.wav')).mtimeMs;
  const again = sda(['batch', jobs, '--out', out]);
  expect(again.status).toBe(1);
  expect(again.stdout).toMatch(/^0 written, 19 skipped, 1 failed of 20 jobs/);
  expect(again.stdout).toMatch(/failed lines: 9/);
  expect(fs.statSync(path.join(out, 'clip_00.wav')).mtimeMs).toBe(before);

  // A job whose sidecar is missing is redone; --force redoes all.
  fs.rmSync(path.join(out, 'clip_03.json'));
  const partial = sda(['batch', jobs, '--out', out, '--json']);
  expect(JSON.parse(partial.stdout)).toMatchObject({ written: 1, skipped: 18, failed: 1, outputs: [path.join(out, 'clip_03.wav')] });
  const good = path.join(dir, 'good.jsonl');
  fs.writeFileSync(good, fs.readFileSync(jobs, 'utf8').split('\n').filter((l) => !l.includes('no-such-model')).slice(0, 4).join('\n'));
  const forced = sda(['batch', good, '--out', out, '--force', '--json']);
  expect(forced.status).toBe(0);
  expect(forced.stderr).toBe('');
  expect(JSON.parse(forced.stdout)).toMatchObject({ jobs: 3, written: 3, skipped: 0, failed: 0 });
});

test('81.2 bad job lines fail alone: invalid JSON, unknown keys, bad options, duplicate outputs; jobs from stdin', () => {
  const dir = tmpDir('batch');
  const text = [
    '{"output": "ok1.wav", "options": {"duration": 0.2, "seed": 1}}',
    '{not json',
    '{"output": "x.wav", "colour": "red"}',
    '{"output": "y.wav", "options": {"duration": 99}}',
    '{"output": "z.wav", "options": {"sampleRate": 22050}}',
    '{"output": "ok1.wav", "options": {"duration": 0.2}}',
    '{"output": "../escape.wav"}',
    '{"options": {"duration": 0.2, "seed": 2}}',
    '{"output": "s.wav", "model": "' + TRAINED + '", "options": {"duration": 0.2, "sliders": {"40": 1}}}',
  ].join('\n');
  const r = sda(['batch', '-', '--out', dir, '--json'], { input: text });
  expect(r.status).toBe(1);
  const s = JSON.parse(r.stdout);
  expect(s).toMatchObject({ jobs: 9, written: 2, failed: 7 });
  expect(s.failures.map((f: { line: number }) => f.line)).toEqual([2, 3, 4, 5, 6, 7, 9]);
  expect(s.failures[2].error).toMatch(/duration must be more than 0 and at most 60/);
  expect(s.failures[3].error).toMatch(/sampleRate must be one of 44100, 48000, 96000/);
  expect(s.failures[4].error).toMatch(/already the output of line 1/);
  expect(s.failures[6].error).toMatch(/slider 40 does not exist: this model has 19 sliders/);
  expect(fs.existsSync(path.join(dir, 'ok1.wav'))).toBe(true);
  expect(fs.existsSync(path.join(dir, 'job_0008.wav'))).toBe(true);
  expect(r.stderr.trim().split('\n')).toHaveLength(7);
});

test('81.3 jobs rendered together give, seed for seed, the same WAV as `sda generate`', () => {
  const out = tmpDir('batch-same');
  const jobs = [
    { model: DEMO, output: 'a.wav', options: { duration: 1.5, seed: 21 } },
    { model: DEMO, output: 'b.wav', options: { duration: 0.8, seed: 22, stereoMode: 'dual-seed' } },
    { model: DEMO, output: 'c.wav', options: { duration: 2, seed: 23, concatMode: 'interpolation' } },
  ];
  const jobsFile = path.join(out, 'jobs.jsonl');
  fs.writeFileSync(jobsFile, jobs.map((j) => JSON.stringify(j)).join('\n'));
  const b = sda(['batch', jobsFile, '--out', path.join(out, 'batch'), '--batch-size', '3']);
  expect(b.status).toBe(0);
  const args: string[][] = [
    ['--duration', '1.5', '--seed', '21'],
    ['--duration', '0.8', '--seed', '22', '--stereo-mode', 'dual-seed'],
    ['--duration', '2', '--seed', '23', '--concat-mode', 'interpolation'],
  ];
  args.forEach((a, i) => {
    const g = sda(['generate', DEMO, ...a, '--out', path.join(out, 'single'), '--name', jobs[i]!.output]);
    expect(g.status).toBe(0);
    const batched = fs.readFileSync(path.join(out, 'batch', jobs[i]!.output));
    const single = fs.readFileSync(path.join(out, 'single', jobs[i]!.output));
    expect(batched.equals(single)).toBe(true);
  });
  fs.rmSync(out, { recursive: true, force: true });
});
