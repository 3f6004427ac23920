/**
 * bench/load: speed on a busy machine. For each load level (0, 1, 2 busy-loop processes by default,
 * running for the whole level), each model and each duration, one fresh process renders with one thread
 * and with the default thread count, alternating (1, default, three times), and the best and median of
 * each are compared: the default must not be slower than one thread (ratio <= 1.1).
 * With `--run`, any command runs under the same synthetic load instead (a batch, a benchmark, training):
 *
 *   npm run bench:load -- [--load 0,1,2] [--durations 10,60] [--models a.sda,b.distill]
 *   npm run bench:load -- --load 2 --run "npm run bench:batch"
 *
 * Prints JSON, with the CPU, its core count and the load average at each level.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { GenerationPipeline, getNumThreads, loadModel, setNumThreads } from '../lib';
import { GENUINE, TRAINED_SDA } from './paths';

const DISTILL = path.join(GENUINE, 'distill/models/head_distill_public_fixture_latent_32.distill');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** Alternations of (1 thread, default) per process; each side's best counts (the machine is shared). */
const ROUNDS = 3;

/** One process: `--one MODEL DURATION`; prints the best time with 1 thread and with the default. */
async function one(): Promise<void> {
  const i = process.argv.indexOf('--one');
  const file = process.argv[i + 1]!;
  const durationS = Number(process.argv[i + 2]);
  const defaultThreads = getNumThreads();
  const p = new GenerationPipeline(await loadModel(file, { device: 'cpu' }));
  await p.generate({ duration: 1, seed: 1 }); // warm-up
  const runs: Record<string, number[]> = { one: [], default: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [key, threads] of [['one', 1], ['default', defaultThreads]] as const) {
      setNumThreads(threads);
      const t0 = performance.now();
      await p.generate({ duration: durationS, seed: 42 });
      runs[key]!.push((performance.now() - t0) / 1000);
    }
  }
  p.dispose();
  const best = (xs: number[]) => Math.min(...xs);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(JSON.stringify({
    model: path.basename(file), durationS, defaultThreads,
    oneThreadS: round(best(runs.one!)), defaultS: round(best(runs.default!)),
    // Best against best; on a loaded machine the best run is partly luck, so the medians' ratio too.
    ratio: round(best(runs.default!) / best(runs.one!), 2),
    medianRatio: round(median(runs.default!) / median(runs.one!), 2),
    runs: { one: runs.one!.map((x) => round(x)), default: runs.default!.map((x) => round(x)) },
  }));
}

/** N processes that keep a core each busy until killed. */
function startLoad(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

function stopLoad(children: ChildProcess[]): void {
  for (const c of children) c.kill('SIGKILL');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function machine(): Record<string, unknown> {
  return { cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadAverage: os.loadavg().map((x) => round(x, 2)) };
}

async function main(): Promise<void> {
  if (process.argv.includes('--one')) return one();
  const levels = arg('load', '0,1,2').split(',').map(Number);
  const run = arg('run', '');
  const results: Record<string, unknown>[] = [];
  for (const level of levels) {
    const load = startLoad(level);
    try {
      await sleep(1000); // the busy loops are on the cores before anything is timed
      if (run) {
        const t0 = performance.now();
        const r = spawnSync('bash', ['-c', run], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 });
        results.push({ load: level, command: run, seconds: round((performance.now() - t0) / 1000), exitCode: r.status, stdout: r.stdout.trim(), machine: machine() });
        continue;
      }
      const models = arg('models', `${TRAINED_SDA},${DISTILL}`).split(',').filter((f) => fs.existsSync(f));
      for (const model of models) {
        for (const d of arg('durations', '10,60').split(',').map(Number)) {
          const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--one', model, String(d)], { encoding: 'utf8' });
          const line = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').pop()!) : { model: path.basename(model), durationS: d, error: r.stderr.trim().split('\n').pop() };
          results.push({ load: level, ...line, machine: machine() });
          console.error(JSON.stringify(results[results.length - 1]));
        }
      }
    } finally {
      stopLoad(load);
    }
  }
  const renders = results.filter((r) => typeof r.ratio === 'number');
  console.log(JSON.stringify({
    bench: 'load',
    busyLoops: levels,
    results,
    worstRatio: renders.length ? Math.max(...renders.map((r) => r.ratio as number)) : null,
    worstMedianRatio: renders.length ? Math.max(...renders.map((r) => r.medianRatio as number)) : null,
  }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
