// The queue when Redis goes away (issue 21, findings 5 and 12): a redis-server killed in the middle of a
// batch, or frozen with SIGSTOP (connections open, nothing answered). The submitter (`sda batch --queue`,
// `wait`, `status`) reports ERR_SDA_QUEUE and exits 1 within its bound (lib/queue/deadline.ts: 10 s
// without an answer, up to 5 s between looks, 2 s to close); the first SIGINT or SIGTERM is honoured
// whatever Redis does; a batch summary counts a file written during a Redis pause as written; text from
// jobs echoed into log lines is clipped. Timings are asserted against the documented bounds + 20 s.
import * as fs from 'fs';
import * as path from 'path';
import { Queue } from 'bullmq';
import { toConnection } from '../lib/queue/connection';
import { tmpDir } from './helpers/cli';
import { startRedis, type RedisServer } from './helpers/redis';
import { spawnSda, spawnWorker, type WorkerProcess } from './helpers/workers';

jest.setTimeout(240_000);

/** README: `sda batch --queue`, `wait` and `status` say ERR_SDA_QUEUE within 20 s of Redis going away. */
const SUBMITTER_BOUND_S = 20;
/** README: a stop signal ends a submitter within 5 s, whatever Redis does. */
const STOP_BOUND_S = 5;
/** README: a stopped worker leaves within 15 s of writing the jobs it holds, whatever Redis does. */
const WORKER_BOUND_S = 15;
const SLACK_S = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const servers: RedisServer[] = [];
const workers: WorkerProcess[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  for (const s of servers.splice(0)) await s.stop();
});

async function redisServer(): Promise<RedisServer> {
  const s = await startRedis();
  servers.push(s);
  return s;
}

function worker(args: string[]): WorkerProcess {
  const w = spawnWorker(args);
  workers.push(w);
  return w;
}

function jobsFile(dir: string, jobs: object[]): string {
  const file = path.join(dir, 'jobs.jsonl');
  fs.writeFileSync(file, `${jobs.map((j) => JSON.stringify(j)).join('\n')}\n`);
  return file;
}

/** Resolves once `n` jobs wait on the queue (the submitter has queued them and goes on to follow them). */
async function queued(url: string, n: number): Promise<void> {
  const q = new Queue('sda', { connection: toConnection(url) });
  try {
    for (let i = 0; i < 600; i++) {
      const c = await q.getJobCounts('waiting', 'active', 'completed');
      if (c.waiting! + c.active! + c.completed! >= n) return;
      await sleep(100);
    }
    throw new Error(`${n} jobs were never queued`);
  } finally {
    await q.close();
  }
}

test('93.1 Redis killed mid-batch: the submitter exits 1 with ERR_SDA_QUEUE within its bound; the worker then exits 143 on its first SIGTERM', async () => {
  const redis = await redisServer();
  const url = redis.url();
  const dir = tmpDir('outage-kill');
  const out = path.join(dir, 'out');
  const jobs = jobsFile(dir, Array.from({ length: 40 }, (_, i) => ({ output: `k_${i}.wav`, options: { duration: 2, seed: i } })));
  const w = worker(['--queue', url, '--out', out, '--device', 'cpu', '--concurrency', '1']);
  await w.waitFor((e) => e.type === 'ready');
  const sub = spawnSda(['batch', jobs, '--queue', url, '--out', out, '--json']);
  await w.waitFor((e) => e.type === 'written');
  await redis.kill();
  const killedAt = sub.elapsed();
  const r = await sub.done;
  expect(r.stderr).toMatch(/^sda: ERR_SDA_QUEUE: [^\n]+\n$/);
  expect(r.status).toBe(1);
  expect(r.seconds - killedAt).toBeLessThan(SUBMITTER_BOUND_S + SLACK_S);

  // The worker rides out the outage until it is stopped; then one SIGTERM is enough.
  const t0 = performance.now();
  w.child.kill('SIGTERM');
  expect(await w.exited).toBe(143);
  // It may have been rendering a 2 s clip: counted in the slack.
  expect((performance.now() - t0) / 1000).toBeLessThan(WORKER_BOUND_S + SLACK_S);
  expect(w.stderr()).toMatch(/ERR_SDA_INTERRUPTED: stopped by SIGTERM/);
  // Nothing half-written: every WAV has its sidecar.
  const names = fs.readdirSync(out);
  expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  expect(names.filter((n) => n.endsWith('.wav')).map((n) => n.replace(/wav$/, 'json')).every((n) => names.includes(n))).toBe(true);
});

test('93.2 Redis frozen: the first SIGINT ends `sda batch --queue` (130) and `status` says ERR_SDA_QUEUE (1), each within its bound', async () => {
  const redis = await redisServer();
  const url = redis.url();
  const dir = tmpDir('outage-pause');
  const out = path.join(dir, 'out');
  const jobs = jobsFile(dir, [0, 1, 2].map((i) => ({ output: `p_${i}.wav`, options: { duration: 0.5, seed: i } })));
  const sub = spawnSda(['batch', jobs, '--queue', url, '--out', out]);
  await queued(url, 3);
  await sleep(1500); // following them now
  redis.pause();
  await sleep(1000);
  const stoppedAt = sub.elapsed();
  sub.child.kill('SIGINT');
  const r = await sub.done;
  expect(r.status).toBe(130);
  expect(r.stderr).toMatch(/ERR_SDA_INTERRUPTED: stopped by SIGINT/);
  expect(r.seconds - stoppedAt).toBeLessThan(STOP_BOUND_S + SLACK_S);

  for (const sub2 of ['status', 'wait']) {
    const st = await spawnSda(['batch', sub2, jobs, '--queue', url, '--out', out]).done;
    expect([sub2, st.status, st.stderr]).toEqual([sub2, 1, expect.stringMatching(/^sda: ERR_SDA_QUEUE: [^\n]+\n$/)]);
    expect(st.seconds).toBeLessThan(SUBMITTER_BOUND_S + SLACK_S);
  }
  redis.resume();
});

test('93.3 Redis frozen: a worker honours its first SIGTERM, idle or while connecting, and exits 143 within its bound', async () => {
  const redis = await redisServer();
  const url = redis.url();
  const out = tmpDir('outage-worker');
  const w = worker(['--queue', url, '--out', out, '--device', 'cpu']);
  await w.waitFor((e) => e.type === 'ready');
  redis.pause();
  await sleep(1000);
  const t0 = performance.now();
  w.child.kill('SIGTERM');
  expect(await w.exited).toBe(143);
  expect((performance.now() - t0) / 1000).toBeLessThan(WORKER_BOUND_S + SLACK_S);

  // Started while Redis is frozen: it never gets to `ready`, and one SIGTERM still ends it.
  const w2 = worker(['--queue', url, '--out', out, '--device', 'cpu']);
  await sleep(3000);
  const t1 = performance.now();
  w2.child.kill('SIGTERM');
  expect(await w2.exited).toBe(143);
  expect((performance.now() - t1) / 1000).toBeLessThan(WORKER_BOUND_S + SLACK_S);
  redis.resume();
});

test('93.4 a file written while Redis was frozen past the job\'s lock is counted as written, not skipped or failed', async () => {
  const redis = await redisServer();
  const url = redis.url();
  const dir = tmpDir('outage-summary');
  const out = path.join(dir, 'out');
  const jobs = jobsFile(dir, [{ output: 'long.wav', options: { duration: 20, seed: 3 } }]);
  const sub = spawnSda(['batch', jobs, '--queue', url, '--out', out, '--json']);
  await queued(url, 1);
  await sleep(1500);
  // A lock of 1 s: it expires while Redis is frozen, so Redis does not take the job's end from this worker.
  const w = worker(['--queue', url, '--out', out, '--device', 'cpu', '--concurrency', '1', '--lock-duration', '1']);
  await w.waitFor((e) => e.type === 'started');
  redis.pause();
  const pausedAt = performance.now();
  for (let i = 0; i < 600 && !(fs.existsSync(path.join(out, 'long.wav')) && fs.existsSync(path.join(out, 'long.json'))); i++) await sleep(100);
  // Frozen past the lock (1 s from its last renewal), and well within the submitter's 10 s.
  await sleep(Math.max(0, 2500 - (performance.now() - pausedAt)));
  redis.resume();
  const r = await sub.done;
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const s = JSON.parse(r.stdout);
  expect(s).toMatchObject({ jobs: 1, written: 1, skipped: 0, failed: 0, outputs: [path.join(out, 'long.wav')] });
  expect(s.results).toEqual([expect.objectContaining({ output: 'long.wav', skipped: false, seed: 3, duration: 20 })]);
  w.child.kill('SIGTERM');
  expect(await w.exited).toBe(143);
});

test('93.5 text from a job echoed into a log line is clipped: a 1 MB model string, in the worker\'s lines, the failure kept in Redis and the summary', async () => {
  const redis = await redisServer();
  const url = redis.url();
  const dir = tmpDir('outage-log');
  const out = path.join(dir, 'out');
  const model = `m${'x'.repeat(1_000_000)}.sda`;
  const jobs = jobsFile(dir, [{ model, output: 'big.wav', options: { duration: 0.5, seed: 1 } }]);
  const w = worker(['--queue', url, '--out', out, '--device', 'cpu']);
  await w.waitFor((e) => e.type === 'ready');
  const r = await spawnSda(['batch', jobs, '--queue', url, '--out', out, '--json']).done;
  expect(r.status).toBe(1);
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines).toEqual([expect.stringMatching(/^sda: job line 1 \(big\.wav\) failed: ERR_SDA_MODEL_NOT_FOUND: .*… \(\d+ characters\)$/)]);
  expect(lines[0]!.length).toBeLessThan(1200);
  const failed = await w.waitFor((e) => e.type === 'failed');
  expect(failed.message).toMatch(/… \(\d+ characters\)$/);
  const started = await w.waitFor((e) => e.type === 'started');
  expect(started.model).toBe(`${model.slice(0, 200)}… (${model.length} characters)`);
  // What Redis keeps of the failure is clipped too.
  const reason = await failedReasonOf(url);
  expect(reason).toMatch(/^ERR_SDA_MODEL_NOT_FOUND: .*… \(\d+ characters\)$/);
  expect(reason.length).toBeLessThan(1100);
  w.child.kill('SIGTERM');
  expect(await w.exited).toBe(143);
});

/** Why the one failed job on the queue failed, as Redis keeps it. */
async function failedReasonOf(url: string): Promise<string> {
  const q = new Queue('sda', { connection: toConnection(url) });
  try {
    const [job] = await q.getJobs(['failed']);
    return job!.failedReason;
  } finally {
    await q.close();
  }
}
