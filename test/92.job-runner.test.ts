// The one job runner (lib/jobs/runner.ts) seen from its two ways in: a job whose output would leave the
// output folder is refused with the same code and message by `sda batch` and by a queue worker reading it
// from Redis (as anyone who can write to the shared Redis could put it there), and nothing outside the
// folder (or another job's pair inside it) is touched; a write or render that fails leaves no partial pair.
import * as fs from 'fs';
import * as path from 'path';
import { Queue } from 'bullmq';
import { GenerationPipeline, loadModel } from '../lib';
import { followJobs, startWorker } from '../lib/queue';
import { parseJob } from '../lib/jobs/job-file';
import { writeOutputPair } from '../lib/jobs/output-pair';
import { runJob, type JobHost } from '../lib/jobs/runner';
import { readResumeModelInfo } from '../lib/jobs/resume';
import { tempPathFor } from '../lib/util/atomic-file';
import { toConnection } from '../lib/queue/connection';
import { DEMO, sda, tmpDir } from './helpers/cli';
import { useRedis } from './helpers/redis';

jest.setTimeout(180_000);

const redis = useRedis();

/** A folder `out` inside a project whose neighbouring files must survive every job. */
function project(): { root: string; out: string; neighbours: Record<string, string> } {
  const root = tmpDir('runner');
  const out = path.join(root, 'out');
  fs.mkdirSync(out);
  const neighbours: Record<string, string> = {
    [path.join(root, 'x.wav')]: 'not audio, the user\'s',
    [path.join(root, 'x.json')]: '{"mine": true}',
    [path.join(root, 'abs.wav')]: 'absolute',
    [path.join(root, 'abs.json')]: '{}',
    [path.join(out, 'done.wav')]: 'a finished job',
    [path.join(out, 'done.json')]: '{"finished": true}',
  };
  for (const [file, text] of Object.entries(neighbours)) fs.writeFileSync(file, text);
  return { root, out, neighbours };
}

function expectUntouched(neighbours: Record<string, string>): void {
  for (const [file, text] of Object.entries(neighbours)) expect([file, fs.readFileSync(file, 'utf8')]).toEqual([file, text]);
}

const BAD_OUTPUTS = (root: string) => ['../x.wav', path.join(root, 'abs.wav'), 'sub/../../x.wav', '..\\x.wav'];
const MESSAGE = (output: string) => `"output" must be a plain file name ending in .wav; got ${JSON.stringify(output)}`;

test('92.1 sda batch refuses outputs that leave --out (relative, absolute) as bad jobs, and writes nothing outside it', () => {
  const { root, out, neighbours } = project();
  const bad = BAD_OUTPUTS(root);
  const lines = [...bad.map((output) => ({ output, options: { duration: 0.2, seed: 1 } })), { output: 'done.wav', options: { duration: 0.2, seed: 1, format: 'flac' } }];
  const r = sda(['batch', '-', '--out', out, '--json'], { input: lines.map((l) => JSON.stringify(l)).join('\n') });
  expect(r.status).toBe(1);
  const s = JSON.parse(r.stdout);
  expect(s).toMatchObject({ jobs: 5, written: 0, failed: 5 });
  expect(s.failures.map((f: { code: string; error: string }) => [f.code, f.error])).toEqual([
    ...bad.map((o) => ['ERR_SDA_BAD_JOB', MESSAGE(o)]),
    ['ERR_SDA_BAD_JOB', '"output" must be a plain file name ending in .flac (options.format "flac"); got "done.wav"'],
  ]);
  expectUntouched(neighbours);
  expect(fs.readdirSync(out).sort()).toEqual(['done.json', 'done.wav']);
});

test('92.2 a queue worker checks job data from Redis as a jobs file line: the same code and message, failed once, nothing touched', async () => {
  const { root, out, neighbours } = project();
  const connection = redis().url(1);
  const bad = BAD_OUTPUTS(root);
  // Put straight into Redis, past enqueueJobs' own checks.
  const queue = new Queue('hostile', { connection: toConnection(connection) });
  const data = [
    ...bad.map((output, i) => ({ v: 1, line: i + 1, model: null, output, options: { duration: 0.2, seed: 1 } })),
    { v: 1, line: 5, model: null, output: 'done.wav', options: { duration: 0.2, seed: 1, format: 'flac' } },
    { v: 1, line: 6, model: null, options: { duration: 0.2 } },
    { v: 1, line: 7, model: null, output: { path: '../x.wav' }, options: {} },
    { v: 1, line: 8, model: null, output: 'bell\u0007.wav', options: {} },
    { v: 1, line: -5, model: null, output: 'neg.wav', options: {} },
  ];
  const refs = [];
  for (const [i, d] of data.entries()) {
    const id = `hostile-${i}`;
    await queue.add('generate', d, { jobId: id, attempts: 3, backoff: { type: 'fixed', delay: 50 } });
    refs.push({ id, line: d.line, output: String(d.output ?? '') });
  }
  await queue.close();
  const worker = await startWorker({ connection, queueName: 'hostile', out, device: 'cpu', concurrency: 2 });
  try {
    const st = await followJobs(refs, { connection, queueName: 'hostile' });
    expect(st.map((s) => [s.state, s.attempts, s.error?.code])).toEqual(data.map(() => ['failed', 1, 'ERR_SDA_BAD_JOB']));
    expect(st.slice(0, bad.length).map((s) => s.error!.message)).toEqual(bad.map(MESSAGE));
  } finally {
    await worker.close();
  }
  expectUntouched(neighbours);
  expect(fs.readdirSync(out).sort()).toEqual(['done.json', 'done.wav']);
});

test('92.3 a write or render that fails mid-job leaves no partial pair, and removes nothing it did not create', async () => {
  const out = tmpDir('runner-fail');
  const pipeline = new GenerationPipeline(await loadModel(DEMO, { device: 'cpu' }));
  try {
    const result = await pipeline.generate({ duration: 0.2, seed: 4 });
    // The sidecar is written first, then the audio, whose place is taken by a folder: the write fails
    // after the sidecar was in place, and the sidecar goes again.
    fs.mkdirSync(path.join(out, 'blocked.wav'));
    await expect(writeOutputPair(result, out, { fileName: 'blocked.wav' })).rejects.toMatchObject({ code: 'ERR_SDA_FILE' });
    expect(fs.readdirSync(out)).toEqual(['blocked.wav']);
    // A pair that was there stays when the write fails before replacing it (here: options that do not go
    // together, refused before anything is written): only what this write put in place goes.
    fs.writeFileSync(path.join(out, 'other.flac'), 'kept');
    fs.writeFileSync(path.join(out, 'other.flac.json'), 'kept too');
    await expect(writeOutputPair(result, out, { fileName: 'other.flac', format: 'flac', bitDepth: '32f' })).rejects.toMatchObject({ code: 'ERR_SDA_INVALID_ARGUMENT' });
    expect([fs.readFileSync(path.join(out, 'other.flac'), 'utf8'), fs.readFileSync(path.join(out, 'other.flac.json'), 'utf8')]).toEqual(['kept', 'kept too']);

    // A render that fails: no file of the job appears, and the temp file a killed writer left goes.
    fs.writeFileSync(tempPathFor(path.join(out, 'r.wav')), 'half');
    const host: JobHost = {
      outDir: out,
      modelFileOf: async () => DEMO,
      modelInfoOf: readResumeModelInfo,
      acquire: async () => ({ pipeline, release: () => undefined }),
      render: async () => {
        throw new Error('the device went away');
      },
    };
    await expect(runJob(parseJob({ output: 'r.wav', options: { duration: 0.2, seed: 4 } }, 1), host)).rejects.toThrow('the device went away');
    expect(fs.readdirSync(out).sort()).toEqual(['blocked.wav', 'other.flac', 'other.flac.json']);
    // The same job rendered: one complete pair, reported by the runner's result view.
    const view = await runJob(parseJob({ output: 'r.wav', options: { duration: 0.2, seed: 4 } }, 1), { ...host, render: (p, c) => p.generate(c) });
    expect(view).toMatchObject({ output: 'r.wav', skipped: false, seed: 4, duration: 0.2, format: 'wav', audioPath: path.join(out, 'r.wav'), sidecarPath: path.join(out, 'r.json') });
    expect(view).toMatchObject({ bitDepth: '24', sampleRate: 48000, quality: { rating: result.quality.rating, ratingReason: result.quality.ratingReason } });
    // Run again: skipped by the resume rule, the report read back from the sidecar.
    const again = await runJob(parseJob({ output: 'r.wav', options: { duration: 0.2, seed: 4 } }, 1), host);
    expect(again).toEqual({ ...view, skipped: true });
  } finally {
    pipeline.dispose();
  }
});

test('92.4 a queued job with a numeric output, or a model path to a file that is not a model, is a bad job: failed once with a typed code', async () => {
  const out = tmpDir('runner-bad-model');
  const notModel = path.join(out, 'notes.sda');
  fs.writeFileSync(notModel, 'these are my notes, not a model');
  const connection = redis().url(2);
  const queue = new Queue('bad-model', { connection: toConnection(connection) });
  const data = [
    { v: 1, line: 1, model: null, output: 5, options: { duration: 0.2 } },
    { v: 1, line: 2, model: notModel, output: 'notes.wav', options: { duration: 0.2, seed: 1 } },
  ];
  const refs = [];
  for (const [i, d] of data.entries()) {
    const id = `bad-model-${i}`;
    await queue.add('generate', d, { jobId: id, attempts: 3, backoff: { type: 'fixed', delay: 50 } });
    refs.push({ id, line: d.line, output: String(d.output) });
  }
  await queue.close();
  const worker = await startWorker({ connection, queueName: 'bad-model', outDir: out, device: 'cpu' });
  try {
    const st = await followJobs(refs, { connection, queueName: 'bad-model' });
    expect(st.map((s) => [s.state, s.attempts, s.error?.code])).toEqual([
      ['failed', 1, 'ERR_SDA_BAD_JOB'],
      ['failed', 1, 'ERR_SDA_TORCH_FILE'],
    ]);
    expect(st[1]!.error!.message).toMatch(/notes\.sda.*neither a torch zip file nor a legacy torch\.save pickle/);
  } finally {
    await worker.close();
  }
  expect(fs.readdirSync(out)).toEqual(['notes.sda']);
});
