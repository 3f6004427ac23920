/**
 * bench/generate: generation speed on a device (default: cpu) for 1 s, 10 s and 60 s of audio in the
 * default mode, each in a fresh process (peak RSS per run), the Python-compatible mode for reference,
 * the same work done by a straightforward PyTorch implementation of SPEC 8 (bench/python/sda_pipeline_py.py)
 * in the same run when Python torch is installed, and Griffin-Lim convergence ours vs the app's.
 * Prints JSON.
 *
 *   npm run bench:generate -- [--device cpu|cuda] [--durations 1,10,60] [--model file.sda] [--batch N]
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { GenerationPipeline, Spectrogram, TorchRng, getNumThreads, loadModel, spectralConvergence } from '../lib';
import { ROOT, TRAINED_SDA } from './paths';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** One measurement in this process: `--one DURATION [--compat]`. */
async function one(): Promise<void> {
  const durationS = Number(arg('one', '1'));
  const compat = process.argv.includes('--compat');
  const m = await loadModel(path.resolve(arg('model', TRAINED_SDA)), { device: arg('device', 'cpu') });
  const p = new GenerationPipeline(m);
  await p.generate({ duration: 1, seed: 1, pythonCompat: compat }); // warm-up
  const t0 = performance.now();
  const r = await p.generate({ duration: durationS, seed: 42, pythonCompat: compat });
  const seconds = (performance.now() - t0) / 1000;
  const audioS = r.channels[0]!.length / r.sampleRate;
  console.log(JSON.stringify({ durationS, pythonCompat: compat, seconds: round(seconds), audioSeconds: round(audioS), realTimeFactor: round(audioS / seconds, 1), peakRssMb: round(process.resourceUsage().maxRSS / 1024, 0) }));
  p.dispose();
}

/** Several clips of `durationS` generated concurrently on one model (GPU throughput). */
async function batch(): Promise<void> {
  const clips = Number(arg('batch', '100'));
  const durationS = Number(arg('duration', '10'));
  const m = await loadModel(path.resolve(arg('model', TRAINED_SDA)), { device: arg('device', 'cpu') });
  const p = new GenerationPipeline(m);
  await p.generate({ duration: 1, seed: 1 });
  const t0 = performance.now();
  const limit = Number(arg('concurrency', '8'));
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < clips) {
      const seed = next++;
      await p.generate({ duration: durationS, seed });
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ bench: 'generate-batch', device: m.device, clips, durationS, seconds: round(seconds), clipsPerSecond: round(clips / seconds), realTimeFactor: round((clips * durationS) / seconds, 1) }));
  p.dispose();
}

function child(args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, ...args], { encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || '').trim().split('\n').slice(-3).join(' | ') };
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** Griffin-Lim spectral convergence on the same chunks: our default path vs the app's. */
async function convergence(device: string): Promise<Record<string, unknown>> {
  const m = await loadModel(path.resolve(arg('model', TRAINED_SDA)), { device });
  const spec = new Spectrogram(m.spectrogram, { device });
  const rng = new TorchRng(42);
  const n = 8;
  const z = rng.randn([n, m.latentDim]);
  const mel = await m.model.decode(z);
  const frames = m.model.melShape[1];
  const lin = { shape: [n, m.spectrogram.nMels, frames], data: Float32Array.from(mel.data, (v) => Math.expm1(Math.max(v, 0))) };
  const phases = rng.randComplex([n, spec.nFreqs, frames]);
  const result: Record<string, unknown> = { chunks: n };
  for (const [name, solver, fast] of [['app (lstsq, torch stft/istft)', 'lstsq', false], ['ours (pinv, loop Griffin-Lim)', 'pinv', true]] as const) {
    const power = await spec.inverseMel(lin, solver);
    const wave = await spec.griffinLim(power, { nIter: 64, phases, fast, perItem: !fast });
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const len = wave.shape[1]!;
      const per = power.data.length / n;
      sum += await spectralConvergence(spec, { shape: [1, len], data: wave.data.subarray(i * len, (i + 1) * len) }, { shape: [1, spec.nFreqs, frames], data: power.data.subarray(i * per, (i + 1) * per) });
    }
    result[name] = round(sum / n, 4);
  }
  m.dispose();
  return result;
}

async function main(): Promise<void> {
  if (process.argv.includes('--one')) return one();
  if (process.argv.includes('--batch')) return batch();
  const device = arg('device', 'cpu');
  const durations = arg('durations', '1,10,60').split(',').map(Number);
  const model = path.resolve(arg('model', TRAINED_SDA));
  const common = ['--device', device, '--model', model];
  const ours = durations.map((d) => child(['--one', String(d), ...common]));
  const compat = durations.map((d) => child(['--one', String(d), '--compat', ...common]));
  const python: Record<string, unknown>[] = [];
  for (const d of durations) {
    const py = spawnSync('python3', [path.join(ROOT, 'bench/python/sda_pipeline_py.py'), model, String(d), '42', 'crossfade', '--repeats', '2'], { encoding: 'utf8' });
    if (py.status !== 0) {
      python.push({ durationS: d, unavailable: (py.stderr || String(py.error)).trim().split('\n').pop() });
      continue;
    }
    const r = JSON.parse(py.stdout) as { seconds: number[]; samples: number };
    python.push({ durationS: d, seconds: round(Math.min(...r.seconds)), audioSeconds: round(r.samples / 48000) });
  }
  // Compute time per second of audio made (the Python pipeline makes whole chunks: 56.6 s for 60 s).
  const ratio = durations.map((d, i) => {
    const perSecond = (r: Record<string, unknown>) =>
      typeof r.seconds === 'number' && typeof r.audioSeconds === 'number' ? r.seconds / r.audioSeconds : undefined;
    const o = perSecond(ours[i]!);
    const p = perSecond(python[i]!);
    return { durationS: d, pythonOverOursPerAudioSecond: o && p ? round(p / o, 2) : null };
  });
  console.log(JSON.stringify({
    bench: 'generate',
    device,
    model: path.basename(model),
    threads: getNumThreads(),
    defaultMode: ours,
    pythonCompatMode: compat,
    pythonStraightforward: python,
    speedup: ratio,
    griffinLimSpectralConvergence: await convergence(device),
  }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
