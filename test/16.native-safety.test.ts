// The addon inside a long-running process: queued LibTorch work holds no libuv pool thread and blocks no
// synchronous call; Griffin-Lim refuses shapes it cannot invert on both paths (never a crash); every
// entry point turns bad arguments into typed errors; lifetimes (dispose, Symbol.dispose, external memory).
import { spawnSync } from 'child_process';
import * as path from 'path';
import {
  DisposedError, GenerationPipeline, InvalidArgumentError, NativeError, SdaError, Spectrogram, TorchRng, listDevices,
  getNumThreads, loadModel, readTorchFile, PyDict, TorchTensor, type LoadedModel,
} from '../lib';
import { callNativeAsync, callNativeSync } from '../lib/native/call';
import { loadAddon } from '../lib/native/loader';
import { GENUINE, ROOT } from './helpers/paths';

const MODEL = path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda');
const cfg = { sampleRate: 48000, nFft: 2048, hopLength: 512, nMels: 128, fMin: 0, fMax: null, power: 2 };

let loaded: LoadedModel;
beforeAll(async () => {
  loaded = await loadModel(MODEL, { device: 'cpu' });
});
afterAll(() => loaded?.dispose());

/** A Griffin-Lim job long enough (seconds) that anything waiting for it would be seen to wait. */
function longJob(spec: Spectrogram): Promise<unknown> {
  const frames = 94;
  const power = new Float32Array(8 * spec.nFreqs * frames).fill(1);
  return spec.griffinLim({ shape: [8, spec.nFreqs, frames], data: power }, { nIter: 400 });
}

test('16.1 with UV_THREADPOOL_SIZE=1 and generations queued, a file read completes before the first generation', () => {
  // A child process: the pool size must be set before libuv starts its pool.
  const script = `
    const fs = require('fs');
    const { loadModel, GenerationPipeline } = require(${JSON.stringify(path.join(ROOT, 'dist'))});
    (async () => {
      const p = new GenerationPipeline(await loadModel(${JSON.stringify(MODEL)}, { device: 'cpu' }));
      const order = [];
      const gens = [1, 2, 3, 4].map((seed) => p.generate({ duration: 3, seed }).then(() => order.push('generate ' + seed)));
      // Queued behind the generations' native calls: a pool thread parked on them would hold this up.
      await fs.promises.readFile(${JSON.stringify(MODEL)}).then(() => order.push('readFile'));
      await fs.promises.stat(${JSON.stringify(ROOT)}).then(() => order.push('stat'));
      await Promise.all(gens);
      p.dispose();
      process.stdout.write(JSON.stringify(order));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, UV_THREADPOOL_SIZE: '1' }, encoding: 'utf8' });
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  const order = JSON.parse(r.stdout) as string[];
  expect(order.slice(0, 2)).toEqual(['readFile', 'stat']);
  expect(order.slice(2).sort()).toEqual(['generate 1', 'generate 2', 'generate 3', 'generate 4']);
});

test('16.2 synchronous calls never wait behind queued LibTorch work', async () => {
  const spec = new Spectrogram(cfg, { device: 'cpu' });
  let done = false;
  const job = longJob(spec).then(() => (done = true));
  // Each of these used to run on the LibTorch thread while the JS thread waited for the job above.
  const rng = new TorchRng(1);
  expect(rng.randn([4])).toHaveLength(4);
  expect(rng.randComplex([1, 3])).toHaveLength(6);
  expect(listDevices().some((d) => d.id === 'cpu')).toBe(true);
  expect(getNumThreads()).toBeGreaterThanOrEqual(1);
  const other = new Spectrogram({ ...cfg, nMels: 64 }, { device: 'cpu' });
  // Had any call above waited for the job, its completion would be delivered before this check phase.
  const first = await Promise.race([job.then(() => 'job'), new Promise((r) => setImmediate(() => r('immediate')))]);
  expect(first).toBe('immediate');
  expect(done).toBe(false);
  await job;
  expect((await other.filterbank()).shape).toEqual([1025, 64]);
  other.dispose();
  spec.dispose();
});

test('16.3 TorchRng draws on the calling thread are the same stream as before (torch.manual_seed)', () => {
  // torch.manual_seed(0); torch.randn(3) -> [1.5410, -0.2934, -2.1788] (PyTorch's documented CPU stream)
  const v = new TorchRng(0).randn([3]);
  expect(Array.from(v).map((x) => Number(x.toFixed(4)))).toEqual([1.541, -0.2934, -2.1788]);
});

describe('16.4 Griffin-Lim with too few frames or too large an FFT: typed errors on both paths, never a crash', () => {
  const spec = new Spectrogram(cfg, { device: 'cpu' });
  const { binding } = loadAddon();
  const raw = binding.createSpectrogram({ ...cfg, device: 'cpu' });
  afterAll(() => spec.dispose());

  test.each([1, 2, 3])('%p frames (hop 512, n_fft 2048 needs 4)', async (frames) => {
    expect(spec.minInvertibleFrames).toBe(4);
    const power = { shape: [1, spec.nFreqs, frames], data: new Float32Array(spec.nFreqs * frames).fill(1) };
    const mel = { shape: [1, 128, frames], data: new Float32Array(128 * frames).fill(0.5) };
    for (const fast of [true, false]) {
      await expect(spec.griffinLim(power, { nIter: 2, fast })).rejects.toThrow(InvalidArgumentError);
      await expect(spec.melToWaveform(mel, { nIter: 2, fast })).rejects.toThrow(/at least 4 frames/);
      // The native guard, reached directly: the same typed refusal, before any work.
      const direct = callNativeAsync(() => raw.griffinLim(power.data, 1, frames, { nIter: 2, fast }));
      await expect(direct).rejects.toThrow(/hop_length \* \(frames - 1\) > n_fft \/ 2/);
      await expect(callNativeAsync(() => raw.melToWaveform(mel.data, 1, frames, { nIter: 2, fast }))).rejects.toThrow(InvalidArgumentError);
    }
  });

  test('n_fft 131072 with 94 frames of hop 512 is refused on both paths', async () => {
    const big = binding.createSpectrogram({ ...cfg, nFft: 131072, device: 'cpu' });
    const nFreqs = 65537;
    const power = new Float32Array(nFreqs * 94).fill(1);
    for (const fast of [true, false]) {
      const r = await callNativeAsync(() => big.griffinLim(power, 1, 94, { nIter: 1, fast })).catch((e: unknown) => e);
      expect(r).toBeInstanceOf(InvalidArgumentError);
    }
    big.dispose();
  });

  test.each([
    // [nFft, hop, frames]: the smallest invertible shapes, even and odd FFT sizes
    [2048, 512, 4],
    [2, 1, 3],
    [6, 1, 5],
    [7, 1, 5],
    [2047, 512, 4],
  ])('n_fft %p, hop %p, %p frames: both paths give the same finite waveform', async (nFft, hop, frames) => {
    const s = new Spectrogram({ ...cfg, nFft, hopLength: hop, nMels: 4 }, { device: 'cpu' });
    const F = s.nFreqs;
    const power = new Float32Array(F * frames);
    for (let i = 0; i < power.length; i++) power[i] = 1 + ((i * 7919) % 13) / 13;
    const phases = new TorchRng(3).randComplex([1, F, frames]);
    const exact = await s.griffinLim({ shape: [1, F, frames], data: power }, { nIter: 4, momentum: 0.5, phases, fast: false });
    // The same start and iteration count on both (the default mode's own start and stopping rule set aside).
    const fast = await s.griffinLim({ shape: [1, F, frames], data: power }, { nIter: 4, momentum: 0.5, phases, fast: true, init: 'phases', stop: null });
    // torch.istft's length with centre trimming: hop * (frames - 1), one more for an odd n_fft.
    expect(exact.shape).toEqual([1, hop * (frames - 1) + (nFft % 2)]);
    expect(fast.shape).toEqual(exact.shape);
    const peak = exact.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(0);
    // Same algorithm, different rounding (float32 FFT paths): agreement far tighter than any audible change.
    let worst = 0;
    for (let i = 0; i < exact.data.length; i++) worst = Math.max(worst, Math.abs(exact.data[i]! - fast.data[i]!));
    expect(worst / peak).toBeLessThan(1e-3);
    s.dispose();
  });
});

test('16.5 every native entry point turns bad arguments into InvalidArgumentError, never a crash or a TypeError', async () => {
  const { binding } = loadAddon();
  const spec = binding.createSpectrogram({ ...cfg, device: 'cpu' });
  const model = loaded.model as unknown as { handle: { decode: Function; encode: Function } };
  const bad: Array<[string, () => unknown]> = [
    ['createConvVae(null, 5)', () => binding.createConvVae(null as never, 5 as never)],
    ['createConvVae bad latentDim', () => binding.createConvVae({ distill: false, latentDim: 'x', nMels: 128, frames: 94, device: 'cpu' } as never, [])],
    ['createConvVae shape not an array', () => binding.createConvVae({ distill: false, latentDim: 64, nMels: 128, frames: 94, device: 'cpu' }, [{ key: 'a', dtype: 'float32', shape: 3, data: new Uint8Array(4) } as never])],
    ['createConvVae 2^60 frames', () => binding.createConvVae({ distill: false, latentDim: 64, nMels: 128, frames: 2 ** 60, device: 'cpu' }, [])],
    ['createSpectrogram({})', () => binding.createSpectrogram({} as never)],
    ['createSpectrogram nFft 2^30', () => binding.createSpectrogram({ ...cfg, nFft: 2 ** 30, device: 'cpu' })],
    ['createSpectrogram NaN fMin', () => binding.createSpectrogram({ ...cfg, fMin: NaN, device: 'cpu' })],
    ['createSpectrogram bad device', () => binding.createSpectrogram({ ...cfg, device: 'gpu!' })],
    ['griffinLim(string)', () => spec.griffinLim('x' as never, 1, 94, {})],
    ['griffinLim(1.5 batch)', () => spec.griffinLim(new Float32Array(1025 * 94), 1.5, 94, {})],
    ['griffinLim negative sizes', () => spec.griffinLim(new Float32Array(1025 * 94), -1, -94, {})],
    ['griffinLim nIter string', () => spec.griffinLim(new Float32Array(1025 * 94), 1, 94, { nIter: 'many' } as never)],
    ['inverseMel solver object', () => spec.inverseMel(new Float32Array(128 * 94), 1, 94, {} as never)],
    ['melSpectrogram no args', () => (spec.melSpectrogram as Function)()],
    ['resample 48001 -> 48000', () => binding.resample(new Float32Array(10), 1, 10, 48001, 48000, 'cpu')],
    ['resample bad device', () => binding.resample(new Float32Array(10), 1, 10, 48000, 44100, 5 as never)],
    ['new NativeRng(5)', () => new binding.NativeRng(5 as never)],
    ['randn([-1])', () => new binding.NativeRng(1n).randn([-1])],
    ['randn(["a"])', () => new binding.NativeRng(1n).randn(['a' as never])],
    ['randn(2^40 values)', () => new binding.NativeRng(1n).randComplex([2 ** 20, 2 ** 20])],
    ['setNumThreads("a")', () => binding.setNumThreads('a' as never)],
    ['setNumThreads(0)', () => binding.setNumThreads(0)],
    ['stopForExit("a") (refused before it stops anything)', () => binding.stopForExit('a' as never)],
    ['smokeMatmul(1, ...)', () => binding.smokeMatmul(1 as never, new Float32Array(4), new Float32Array(4), 2)],
    ['decode(string)', () => model.handle.decode('z', 1, 128, 94)],
    ['decode 2^52 batch', () => model.handle.decode(new Float32Array(64), 2 ** 52, 128, 94, false)],
    ['decode 2^52 batch, each', () => model.handle.decode(new Float32Array(64), 2 ** 52, 128, 94, true)],
    ['decode each "yes"', () => model.handle.decode(new Float32Array(64), 1, 128, 94, 'yes' as never)],
    ['encode(negative sizes)', () => model.handle.encode(new Float32Array(4), -1, -2, 2)],
  ];
  for (const [name, call] of bad) {
    let err: unknown;
    try {
      await callNativeAsync(async () => callNativeSync(call));
    } catch (e) {
      err = e;
    }
    expect([name, err instanceof InvalidArgumentError]).toEqual([name, true]);
    expect(err).not.toBeInstanceOf(NativeError);
    expect((err as SdaError).code).toBe('ERR_SDA_INVALID_ARGUMENT');
  }
  spec.dispose();
});

test('16.6 dispose, Symbol.dispose and DisposedError; the weights are reported to V8 as external memory', async () => {
  const own = await loadModel(MODEL, { device: 'cpu' });
  const handle = (own.model as unknown as { handle: { weightBytes: number } }).handle;
  // The float32 size of every weight, counted independently from the file.
  const { value } = await readTorchFile(MODEL, { storages: 'skip' });
  let want = 0;
  for (const [k, t] of ((value as PyDict).get('model_state_dict') as PyDict).entries()) {
    if (t instanceof TorchTensor && !String(k).endsWith('num_batches_tracked')) want += 4 * t.shape.reduce((a, b) => a * b, 1);
  }
  expect(handle.weightBytes).toBe(want);
  const pipeline = new GenerationPipeline(own);
  pipeline[Symbol.dispose]();
  expect(own.model.disposed).toBe(true);
  expect(handle.weightBytes).toBe(0);
  expect(pipeline.spectrogram.disposed).toBe(true);
  expect(() => new GenerationPipeline(own)).toThrow(DisposedError);
  await expect(pipeline.generate({ duration: 1, seed: 1 })).rejects.toThrow(DisposedError);
  await expect(pipeline.spectrogram.filterbank()).rejects.toThrow(DisposedError);

  const again = await loadModel(MODEL, { device: 'cpu' });
  again[Symbol.dispose]();
  expect(again.model.disposed).toBe(true);
  const spec = new Spectrogram(cfg, { device: 'cpu' });
  spec[Symbol.dispose]();
  await expect(spec.melSpectrogram({ shape: [1, 4096], data: new Float32Array(4096) })).rejects.toThrow(DisposedError);
  // A queued call finishes even when the object is disposed right after queueing it.
  const live = new Spectrogram(cfg, { device: 'cpu' });
  const queued = live.melSpectrogram({ shape: [1, 4096], data: new Float32Array(4096) });
  live.dispose();
  expect((await queued).shape).toEqual([1, 128, 9]);
});
