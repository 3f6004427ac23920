// The default mode's phase reconstruction (docs/griffin-lim.md): on every chunk of every genuine model, its
// spectral convergence || |STFT(x)| - S || / || S || is at least as good as the Python app's Griffin-Lim
// (random start, 64 iterations for .sda, 128 for .distill), both measured here with the package's own STFT
// against the same target S (the app's inverse mel of the decoded mel); and it is deterministic.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_STOP_RULE, Spectrogram, TorchRng, loadModel, type Float32Tensor, type LoadedModel } from '../lib';
import { readNpy } from './helpers/npy';
import { GENUINE, ROOT } from './helpers/paths';

/** Every genuine model the repository carries, .sda and .distill. */
const MODELS = fs.readdirSync(GENUINE)
  .flatMap((dir) => {
    const models = path.join(GENUINE, dir, 'models');
    return fs.existsSync(models) ? fs.readdirSync(models).filter((f) => /\.(sda|distill)$/.test(f)).map((f) => path.join(models, f)) : [];
  })
  .sort();

/** Chunks per model: six seconds of a crossfade generation. */
const CHUNKS = 6;

interface Case {
  spec: Spectrogram;
  /** log1p mel [B, nMels, T], as decoded. */
  mel: Float32Tensor;
  /** The app's target power spectrogram [B, F, T] (relu(lstsq) of expm1(mel), torchaudio >= 2.1). */
  power: Float32Tensor;
  /** The app's random initial phases, drawn as the app draws them. */
  phases: Float32Array;
  appIterations: number;
}

/**
 * Spectral convergence of each item of `wave` [B, N] against `power` [B, F, T], over frames
 * [t0, t1) of each item (the whole item by default).
 */
async function convergence(c: Case, wave: Float32Tensor, t0 = 0, t1?: number): Promise<number[]> {
  const [B, F, T] = c.power.shape as [number, number, number];
  const mag = await c.spec.magnitude(wave);
  expect(mag.shape).toEqual([B, F, T]);
  const end = t1 ?? T;
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    let num = 0;
    let den = 0;
    for (let f = 0; f < F; f++) {
      for (let t = t0; t < end; t++) {
        const i = (b * F + f) * T + t;
        const s = Math.sqrt(Math.max(0, c.power.data[i]!));
        num += (mag.data[i]! - s) ** 2;
        den += s * s;
      }
    }
    out.push(Math.sqrt(num / den));
  }
  return out;
}

/** The app's Griffin-Lim on this case, op for op (torch stft/istft, lstsq, one chunk per call). */
function appRun(c: Case): Promise<Float32Tensor> {
  return c.spec.melToWaveform(c.mel, { nIter: c.appIterations, phases: c.phases, solver: 'lstsq', perItem: true, fast: false });
}

/** The default mode, with the options the generation pipeline passes. */
function ourRun(c: Case, mel = c.mel, phases = c.phases): Promise<Float32Tensor> {
  return c.spec.melToWaveform(mel, { nIter: c.appIterations, phases, solver: 'pinv', fast: true });
}

/** The chunks of a crossfade generation with `seed`: every latent first, then one phase per chunk (the app's order). */
async function generationChunks(m: LoadedModel, seed: number): Promise<Case> {
  const spec = new Spectrogram(m.spectrogram, { device: 'cpu' });
  const [nMels, frames] = m.model.melShape;
  const rng = new TorchRng(seed);
  const latents = Array.from({ length: CHUNKS }, () => rng.randn([1, m.latentDim]));
  const phases = new Float32Array(CHUNKS * spec.nFreqs * frames * 2);
  for (let i = 0; i < CHUNKS; i++) phases.set(rng.randComplex([1, spec.nFreqs, frames]), i * spec.nFreqs * frames * 2);
  const mel = new Float32Array(CHUNKS * nMels * frames);
  for (let i = 0; i < CHUNKS; i++) mel.set((await m.model.decode(latents[i]!)).data, i * nMels * frames);
  const lin = { shape: [CHUNKS, nMels, frames], data: Float32Array.from(mel, (v) => Math.expm1(Math.max(v, 0))) };
  return {
    spec,
    mel: { shape: [CHUNKS, nMels, frames], data: mel },
    power: await spec.inverseMel(lin, 'lstsq'),
    phases,
    appIterations: m.format === 'distill_model' ? 128 : 64,
  };
}

describe.each(MODELS.map((f) => [path.relative(GENUINE, f), f]))('58.1 %s', (_name, file) => {
  let model: LoadedModel;
  let c: Case;
  let app: number[];
  let ours: Float32Tensor;

  beforeAll(async () => {
    model = await loadModel(file, { device: 'cpu' });
    c = await generationChunks(model, 42);
    app = await convergence(c, await appRun(c));
    ours = await ourRun(c);
  });
  afterAll(() => {
    c?.spec.dispose();
    model?.dispose();
  });

  test('at least as good as the app on every chunk, in fewer or as many iterations', async () => {
    const mine = await convergence(c, ours);
    for (let i = 0; i < CHUNKS; i++) expect({ chunk: i, ours: mine[i]! <= app[i]! }).toEqual({ chunk: i, ours: true });
    expect(ours.iterations).toHaveLength(CHUNKS);
    for (const n of ours.iterations!) {
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThanOrEqual(c.appIterations);
    }
  });

  test('deterministic: the same chunks give the same samples, alone or in a batch', async () => {
    const again = await ourRun(c);
    expect(Buffer.from(again.data.buffer).equals(Buffer.from(ours.data.buffer))).toBe(true);
    expect(again.iterations).toEqual(ours.iterations);
    // Chunk 2 inverted alone (a generation batches chunks however its jobs fall into native calls).
    const [, nMels, frames] = c.mel.shape as [number, number, number];
    const per = nMels * frames;
    const ph = c.spec.nFreqs * frames * 2;
    const alone = await ourRun(c, { shape: [1, nMels, frames], data: c.mel.data.slice(2 * per, 3 * per) }, c.phases.slice(2 * ph, 3 * ph));
    const len = ours.shape[1]!;
    expect(Buffer.from(alone.data.buffer).equals(Buffer.from(ours.data.slice(2 * len, 3 * len).buffer))).toBe(true);
    expect(alone.iterations).toEqual([ours.iterations![2]]);
  });
});

// A .distill model's generation inverts one overlap-added mel of the whole clip (Distill's
// synthesize_continuous_mel): the genuine mels Distill's own code wrote, each second of them and as a whole.
const DISTILL_MELS = ['inter_crossfade_3s_mel.npy', 'inter_sliders_evo0p5_4s_mel.npy'];

describe.each(DISTILL_MELS)('58.2 distill whole-clip mel %s', (file) => {
  test('at least as good as Distill\'s 128 random-start iterations on every second and on the whole clip', async () => {
    const model = await loadModel(path.join(GENUINE, 'distill/models/head_distill_public_fixture_latent_32.distill'), { device: 'cpu' });
    const spec = new Spectrogram(model.spectrogram, { device: 'cpu' });
    const npy = readNpy(path.join(GENUINE, 'distill/refs', file));
    const [nMels, frames] = npy.shape.slice(-2) as [number, number];
    const mel = { shape: [1, nMels, frames], data: npy.data };
    const lin = { shape: [1, nMels, frames], data: Float32Array.from(npy.data, (v) => Math.expm1(Math.max(v, 0))) };
    const c: Case = {
      spec, mel, power: await spec.inverseMel(lin, 'lstsq'), phases: new TorchRng(42).randComplex([1, spec.nFreqs, frames]), appIterations: 128,
    };
    const appWave = await appRun(c);
    const ourWave = await ourRun(c);
    const second = Math.floor(model.spectrogram.sampleRate / model.spectrogram.hopLength);
    for (let t0 = 0; t0 < frames; t0 += second) {
      const t1 = Math.min(frames, t0 + second);
      const [a] = await convergence(c, appWave, t0, t1);
      const [o] = await convergence(c, ourWave, t0, t1);
      expect({ frames: [t0, t1], ours: o! <= a! }).toEqual({ frames: [t0, t1], ours: true });
    }
    const [a] = await convergence(c, appWave);
    const [o] = await convergence(c, ourWave);
    expect(o!).toBeLessThanOrEqual(a!);
    expect(ourWave.iterations![0]).toBeLessThanOrEqual(128);
    spec.dispose();
    model.dispose();
  });
});

test('58.3 the stopping rule stops early only when convergence has flattened, and nIter stays the cap', async () => {
  const model = await loadModel(path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda'), { device: 'cpu' });
  const c = await generationChunks(model, 3);
  // A loose rule stops well before the cap; no rule runs every iteration; the cap holds either way.
  const loose = await c.spec.melToWaveform(c.mel, { nIter: 64, fast: true, stop: { tolerance: 0.05, window: 4 } });
  const none = await c.spec.melToWaveform(c.mel, { nIter: 40, fast: true, stop: null });
  const byDefault = await c.spec.melToWaveform(c.mel, { nIter: 64, fast: true });
  for (const n of loose.iterations!) expect(n).toBeLessThan(32);
  expect(none.iterations).toEqual(Array(CHUNKS).fill(40));
  for (const n of byDefault.iterations!) expect(n).toBeLessThanOrEqual(64);
  // More iterations under the default rule never converge worse than the loose rule's early stop.
  const looseSc = await convergence(c, loose);
  const defaultSc = await convergence(c, byDefault);
  for (let i = 0; i < CHUNKS; i++) expect(defaultSc[i]!).toBeLessThan(looseSc[i]!);
  expect(DEFAULT_STOP_RULE.tolerance).toBeGreaterThan(0);
  c.spec.dispose();
  model.dispose();
});

test('58.4 the torch-op path (every device but the CPU loops) takes the same start and rule', async () => {
  // Without `fast`, Griffin-Lim runs as torch ops (stft/istft), the path CUDA takes; asked for the PGHI start
  // and the stopping rule there, it reaches the app's convergence as the CPU loops do.
  const model = await loadModel(path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda'), { device: 'cpu' });
  const c = await generationChunks(model, 5);
  const exactPath = await c.spec.melToWaveform(c.mel, { nIter: 64, phases: c.phases, fast: false, init: 'pghi', stop: DEFAULT_STOP_RULE });
  const loops = await ourRun(c);
  const [app, viaOps, viaLoops] = [await convergence(c, await appRun(c)), await convergence(c, exactPath), await convergence(c, loops)];
  for (let i = 0; i < CHUNKS; i++) {
    expect(viaOps[i]!).toBeLessThanOrEqual(app[i]!);
    // Same algorithm, different rounding: the two paths agree far closer than the margin over the app.
    expect(Math.abs(viaOps[i]! - viaLoops[i]!)).toBeLessThan(1e-3);
  }
  c.spec.dispose();
  model.dispose();
});

test('58.5 the FFTs through MKL\'s DFTI give the samples LibTorch\'s at::fft gives (the path of builds without MKL)', () => {
  // Each run in its own process (the choice is made once per process): three chunks in one call, and the
  // same mels end to end as one long item (blocks of 128 frames and a shorter last one).
  const script = `
    const { loadModel, Spectrogram, TorchRng } = require(${JSON.stringify(path.join(ROOT, 'dist/index.js'))});
    const { createHash } = require('crypto');
    (async () => {
      const m = await loadModel(${JSON.stringify(path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda'))}, { device: 'cpu' });
      const spec = new Spectrogram(m.spectrogram, { device: 'cpu' });
      const rng = new TorchRng(3);
      const [nMels, frames] = m.model.melShape;
      const z = Float32Array.from({ length: 3 * m.latentDim }, () => 0);
      z.set(rng.randn([3, m.latentDim]));
      const mel = (await m.model.decode(z, { each: true })).data;
      const long = new Float32Array(mel.length);
      for (let c = 0; c < 3; c++) for (let k = 0; k < nMels; k++) long.set(mel.subarray((c * nMels + k) * frames, (c * nMels + k + 1) * frames), (k * 3 + c) * frames);
      const out = [];
      for (const t of [{ shape: [3, nMels, frames], data: mel }, { shape: [1, nMels, 3 * frames], data: long }]) {
        const w = await spec.melToWaveform(t, { nIter: 16, solver: 'pinv', fast: true });
        out.push(createHash('sha1').update(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength)).digest('hex') + ':' + w.iterations.join(','));
      }
      console.log(JSON.stringify(out));
      spec.dispose();
      m.dispose();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const run = (env: NodeJS.ProcessEnv) => {
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
  };
  const env = { ...process.env };
  delete env.SDA_MKL_DFT;
  const mkl = run(env);
  const aten = run({ SDA_MKL_DFT: '0' });
  expect(mkl).toHaveLength(2);
  expect(aten).toEqual(mkl);
});

test('58.6 a whole clip split between threads gives the samples one thread gives, quiet and with every core busy', async () => {
  // 12 s of Distill's mel (its 4 s reference three times): 9 blocks, so two threads take a run of blocks
  // each, hand over where the runs meet, and with the cores busy go on alone part-way (docs/native.md).
  const script = `
    const { Spectrogram, setNumThreads, loadModel } = require(${JSON.stringify(path.join(ROOT, 'dist/index.js'))});
    const { readFileSync } = require('fs');
    const { createHash } = require('crypto');
    (async () => {
      const m = await loadModel(${JSON.stringify(path.join(GENUINE, 'distill/models/head_distill_public_fixture_latent_32.distill'))}, { device: 'cpu' });
      const spec = new Spectrogram(m.spectrogram, { device: 'cpu' });
      const [nMels, T, data] = JSON.parse(readFileSync(0, 'utf8'));
      const mel = { shape: [1, nMels, 3 * T], data: new Float32Array(nMels * 3 * T) };
      for (let k = 0; k < nMels; k++) for (let r = 0; r < 3; r++) mel.data.set(data.slice(k * T, (k + 1) * T), (k * 3 + r) * T);
      setNumThreads(Number(process.argv[1]));
      const w = await spec.melToWaveform(mel, { nIter: 64, solver: 'pinv', fast: true });
      console.log(createHash('sha1').update(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength)).digest('hex') + ':' + w.iterations.join(','));
      spec.dispose();
      m.dispose();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const ref = readNpy(path.join(GENUINE, 'distill/refs/inter_sliders_evo0p5_4s_mel.npy')); // [1, 1, nMels, T]
  const input = JSON.stringify([ref.shape[2], ref.shape[3], Array.from(ref.data)]);
  const run = (threads: number) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', script, String(threads)], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}: ${err}`))));
      child.stdin.end(input);
    });
  const one = await run(1);
  expect(one).toMatch(/^[0-9a-f]{40}:\d+$/);
  expect(await run(2)).toBe(one);
  const busy = os.cpus().map(() => spawn(process.execPath, ['-e', 'const end = Date.now() + 120000; while (Date.now() < end) {}'], { stdio: 'ignore' }));
  try {
    expect(await run(2)).toBe(one);
  } finally {
    for (const b of busy) b.kill('SIGKILL');
  }
}, 180000);
