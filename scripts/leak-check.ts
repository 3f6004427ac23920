/**
 * Leak check (run by .ci/run): each native path of the public API many times in one process, with the
 * genuine fixture model. Per path: a warm-up (allocator pools, caches and the encoder worker fill), RSS
 * after a full GC, the loop, RSS after a full GC again. Growth over the bound fails the check.
 *
 *   npm run leak-check -- [--only decode,mel,...] [--scale 1] [--threads 1]
 *
 * Run it as the npm script does: `--expose-gc` for the collections, and `--max-semi-space-size=1` because
 * V8 shrinks its young generation from 16 MB to 1 MB when allocation slows, which moved RSS by 15 MB in
 * the middle of a loop. Prints one JSON line per path; exits 1 naming every path over the bound.
 * docs/native.md ("Leak check") has the growth measured without a leak.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { setImmediate as nextTurn } from 'timers/promises';
import { GenerationPipeline, Spectrogram, TorchRng, exportResult, loadModel, resample, setNumThreads } from '../lib';

const MODEL = path.join(__dirname, '..', 'test/fixtures/genuine/trained/models/genuine_trained_fixture_v1.sda');

/**
 * Allowed RSS growth per path: over 6 times the most measured without a leak (-6 to +2.5 MB). Each path
 * runs enough calls that keeping one of its outputs per call (a 47 KB mel, a 129-186 KB waveform or
 * encoded file) grows it by 5 times the bound or more.
 */
const BOUND_MB = 16;
/**
 * A full GC every this many calls, so the results awaiting collection (up to 30 MB of them between V8's
 * own collections) do not move the readings; kept outputs would still be counted.
 */
const GC_EVERY = 20;

interface LeakPath {
  name: string;
  /** Calls before the first RSS reading. */
  warmup: number;
  iterations: number;
  /** One call; what it returns is the output a leak would keep. */
  run: () => Promise<unknown>;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 100) / 100;
const kb = (bytes: number) => Math.round((bytes / 2 ** 10) * 100) / 100;

/** RSS after a full collection, once the finalizers it queued (native buffers among them) have run. */
async function settledRss(): Promise<number> {
  const gc = global.gc;
  if (!gc) throw new Error('leak-check needs node --expose-gc');
  for (let i = 0; i < 2; i++) {
    gc();
    await nextTurn();
  }
  return process.memoryUsage.rss();
}

async function runCalls(p: LeakPath, calls: number): Promise<void> {
  for (let i = 1; i <= calls; i++) {
    await p.run();
    if (i % GC_EVERY === 0) global.gc!();
  }
}

async function main(): Promise<number> {
  const scale = Number(arg('scale') ?? '1');
  if (!(scale > 0)) throw new Error(`--scale must be a positive number; got ${arg('scale')}`);
  const only = arg('only')?.split(',');
  // One LibTorch thread: the allocations per call are the same, and with two threads on a busy two-core
  // machine every parallel region waits for a descheduled sibling (decode took 48 ms instead of 4).
  setNumThreads(Number(arg('threads') ?? '1'));

  const loaded = await loadModel(MODEL, { device: 'cpu' });
  const { model } = loaded;
  const spec = new Spectrogram(loaded.spectrogram, { device: 'cpu' });
  const pipeline = new GenerationPipeline(loaded);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-leak-check-'));
  try {
    const z = new TorchRng(1).randn([1, loaded.latentDim]);
    const decoded = await model.decode(z);
    const [nMels, frames] = model.melShape;
    const mel = { shape: [1, nMels, frames], data: decoded.data };
    const phases = new TorchRng(2).randComplex([1, spec.nFreqs, frames]);
    const rate = loaded.spectrogram.sampleRate;
    const wave = new Float32Array(rate).map((_, i) => 0.5 * Math.sin(i / 10));
    const result = await pipeline.generate({ duration: 1, seed: 7 });

    const paths: LeakPath[] = [
      { name: 'decode', warmup: 200, iterations: 2000, run: () => model.decode(z) },
      { name: 'mel', warmup: 200, iterations: 2000, run: () => spec.melSpectrogram({ shape: [1, rate], data: wave }) },
      // The default mode's inversion (fast CPU Griffin-Lim from PGHI, stopping rule).
      { name: 'inversion-fast', warmup: 40, iterations: 500, run: () => spec.melToWaveform(mel, { fast: true }) },
      // pythonCompat's inversion (torchaudio's Griffin-Lim op for op from given phases, lstsq, per item),
      // with 16 iterations instead of the app's 64 to fit the time.
      {
        name: 'inversion-exact',
        warmup: 40,
        iterations: 500,
        run: () => spec.melToWaveform(mel, { fast: false, solver: 'lstsq', perItem: true, nIter: 16, phases }),
      },
      { name: 'resample', warmup: 200, iterations: 1000, run: () => resample([wave], rate, 44100) },
      { name: 'export-wav', warmup: 100, iterations: 700, run: () => exportResult(result, dir, { fileName: 'leak.wav' }) },
      // The encoder worker's heap takes about 150 files to reach its size.
      { name: 'export-flac', warmup: 200, iterations: 700, run: () => exportResult(result, dir, { fileName: 'leak.flac', format: 'flac' }) },
      // Ogg replaces its WASM instance every 16 streams (lib/generate/encode/ogg.ts): the warm-up spans several.
      { name: 'export-ogg', warmup: 200, iterations: 700, run: () => exportResult(result, dir, { fileName: 'leak.ogg', format: 'ogg' }) },
      { name: 'export-mp3', warmup: 200, iterations: 700, run: () => exportResult(result, dir, { fileName: 'leak.mp3', format: 'mp3' }) },
    ];

    const unknown = only?.filter((name) => !paths.some((p) => p.name === name)) ?? [];
    if (unknown.length > 0) throw new Error(`--only: no path ${unknown.join(', ')}; paths: ${paths.map((p) => p.name).join(', ')}`);
    const failures: string[] = [];
    for (const p of paths) {
      if (only && !only.includes(p.name)) continue;
      const iterations = Math.max(1, Math.round(p.iterations * scale));
      await runCalls(p, p.warmup);
      const before = await settledRss();
      const t0 = Date.now();
      await runCalls(p, iterations);
      const seconds = (Date.now() - t0) / 1000;
      const after = await settledRss();
      const growthMb = mb(after - before);
      const pass = growthMb < BOUND_MB;
      console.log(JSON.stringify({
        path: p.name, iterations, warmup: p.warmup, seconds, rssBeforeMb: mb(before), rssAfterMb: mb(after), growthMb,
        growthKbPerIteration: kb((after - before) / iterations), boundMb: BOUND_MB, boundKbPerIteration: kb((BOUND_MB * 2 ** 20) / iterations), pass,
      }));
      if (!pass) {
        failures.push(`${p.name}: RSS grew ${growthMb} MB over ${iterations} calls (${kb((after - before) / iterations)} KB per call); the bound is ${BOUND_MB} MB`);
      }
    }
    for (const f of failures) console.error(`leak-check: ${f}`);
    return failures.length > 0 ? 1 : 0;
  } finally {
    spec.dispose();
    pipeline.dispose(); // and the model
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => { process.exitCode = code; },
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);
