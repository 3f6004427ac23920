// The queue (issue 14): three `sda worker` processes and one submitter on a real redis-server; one worker
// is killed with SIGKILL in the middle of a job and one stopped with SIGTERM while busy, another while
// idle. Every output appears once, complete, byte-identical to the local `sda batch` of the same file.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CLI, ROOT } from './helpers/paths';
import { TRAINED, sda, tmpDir } from './helpers/cli';
import { startRedis, type RedisServer } from './helpers/redis';
import { spawnWorker, type WorkerProcess } from './helpers/workers';

jest.setTimeout(300_000);

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const BAD_LINE = 15; // the line whose model does not exist

/** 32 jobs over the demo and the genuine trained model, short clips, a few option variants, one bad model. */
function writeJobs(dir: string): string {
  const lines = ['# queue test jobs'];
  for (let i = 0; i < 32; i++) {
    const job: Record<string, unknown> = { output: `q_${String(i).padStart(2, '0')}.wav`, options: { duration: i % 3 === 0 ? 1 : 0.5, seed: 500 + i } };
    if (i % 2 === 1) job.model = TRAINED;
    // The demo model named, beside jobs that name none: one model for both summaries.
    if (i === 6) job.model = 'demo';
    if (i === 4) job.options = { duration: 0.5, seed: 504, stereoMode: 'mid-side', sampleRate: 44100, bitDepth: '16' };
    if (i === 5) job.options = { duration: 0.5, seed: 505, sliders: { '0': 3 } };
    if (i === 10) job.options = { duration: 0.5, seed: 510, stereoMode: 'dual-seed' };
    lines.push(JSON.stringify(job));
  }
  lines.splice(BAD_LINE - 1, 0, JSON.stringify({ model: 'no-such-model.sda', output: 'bad.wav', options: { duration: 0.5, seed: 1 } }));
  const file = path.join(dir, 'jobs.jsonl');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** `sda batch ... --queue` as a child that runs while the test drives the workers. */
function submit(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'batch', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

/** How two WAVs differ (differing bytes, first offset, lengths), so a failure says what it saw. */
function wavDifference(a: Buffer, b: Buffer): { differing: number; first?: number; lengths?: [number, number] } {
  let differing = Math.abs(a.length - b.length);
  let first: number | undefined;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      differing++;
      first ??= i;
    }
  }
  return differing === 0 ? { differing } : { differing, first, lengths: [a.length, b.length] };
}

function sidecarWithoutTime(file: string): unknown {
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete s.timestamp;
  return s;
}

test('91.1 three workers, SIGKILL of one mid-job, SIGTERM of a busy and an idle one: every output once, as the local batch', async () => {
  const dir = tmpDir('queue');
  const jobs = writeJobs(dir);
  const local = path.join(dir, 'local');
  const shared = path.join(dir, 'shared');
  const url = redis.url(1);

  // The reference: the same file rendered by the local batch.
  const ref = sda(['batch', jobs, '--out', local, '--device', 'cpu', '--json']);
  expect(ref.status).toBe(1);
  const refSummary = JSON.parse(ref.stdout);
  expect(refSummary).toMatchObject({ jobs: 33, written: 32, failed: 1 });

  // A short lock so the killed worker's jobs are taken over within seconds, not the default 30.
  const workerArgs = ['--queue', url, '--out', shared, '--device', 'cpu', '--concurrency', '2', '--lock-duration', '4'];
  const workers: WorkerProcess[] = [0, 1, 2].map(() => spawnWorker(workerArgs));
  const [a, b, c] = workers as [WorkerProcess, WorkerProcess, WorkerProcess];
  try {
    await Promise.all(workers.map((w) => w.waitFor((e) => e.type === 'ready')));
    const submitted = submit([jobs, '--queue', url, '--out', shared, '--json']);

    // Killed while it holds a job: it has announced one and not finished it.
    const held = await a.waitFor((e) => e.type === 'started');
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe(137);
    const aFinished = a.events.some((e) => e.type !== 'started' && e.id === held.id);

    // Stopped while busy: it writes what it holds, then exits 143 without taking more.
    const next = await b.waitFor((e) => e.type === 'started' && !b.events.some((x) => x.type !== 'started' && x.id === e.id && x !== e));
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(143);
    expect(b.stderr()).toMatch(/ERR_SDA_INTERRUPTED: stopped by SIGTERM/);
    const bStarted = b.events.filter((e) => e.type === 'started').map((e) => e.id);
    for (const id of bStarted) expect(b.events.some((e) => e.id === id && e.type !== 'started')).toBe(true);
    expect(b.events.some((e) => e.id === next.id && (e.type === 'written' || e.type === 'failed'))).toBe(true);

    const r = await submitted;
    expect(r.status).toBe(1);
    const s = JSON.parse(r.stdout);
    // A job the killed worker had written but not yet reported is found done by the next (skipped): either way, once.
    expect(s).toMatchObject({ jobs: 33, failed: 1, models: 2 });
    expect(s.models).toBe(refSummary.models);
    expect(s.written + s.skipped).toBe(32);
    expect(s.failures).toEqual([expect.objectContaining({ line: BAD_LINE, output: 'bad.wav', code: 'ERR_SDA_MODEL_NOT_FOUND' })]);
    expect(r.stderr).toMatch(new RegExp(`^sda: job line ${BAD_LINE} \\(bad\\.wav\\) failed: ERR_SDA_MODEL_NOT_FOUND: `, 'm'));
    expect([...s.outputs, ...s.skippedOutputs].sort()).toEqual(refSummary.outputs.map((o: string) => path.join(shared, path.basename(o))).sort());
    // The job the killed worker held was finished by another worker, unless it had finished it itself.
    if (!aFinished) expect(c.events.concat(b.events).some((e) => e.id === held.id && (e.type === 'written' || e.type === 'skipped'))).toBe(true);

    // Every output exactly once, complete, and no temp file of the killed worker left.
    const names = fs.readdirSync(shared).sort();
    expect(names).toEqual(fs.readdirSync(local).sort());
    for (const wav of names.filter((n) => n.endsWith('.wav'))) {
      expect({ wav, ...wavDifference(fs.readFileSync(path.join(shared, wav)), fs.readFileSync(path.join(local, wav))) }).toEqual({ wav, differing: 0 });
      const side = wav.replace(/\.wav$/, '.json');
      expect(sidecarWithoutTime(path.join(shared, side))).toEqual(sidecarWithoutTime(path.join(local, side)));
    }

    // Resubmitting renders nothing: the done jobs are skipped, the bad one fails again (with its line).
    const mtimes = names.map((n) => fs.statSync(path.join(shared, n)).mtimeMs);
    const writtenBefore = c.events.filter((e) => e.type === 'written').length;
    const again = await submit([jobs, '--queue', url, '--out', shared, '--json']);
    expect(again.status).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ jobs: 33, written: 0, skipped: 32, failed: 1, failures: [expect.objectContaining({ line: BAD_LINE })] });
    expect(c.events.filter((e) => e.type === 'written').length).toBe(writtenBefore);
    expect(names.map((n) => fs.statSync(path.join(shared, n)).mtimeMs)).toEqual(mtimes);

    // `status` and `wait` follow the same batch later from the jobs file.
    const st = sda(['batch', 'status', jobs, '--queue', url, '--out', shared, '--json']);
    expect(st.status).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ jobs: 33, active: 0, waiting: 0, failed: 1 });
    const w = sda(['batch', 'wait', jobs, '--queue', url, '--out', shared, '--json']);
    expect(w.status).toBe(1);
    expect(JSON.parse(w.stdout)).toMatchObject({ written: 0, skipped: 32, failed: 1 });

    // Stopped while idle: exits 143 at once, nothing held.
    c.child.kill('SIGTERM');
    expect(await c.exited).toBe(143);
  } finally {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  }
});

test('91.2 --detach queues and returns; a worker started later renders the jobs; `wait` reports them as the local batch would', async () => {
  const dir = tmpDir('queue-detach');
  const shared = path.join(dir, 'shared');
  const url = redis.url(5);
  const file = path.join(dir, 'jobs.jsonl');
  const lines = [0, 1, 2].map((i) => JSON.stringify({ output: `d_${i}.wav`, options: { duration: 0.5, seed: 900 + i } }));
  fs.writeFileSync(file, `${lines.join('\n')}\n{"output": "e.wav", "options": {"stereoMode": "wide"}}\n`);

  const detached = sda(['batch', file, '--queue', url, '--out', shared, '--detach', '--json']);
  expect(detached.status).toBe(1); // the bad line is a failed job, as in the local batch
  expect(JSON.parse(detached.stdout)).toMatchObject({ jobs: 4, added: 3, failed: 1, failures: [expect.objectContaining({ line: 4, code: 'ERR_SDA_BAD_JOB' })] });
  expect(fs.existsSync(shared) ? fs.readdirSync(shared).filter((f) => f.endsWith('.wav')) : []).toEqual([]);
  const st = sda(['batch', 'status', file, '--queue', url, '--out', shared, '--json']);
  expect(JSON.parse(st.stdout)).toMatchObject({ jobs: 4, waiting: 3, active: 0, completed: 0 });

  const worker = spawnWorker(['--queue', url, '--out', shared, '--device', 'cpu']);
  try {
    const w = sda(['batch', 'wait', file, '--queue', url, '--out', shared, '--json']);
    expect(w.status).toBe(1);
    const s = JSON.parse(w.stdout);
    expect(s).toMatchObject({ jobs: 4, written: 3, skipped: 0, failed: 1 });
    expect(s.outputs.map((o: string) => path.basename(o)).sort()).toEqual(['d_0.wav', 'd_1.wav', 'd_2.wav']);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(143);
  } finally {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  }
});

test('91.3 a queue URL that is not redis:// is bad usage (exit 2); a Redis nobody answers at is ERR_SDA_QUEUE (exit 1), one line', async () => {
  const dir = tmpDir('queue-url');
  const file = path.join(dir, 'jobs.jsonl');
  fs.writeFileSync(file, '{"output": "a.wav", "options": {"duration": 0.5, "seed": 1}}\n');
  const bad = sda(['worker', '--queue', 'http://localhost:6379', '--out', dir]);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/^sda: ERR_SDA_INVALID_ARGUMENT: the queue must be a redis:\/\/HOST:PORT\/DB URL; got "http:\/\/localhost:6379"\n$/);
  const gone = await startRedis();
  const url = gone.url();
  await gone.stop();
  for (const args of [['worker', '--queue', url, '--out', dir], ['batch', file, '--queue', url, '--out', dir]]) {
    const r = sda(args);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^sda: ERR_SDA_QUEUE: cannot reach Redis at ${url.replace(/[/.]/g, '\\$&')}: [^\\n]+\\n$`));
  }
});
