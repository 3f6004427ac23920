/**
 * Peak memory of `sda batch` as the queue grows (issue 10): 16 and 64 jobs of 60 s dual-seed audio with
 * `--batch-size 16`, through the compiled CLI (a subprocess, as a user runs it). The peak resident set of
 * the child is read from /proc/<pid>/status (VmHWM, the kernel's high-water mark) every 50 ms while it
 * runs; the last reading before exit is the peak. Prints JSON: per run { jobs, peakRssMB, seconds,
 * written }, and the ratio of the two peaks. Target: both at most 1.5 GB and within 10 % of each other.
 *   npm run bench:batch-memory
 *   npm run bench:batch-memory -- --jobs 4,8 --duration 20 --model demo     # a quick look
 * Options: --jobs A,B (16,64), --duration S (60), --batch-size N (16), --model trained|demo|PATH (trained:
 * the genuine model of test/fixtures/genuine), --device (cpu). Needs `npm run compile` (dist/cli/sda.js).
 * Linux only (/proc).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, TRAINED_SDA } from './paths';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** VmHWM of a live process in MB, or undefined once it has exited (a zombie has no memory map). */
function highWaterMB(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

interface Run {
  jobs: number;
  peakRssMB: number;
  seconds: number;
  written: number;
  failed: number;
}

async function runBatch(cli: string, model: string, jobs: number, duration: number, batchSize: number, device: string): Promise<Run> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-bench-batch-memory-'));
  try {
    const lines = Array.from({ length: jobs }, (_, i) =>
      JSON.stringify({ model, output: `clip_${i}.wav`, options: { duration, seed: 1000 + 2 * i, stereoMode: 'dual-seed' } }));
    const file = path.join(dir, 'jobs.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, 'batch', file, '--out', path.join(dir, 'out'), '--device', device, '--batch-size', String(batchSize), '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    let peak = 0;
    const poll = setInterval(() => { peak = Math.max(peak, highWaterMB(child.pid!) ?? 0); }, 50);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearInterval(poll);
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0) throw new Error(`sda batch exited with ${code}: ${stderr}`);
    const s = JSON.parse(stdout) as { written: number; failed: number };
    return { jobs, peakRssMB: Math.round(peak), seconds: Math.round(seconds * 10) / 10, written: s.written, failed: s.failed };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const counts = arg('jobs', '16,64').split(',').map(Number);
  const duration = Number(arg('duration', '60'));
  const batchSize = Number(arg('batch-size', '16'));
  const device = arg('device', 'cpu');
  const modelArg = arg('model', 'trained');
  const model = modelArg === 'demo' ? path.join(ROOT, 'assets/demo/demo.sda') : modelArg === 'trained' ? TRAINED_SDA : path.resolve(modelArg);
  const cli = path.join(ROOT, 'dist/cli/sda.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run compile\` first`);
  if (!fs.existsSync('/proc/self/status')) throw new Error('this bench reads /proc/<pid>/status (Linux)');
  const runs: Record<string, Run> = {};
  for (const n of counts) runs[`jobs${n}`] = await runBatch(cli, model, n, duration, batchSize, device);
  const peaks = Object.values(runs).map((r) => r.peakRssMB);
  console.log(JSON.stringify({
    bench: 'batch-memory',
    model: path.basename(model),
    durationS: duration,
    stereo: 'dual-seed',
    batchSize,
    device,
    ...runs,
    ratio: Math.round((Math.max(...peaks) / Math.min(...peaks)) * 1000) / 1000,
    targetMB: 1536,
    cpus: os.cpus().length,
    node: process.version,
  }, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
