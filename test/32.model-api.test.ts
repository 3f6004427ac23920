// The ConvVae API as callers use it: variants, input checks, crops, dispose, concurrency, saved devices.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DisposedError, InvalidArgumentError, loadModel, type LoadedModel } from '../lib';
import { readTorchFile, writeTorchFile } from '../lib/torchfile';
import { GENUINE } from './helpers/paths';
import { maxAbsDiff, readNpy } from './helpers/npy';
import { runPython } from './helpers/python';

const TRAINED = path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda');
const REFS = path.join(GENUINE, 'trained/refs');
let tmp: string;
let sda: LoadedModel;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-api-'));
  sda = await loadModel(TRAINED, { device: 'cpu' });
});
afterAll(() => {
  sda?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('32.1 distill_model: Softplus output and logvar clamped to [-20, 20]', async () => {
  runPython(path.join(__dirname, 'python/make_model_variants.py'), [TRAINED, tmp]);
  const distill = await loadModel(path.join(tmp, 'distill.distill'), { device: 'cpu' });
  try {
    expect(distill.format).toBe('distill_model');
    const z = readNpy(path.join(REFS, 'z.npy'));
    const sigmoid = readNpy(path.join(REFS, 'decoded_mel.npy')).data; // Python's Sigmoid output, same weights
    const soft = (await distill.model.decode(z.data)).data;
    // softplus(p) = -log(1 - sigmoid(p)): exact identity; float32 rounding of s limits it to ~eps / (1 - s).
    let worst = 0;
    for (let i = 0; i < soft.length; i++) {
      const s = sigmoid[i]!;
      if (s > 0.99) continue;
      worst = Math.max(worst, Math.abs(soft[i]! - -Math.log1p(-s)) / (1e-6 + Math.abs(soft[i]!)));
    }
    expect(worst).toBeLessThan(1e-4);
    const mel = readNpy(path.join(REFS, 'input_mel.npy'));
    const { mu, logvar } = await distill.model.encode({ shape: mel.shape as [number, number, number, number], data: mel.data });
    expect(maxAbsDiff(mu.data, readNpy(path.join(REFS, 'encoder_mu.npy')).data)).toBeLessThanOrEqual(1e-4);
    expect(Array.from(logvar.data).every((v) => v === 20)).toBe(true); // the +100 bias is clamped
  } finally {
    distill.dispose();
  }
});

test('32.2 latent input is checked with precise messages', async () => {
  const m = sda.model;
  await expect(m.decode(new Float32Array(65))).rejects.toThrow(/z must hold B x 64 values \(latent size 64\); got 65/);
  await expect(m.decode(new Float32Array(0))).rejects.toThrow(InvalidArgumentError);
  await expect(m.decode([new Array(64).fill(0), new Array(63).fill(0)])).rejects.toThrow(/z\[1\] must have 64 values/);
  const nan = new Float32Array(128);
  nan[70] = NaN;
  await expect(m.decode(nan)).rejects.toThrow(/z\[1\]\[6\] is NaN; every value must be finite/);
  await expect(m.decode([] as number[][])).rejects.toThrow(/empty list/);
  await expect(m.decode('zz' as unknown as Float32Array)).rejects.toThrow(/must be a Float32Array or an array of latent vectors/);
  await expect(m.decode(new Float32Array(64), { targetShape: [0, 10] })).rejects.toThrow(/targetShape height must be a positive integer/);
  const mel = { shape: [1, 1, 64, 94] as [number, number, number, number], data: new Float32Array(64 * 94) };
  await expect(m.encode(mel)).rejects.toThrow(/mel must be \[B, 1, 128, 94\] for this model .* got \[1, 1, 64, 94\]/);
  await expect(m.encode({ shape: [1, 1, 128, 94], data: new Float32Array(5) })).rejects.toThrow(/must hold 12032 values/);
});

test('32.3 targetShape crops as the Python decoder does', async () => {
  const z = readNpy(path.join(REFS, 'z.npy')).data.subarray(0, 64);
  const full = await sda.model.decode(z, { targetShape: [1000, 1000] });
  expect(full.shape).toEqual([1, 1, 128, 96]); // never more than the padded grid
  const small = await sda.model.decode(z, { targetShape: [100, 50] });
  expect(small.shape).toEqual([1, 1, 100, 50]);
  for (let r = 0; r < 100; r++) {
    for (let c = 0; c < 50; c++) expect(small.data[r * 50 + c]).toBe(full.data[r * 96 + c]);
  }
});

test('32.4 concurrent calls on one model give the results of sequential ones', async () => {
  const z = readNpy(path.join(REFS, 'z.npy')).data;
  const rows = [0, 1, 2, 3].map((i) => z.subarray(i * 64, (i + 1) * 64));
  const sequential: Float32Array[] = [];
  for (const r of rows) sequential.push((await sda.model.decode(r)).data);
  const concurrent = await Promise.all([...rows, ...rows].map((r) => sda.model.decode(r)));
  concurrent.forEach((out, i) => expect(maxAbsDiff(out.data, sequential[i % 4]!)).toBe(0));
});

test('32.5 dispose frees the model; calls in flight finish; later calls are typed errors', async () => {
  const m = await loadModel(TRAINED, { device: 'cpu' });
  const z = readNpy(path.join(REFS, 'z.npy'));
  const inFlight = m.model.decode(z.data);
  m.dispose();
  const out = await inFlight;
  expect(maxAbsDiff(out.data, readNpy(path.join(REFS, 'decoded_mel.npy')).data)).toBeLessThanOrEqual(1e-5);
  expect(m.model.disposed).toBe(true);
  await expect(m.model.decode(z.data)).rejects.toThrow(DisposedError);
  await expect(m.model.decode(z.data)).rejects.toThrow(/decode: this model has been disposed/);
  expect(() => m.model.hasEncoder).toThrow(DisposedError);
  m.dispose(); // twice is harmless
});

test('32.6 tensors saved from a CUDA device load on the requested device', async () => {
  const file = await readTorchFile(TRAINED, { storages: 'copy' });
  for (const s of file.storages) s.location = 'cuda:0';
  const cudaSaved = path.join(tmp, 'saved_on_cuda.sda');
  await writeTorchFile(cudaSaved, file.value);
  const again = await readTorchFile(cudaSaved, { storages: 'skip' });
  expect(new Set(again.storages.map((s) => s.location))).toEqual(new Set(['cuda:0']));
  const m = await loadModel(cudaSaved, { device: 'cpu' });
  try {
    expect(m.device).toBe('cpu');
    const got = await m.model.decode(readNpy(path.join(REFS, 'z.npy')).data);
    expect(maxAbsDiff(got.data, readNpy(path.join(REFS, 'decoded_mel.npy')).data)).toBeLessThanOrEqual(1e-5);
  } finally {
    m.dispose();
  }
});

test('32.7 each: a latent decodes to the same mel alone or in any batch, and to the app\'s mel within float rounding', async () => {
  const z = readNpy(path.join(REFS, 'z.npy')); // the app's latents, decoded by the app to decoded_mel.npy
  const app = readNpy(path.join(REFS, 'decoded_mel.npy')).data;
  const d = sda.latentDim;
  const n = z.data.length / d;
  expect(n).toBeGreaterThan(1);
  const batch = (await sda.model.decode(z.data, { each: true })).data;
  const per = batch.length / n;
  for (let i = 0; i < n; i++) {
    const alone = (await sda.model.decode(z.data.subarray(i * d, (i + 1) * d), { each: true })).data;
    expect(Buffer.compare(Buffer.from(alone.buffer, alone.byteOffset, alone.byteLength), Buffer.from(batch.buffer, batch.byteOffset + i * per * 4, per * 4))).toBe(0);
  }
  // Reversed batch order: each row still the same bits.
  const reversed = new Float32Array(z.data.length);
  for (let i = 0; i < n; i++) reversed.set(z.data.subarray(i * d, (i + 1) * d), (n - 1 - i) * d);
  const rev = (await sda.model.decode(reversed, { each: true })).data;
  for (let i = 0; i < n; i++) expect(maxAbsDiff(rev.subarray((n - 1 - i) * per, (n - i) * per), batch.subarray(i * per, (i + 1) * per))).toBe(0);
  // Sigmoid outputs in [0, 1]: float32 rounding of the convolutions' sums, not a different model.
  expect(maxAbsDiff(batch, app)).toBeLessThanOrEqual(1e-5);
  await expect(sda.model.decode(z.data, { each: 'yes' as never })).rejects.toThrow(/each must be a boolean/);
});
