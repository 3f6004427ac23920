/**
 * `sda batch` throughput: N jobs of D seconds each through the compiled CLI (a subprocess, as a user runs
 * it), one model. Prints JSON: clips per second (generation only, the model loaded once) and the wall time.
 *   npm run bench:batch                                  # 100 jobs of 10 s, the demo model, CPU
 *   npm run bench:batch -- --jobs 10 --duration 2        # a quick run
 *   npm run bench:batch -- --model trained --device cuda --parallel 2
 * Options: --jobs N (100), --duration S (10), --model demo|trained|PATH (demo), --device (cpu),
 * --parallel N (1). Needs `npm run compile` first (dist/cli/sda.js).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, TRAINED_SDA } from './paths';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function main(): void {
  const jobs = Number(arg('jobs', '100'));
  const duration = Number(arg('duration', '10'));
  const device = arg('device', 'cpu');
  const parallel = arg('parallel', '1');
  const modelArg = arg('model', 'demo');
  const model = modelArg === 'demo' ? path.join(ROOT, 'assets/demo/demo.sda') : modelArg === 'trained' ? TRAINED_SDA : path.resolve(modelArg);
  const cli = path.join(ROOT, 'dist/cli/sda.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run compile\` first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-bench-batch-'));
  try {
    const lines = Array.from({ length: jobs }, (_, i) => JSON.stringify({ model, output: `clip_${i}.wav`, options: { duration, seed: i } }));
    const file = path.join(dir, 'jobs.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cli, 'batch', file, '--out', path.join(dir, 'out'), '--device', device, '--parallel', parallel, '--json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`sda batch failed (${r.status}): ${r.stderr}`);
    const s = JSON.parse(r.stdout) as { written: number; seconds: number; clipsPerSecond: number; failed: number };
    console.log(JSON.stringify({
      bench: 'batch',
      jobs,
      durationS: duration,
      model: path.basename(model),
      device,
      parallel: Number(parallel),
      written: s.written,
      failed: s.failed,
      generationSeconds: s.seconds,
      clipsPerSecond: s.clipsPerSecond,
      audioSecondsPerSecond: Math.round(s.clipsPerSecond * duration * 1000) / 1000,
      wallSeconds: Math.round(wall * 1000) / 1000,
      cpus: os.cpus().length,
      node: process.version,
    }, null, 2));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
