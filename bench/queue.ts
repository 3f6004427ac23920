/**
 * The queue's overhead: N jobs of D seconds on the demo model rendered by the local `sda batch` and, in
 * the same run, by `sda worker`s through a Redis queue (a redis-server started on a free loopback port,
 * as the tests do). Prints JSON: clips per second both ways (wall time from the command's start, model
 * loading included, the worker started and ready beforehand), and the time from enqueue to the first
 * output. One worker per device given.
 *   npm run bench:queue                                   # 100 jobs of 10 s, one CPU worker
 *   npm run bench:queue -- --jobs 10 --duration 2         # a quick run
 *   npm run bench:queue -- --devices cuda:0,cuda:1        # one worker per GPU
 * Options: --jobs N (100), --duration S (10), --devices LIST (cpu), --concurrency N (4, per worker).
 * Needs `npm run compile` first (dist/cli/sda.js) and redis-server on PATH.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startRedis } from '../test/helpers/redis';
import { spawnWorker } from '../test/helpers/workers';
import { ROOT } from './paths';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  const jobs = Number(arg('jobs', '100'));
  const duration = Number(arg('duration', '10'));
  const devices = arg('devices', 'cpu').split(',');
  const concurrency = arg('concurrency', '4');
  const cli = path.join(ROOT, 'dist/cli/sda.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run compile\` first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-bench-queue-'));
  const redis = await startRedis();
  try {
    const lines = Array.from({ length: jobs }, (_, i) => JSON.stringify({ output: `clip_${i}.wav`, options: { duration, seed: i } }));
    const file = path.join(dir, 'jobs.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);

    // Local: one process renders everything (on the first device).
    const t0 = performance.now();
    const local = spawnSync(process.execPath, [cli, 'batch', file, '--out', path.join(dir, 'local'), '--device', devices[0]!, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const localWall = (performance.now() - t0) / 1000;
    if (local.status !== 0) throw new Error(`sda batch failed (${local.status}): ${local.stderr}`);
    const ls = JSON.parse(local.stdout) as { written: number; seconds: number; clipsPerSecond: number };

    // Queue: workers started and ready first (as they would be, waiting for work), then the submitter.
    const url = redis.url(0);
    const out = path.join(dir, 'queue');
    const workers = devices.map((d) => spawnWorker(['--queue', url, '--out', out, '--device', d, '--concurrency', concurrency]));
    await Promise.all(workers.map((w) => w.waitFor((e) => e.type === 'ready')));
    const t1 = performance.now();
    const first = Promise.race(workers.map((w) => w.waitFor((e) => e.type === 'written').then(() => (performance.now() - t1) / 1000)));
    const submitted = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [cli, 'batch', file, '--queue', url, '--out', out, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      c.once('exit', (code) => resolve({ status: code ?? -1, stdout, stderr }));
    });
    const queueWall = (performance.now() - t1) / 1000;
    if (submitted.status !== 0) throw new Error(`sda batch --queue failed (${submitted.status}): ${submitted.stderr}`);
    const qs = JSON.parse(submitted.stdout) as { written: number };
    const firstOutput = await first;
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    const same = fs.readdirSync(path.join(dir, 'local')).filter((f) => f.endsWith('.wav')).every((f) => fs.readFileSync(path.join(dir, 'local', f)).equals(fs.readFileSync(path.join(out, f))));
    console.log(JSON.stringify({
      bench: 'queue',
      jobs,
      durationS: duration,
      model: 'demo',
      devices,
      concurrencyPerWorker: Number(concurrency),
      local: { written: ls.written, wallSeconds: round(localWall), clipsPerSecond: round(ls.written / localWall), generationClipsPerSecond: ls.clipsPerSecond },
      queue: { workers: workers.length, written: qs.written, wallSeconds: round(queueWall), clipsPerSecond: round(qs.written / queueWall), firstOutputSeconds: round(firstOutput) },
      queueWallOverLocalWall: round(queueWall / localWall),
      identicalWavs: same,
      cpus: os.cpus().length,
      node: process.version,
    }, null, 2));
  } finally {
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
