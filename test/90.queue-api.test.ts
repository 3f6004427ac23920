// The queue's public API on a real redis-server: checks before anything is queued, content-derived job
// ids, an in-process worker: bad jobs failed once with their line, a transient write error retried, the
// temp file of a killed writer removed by the worker that takes the job, the bounded model cache, and a
// bad job failing within a second.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadModel, GenerationPipeline, SdaError } from '../lib';
import { enqueueJobs, followJobs, jobIdOf, startWorker, type WorkerEvent } from '../lib/queue';
import { toJobData } from '../lib/queue/job-data';
import { ModelCache } from '../lib/queue/model-cache';
import { DEMO, TRAINED, tmpDir } from './helpers/cli';
import { ROOT } from './helpers/paths';
import { startRedis, type RedisServer } from './helpers/redis';

jest.setTimeout(180_000);

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

test('90.1 enqueueJobs checks every job first, and refuses a bad URL or an unreachable Redis with typed errors', async () => {
  const connection = redis.url(2);
  const bad = [{ output: 'a.wav', options: { duration: 1 } }, { output: 'b.wav', options: { stereoMode: 'wide' } }];
  await expect(enqueueJobs(bad, { connection })).rejects.toMatchObject({ code: 'ERR_SDA_INVALID_ARGUMENT', message: expect.stringMatching(/^jobs\[1\]\.options: .*stereoMode/) });
  await expect(enqueueJobs([{ output: '../x.wav' }], { connection })).rejects.toMatchObject({ code: 'ERR_SDA_INVALID_ARGUMENT', message: expect.stringMatching(/^jobs\[0\]\.output/) });
  // Nothing of the refused list was queued.
  const [st] = await followJobs([{ id: jobIdOf(toJobData(bad[0]!, 0)), line: 1, output: 'a.wav' }], { connection });
  expect(st!.state).toBe('missing');
  await expect(enqueueJobs([], { connection: 'http://localhost:6379' })).rejects.toMatchObject({ code: 'ERR_SDA_INVALID_ARGUMENT' });
  // A port nobody listens on: the port of a Redis that was stopped.
  const gone = await startRedis();
  const url = gone.url();
  await gone.stop();
  const err = await enqueueJobs([{ output: 'a.wav' }], { connection: url }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SdaError);
  expect(err).toMatchObject({ code: 'ERR_SDA_QUEUE', message: expect.stringContaining(`cannot reach Redis at ${url}`) });
});

test('90.2 job ids come from the job: key order does not matter, another seed or output is another job; resubmitting adds nothing', async () => {
  const id = (j: object) => jobIdOf(toJobData(j as never, 0));
  const a = { model: 'pads', output: 'x.wav', options: { duration: 1, seed: 3, sliders: { '0': 2 } } };
  expect(id({ options: { sliders: [2], seed: 3, duration: 1 }, output: 'x.wav', model: 'pads' })).toBe(id(a));
  expect(id({ ...a, options: { ...a.options, seed: 4 } })).not.toBe(id(a));
  expect(id({ ...a, output: 'y.wav' })).not.toBe(id(a));
  expect(id({ ...a, line: 9 })).toBe(id(a)); // the line is where it was written, not what it renders

  const connection = redis.url(3);
  const jobs = [{ output: 'p.wav', options: { duration: 0.5, seed: 1 } }, { output: 'q.wav', options: { duration: 0.5, seed: 2 } }];
  const first = await enqueueJobs(jobs, { connection, queueName: 'ids' });
  expect(first.map((j) => j.status)).toEqual(['added', 'added']);
  const second = await enqueueJobs([...jobs].reverse(), { connection, queueName: 'ids' });
  expect(second.map((j) => [j.id, j.status])).toEqual([[first[1]!.id, 'queued'], [first[0]!.id, 'queued']]);
});

test('90.3 an in-process worker: bad jobs fail once with their line, a transient write error is retried, a killed writer\'s temp file goes', async () => {
  const connection = redis.url(4);
  const out = tmpDir('qapi');
  // A writer killed in the middle of writing q_temp.wav (the package's temp name, with its pid).
  const writer = spawnSync(process.execPath, ['-e', `
    const { tempPathFor } = require(${JSON.stringify(path.join(ROOT, 'dist/util/atomic-file.js'))});
    const fs = require('fs');
    fs.writeFileSync(tempPathFor(${JSON.stringify(path.join(out, 'q_temp.wav'))}), Buffer.alloc(1000));
    process.kill(process.pid, 'SIGKILL');`]);
  expect(writer.signal).toBe('SIGKILL');
  const leftover = fs.readdirSync(out);
  expect(leftover).toEqual([expect.stringMatching(/^\.q_temp\.wav\.\d+\.[0-9a-f]{8}\.tmp$/)]);
  // A folder where a WAV should go: the export fails until it is removed (a transient error).
  fs.mkdirSync(path.join(out, 'q_blocked.wav'));

  const events: WorkerEvent[] = [];
  let unblock: () => void = () => undefined;
  const unblocked = new Promise<void>((r) => (unblock = r));
  const worker = await startWorker({
    connection, queueName: 'api', out, device: 'cpu', concurrency: 3, modelCacheSize: 1,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'failed' && e.output === 'q_blocked.wav' && e.willRetry) {
        fs.rmdirSync(path.join(out, 'q_blocked.wav'));
        unblock();
      }
    },
  });
  try {
    const jobs = [
      { output: 'q_temp.wav', options: { duration: 0.5, seed: 7 }, line: 3 },
      { output: 'q_blocked.wav', options: { duration: 0.5, seed: 8 }, line: 4 },
      { output: 'q_missing.wav', model: path.join(out, 'nope.sda'), line: 5 },
      { output: 'q_sliders.wav', model: DEMO, options: { duration: 0.5, sliders: { '40': 1 } }, line: 6 },
      { output: 'q_trained.wav', model: TRAINED, options: { duration: 0.5, seed: 9 }, line: 7 },
    ];
    const queued = await enqueueJobs(jobs, { connection, queueName: 'api', backoffMs: 100 });
    const st = await followJobs(queued, { connection, queueName: 'api' });
    await unblocked;
    expect(st.map((s) => [s.line, s.state, s.error?.code ?? null])).toEqual([
      [3, 'completed', null],
      [4, 'completed', null],
      [5, 'failed', 'ERR_SDA_MODEL_NOT_FOUND'],
      [6, 'failed', 'ERR_SDA_INVALID_ARGUMENT'],
      [7, 'completed', null],
    ]);
    // Bad jobs are tried once; the blocked one was tried again after its first failure.
    expect(st[2]!.attempts).toBe(1);
    expect(st[3]!.attempts).toBe(1);
    expect(events.filter((e) => e.type === 'started' && e.output === 'q_blocked.wav').length).toBeGreaterThanOrEqual(2);
    expect(st[0]!.result).toMatchObject({ output: 'q_temp.wav', skipped: false, seed: 7, worker: worker.name });
    expect(fs.readdirSync(out).sort()).toEqual(['q_blocked.json', 'q_blocked.wav', 'q_temp.json', 'q_temp.wav', 'q_trained.json', 'q_trained.wav']);
  } finally {
    await worker.close();
  }
});

test('90.4 the model cache keeps at most its capacity of idle models loaded, disposing the least recently used', async () => {
  const loaded: GenerationPipeline[] = [];
  const cache = new ModelCache(1, async (file) => {
    const p = new GenerationPipeline(await loadModel(file, { device: 'cpu' }));
    loaded.push(p);
    return p;
  });
  const demo = await cache.acquire(DEMO);
  const trained = await cache.acquire(TRAINED); // both in use: neither can go
  expect(loaded.map((p) => p.loaded.model.disposed)).toEqual([false, false]);
  demo.release();
  expect(loaded[0]!.loaded.model.disposed).toBe(true);
  expect(cache.files()).toEqual([TRAINED]);
  trained.release();
  const again = await cache.acquire(TRAINED);
  expect(loaded).toHaveLength(2); // still loaded: not loaded again
  again.release();
  await cache.clear();
  expect(loaded[1]!.loaded.model.disposed).toBe(true);
});

test('90.5 a bad job sent through the queue fails within a second of being queued, tried once', async () => {
  const connection = redis.url(5);
  const out = tmpDir('qfast');
  const worker = await startWorker({ connection, queueName: 'fast', out, device: 'cpu' });
  try {
    // A first good job, so that what is measured is the bad job and not the worker's first load.
    const warm = await enqueueJobs([{ output: 'warm.wav', options: { duration: 0.2, seed: 1 } }], { connection, queueName: 'fast' });
    expect((await followJobs(warm, { connection, queueName: 'fast' }))[0]!.state).toBe('completed');
    for (const bad of [
      { output: 'f_missing.wav', model: path.join(out, 'nope.sda') },
      { output: 'f_option.wav', options: { duration: 0.5, sliders: { '40': 1 } } },
    ]) {
      const t0 = performance.now();
      const queued = await enqueueJobs([bad], { connection, queueName: 'fast' });
      const [st] = await followJobs(queued, { connection, queueName: 'fast' });
      const ms = performance.now() - t0;
      expect(st).toMatchObject({ state: 'failed', attempts: 1 });
      expect(ms).toBeLessThan(1000);
    }
  } finally {
    await worker.close();
  }
});
