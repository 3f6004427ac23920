/**
 * bench/generate: generation speed on a device (default: cpu) for 1 s, 10 s and 60 s of audio in the
 * default mode, each in fresh processes (peak RSS per process), the Python-compatible mode for reference,
 * the same work done by a straightforward PyTorch implementation of SPEC 8 (bench/python/sda_pipeline_py.py)
 * in the same run when Python torch is installed (the two sides' processes alternating, each side's best
 * run counted), and Griffin-Lim per chunk, ours vs the app's
 * configuration: spectral convergence (min/median/max), iterations used, time (docs/griffin-lim.md).
 * Prints JSON.
 *
 *   npm run bench:generate -- [--device cpu|cuda] [--durations 1,10,60] [--model file.sda|.distill] [--chunks 16] [--batch N]
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

/**
 * Timed runs per process, on both sides: the Python pipeline's time is the best of its `--repeats` runs
 * in one process, so ours is the best of as many runs in one process (`runs` lists them all: the first
 * pays for first-touch memory and JIT warm-up).
 */
const REPEATS = 2;
/** Rounds of (ours, Python) processes per duration in the comparison (see main). */
const ROUNDS = 2;

/** One measurement in this process: `--one DURATION [--compat]`. */
async function one(): Promise<void> {
  const durationS = Number(arg('one', '1'));
  const compat = process.argv.includes('--compat');
  const m = await loadModel(path.resolve(arg('model', TRAINED_SDA)), { device: arg('device', 'cpu') });
  const p = new GenerationPipeline(m);
  await p.generate({ duration: 1, seed: 1, pythonCompat: compat }); // warm-up
  const runs: number[] = [];
  let audioS = 0;
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    const r = await p.generate({ duration: durationS, seed: 42, pythonCompat: compat });
    runs.push((performance.now() - t0) / 1000);
    audioS = r.channels[0]!.length / r.sampleRate;
  }
  const seconds = Math.min(...runs);
  console.log(JSON.stringify({
    durationS, pythonCompat: compat, seconds: round(seconds), runs: runs.map((x) => round(x)), audioSeconds: round(audioS),
    realTimeFactor: round(audioS / seconds, 1), peakRssMb: round(process.resourceUsage().maxRSS / 1024, 0),
  }));
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

const stats = (xs: number[], d = 4) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: round(s[0]!, d), median: round(s[Math.floor(s.length / 2)]!, d), max: round(s[s.length - 1]!, d) };
};

/**
 * Griffin-Lim on the same decoded chunks: the default mode (the options the pipeline passes) against the
 * app's configuration (random start, 64 iterations for .sda, 128 for .distill, torch stft/istft, lstsq),
 * both scored against the app's target (relu(lstsq) of the decoded mel): spectral convergence per chunk,
 * iterations used, and the time of each on these chunks.
 */
async function convergence(device: string): Promise<Record<string, unknown>> {
  const m = await loadModel(path.resolve(arg('model', TRAINED_SDA)), { device });
  const spec = new Spectrogram(m.spectrogram, { device });
  const rng = new TorchRng(42);
  const n = Number(arg('chunks', '16'));
  const appIterations = m.format === 'distill_model' ? 128 : 64;
  const [nMels, frames] = m.model.melShape;
  const latents = Array.from({ length: n }, () => rng.randn([1, m.latentDim]));
  const mel = new Float32Array(n * nMels * frames);
  for (let i = 0; i < n; i++) mel.set((await m.model.decode(latents[i]!)).data, i * nMels * frames);
  const melT = { shape: [n, nMels, frames], data: mel };
  const lin = { shape: [n, nMels, frames], data: Float32Array.from(mel, (v) => Math.expm1(Math.max(v, 0))) };
  const phases = rng.randComplex([n, spec.nFreqs, frames]);
  const target = await spec.inverseMel(lin, 'lstsq');
  const per = target.data.length / n;
  const score = async (wave: { shape: number[]; data: Float32Array }) => {
    const len = wave.shape[1]!;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      out.push(await spectralConvergence(spec, { shape: [1, len], data: wave.data.subarray(i * len, (i + 1) * len) }, { shape: [1, spec.nFreqs, frames], data: target.data.subarray(i * per, (i + 1) * per) }));
    }
    return out;
  };
  let t0 = performance.now();
  const appWave = await spec.melToWaveform(melT, { nIter: appIterations, phases, solver: 'lstsq', perItem: true, fast: false });
  const appSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const ourWave = await spec.melToWaveform(melT, { nIter: appIterations, phases, solver: 'pinv', fast: true });
  const ourSeconds = (performance.now() - t0) / 1000;
  const app = await score(appWave);
  const ours = await score(ourWave);
  m.dispose();
  spec.dispose();
  return {
    chunks: n,
    app: { init: 'random', iterations: appIterations, spectralConvergence: stats(app), seconds: round(appSeconds) },
    ours: {
      init: 'pghi', iterations: stats(ourWave.iterations!, 0), spectralConvergence: stats(ours), seconds: round(ourSeconds),
      chunksAtLeastAsGood: ours.filter((v, i) => v <= app[i]!).length,
      worstMinusApp: round(Math.max(...ours.map((v, i) => v - app[i]!)), 5),
    },
  };
}

async function main(): Promise<void> {
  if (process.argv.includes('--one')) return one();
  if (process.argv.includes('--batch')) return batch();
  const device = arg('device', 'cpu');
  const durations = arg('durations', '1,10,60').split(',').map(Number);
  const model = path.resolve(arg('model', TRAINED_SDA));
  const common = ['--device', device, '--model', model];
  const compat = durations.map((d) => child(['--one', String(d), '--compat', ...common]));
  const ours: Record<string, unknown>[] = [];
  const python: Record<string, unknown>[] = [];
  for (const d of durations) {
    // ROUNDS rounds, each one process of ours then one of the Python pipeline, so that a slow spell of a
    // shared machine falls on both sides; each side's figure is its best run over all rounds.
    const ourRuns: number[] = [];
    const pyRuns: number[] = [];
    let ourLast: Record<string, unknown> = {};
    let pyError: string | undefined;
    let pySamples = 0;
    for (let r = 0; r < ROUNDS; r++) {
      ourLast = child(['--one', String(d), ...common]);
      if (Array.isArray(ourLast.runs)) ourRuns.push(...(ourLast.runs as number[]));
      const py = spawnSync('python3', [path.join(ROOT, 'bench/python/sda_pipeline_py.py'), model, String(d), '42', 'crossfade', '--repeats', String(REPEATS)], { encoding: 'utf8' });
      if (py.status !== 0) {
        pyError = (py.stderr || String(py.error)).trim().split('\n').pop();
        continue;
      }
      const out = JSON.parse(py.stdout) as { seconds: number[]; samples: number };
      pyRuns.push(...out.seconds);
      pySamples = out.samples;
    }
    if (ourRuns.length === 0) {
      ours.push(ourLast);
    } else {
      const seconds = Math.min(...ourRuns);
      const audioS = ourLast.audioSeconds as number;
      ours.push({ ...ourLast, seconds: round(seconds), runs: ourRuns.map((x) => round(x)), realTimeFactor: round(audioS / seconds, 1) });
    }
    python.push(pyRuns.length === 0
      ? { durationS: d, unavailable: pyError }
      : { durationS: d, seconds: round(Math.min(...pyRuns)), runs: pyRuns.map((x) => round(x)), audioSeconds: round(pySamples / 48000) });
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
    // The issue-16 figure: the Python app's time over ours for 60 s of audio, measured in this run.
    pythonOverOurs60s: ratio.find((r) => r.durationS === 60)?.pythonOverOursPerAudioSecond ?? null,
    griffinLim: await convergence(device),
  }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
