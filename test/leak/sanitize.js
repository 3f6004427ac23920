'use strict';
// Exercises every native path under the sanitizer build (scripts/sanitize-native.sh): model load, decode,
// encode, mel spectrogram, inverse mel (both solvers), Griffin-Lim on both paths at ordinary and edge
// shapes, resampling, refusals of shapes that cannot be inverted, bad arguments and disposal. It checks
// results only loosely; its job is to reach the code so ASan/UBSan can watch it.
const path = require('path');
const root = path.resolve(__dirname, '../..');
const sda = require(path.join(root, 'dist'));
const { loadAddon } = require(path.join(root, 'dist/native/loader'));

const MODEL = path.join(root, 'test/fixtures/genuine/trained/models/genuine_trained_fixture_v1.sda');
const cfg = { sampleRate: 48000, nFft: 2048, hopLength: 512, nMels: 128, fMin: 0, fMax: null, power: 2 };

function check(cond, what) {
  if (!cond) throw new Error(`sanitize.js: ${what}`);
}

async function refused(promiseOrFn, what) {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    check(e && typeof e.code === 'string' && e.code.startsWith('ERR_SDA_'), `${what}: untyped error ${e}`);
    return;
  }
  throw new Error(`sanitize.js: ${what} was not refused`);
}

async function main() {
  const loaded = await sda.loadModel(MODEL, { device: 'cpu' });
  const { model } = loaded;
  const z = new sda.TorchRng(1).randn([3, loaded.latentDim]);
  const mel = await model.decode(z);
  check(mel.shape.join() === '3,1,128,94', 'decode shape');
  // Each latent on its own thread (an OpenMP region), one latent and a batch.
  const each = await model.decode(z, { each: true });
  check(each.shape.join() === '3,1,128,94', 'decode each shape');
  check((await model.decode(z.subarray(0, loaded.latentDim), { each: true })).shape.join() === '1,1,128,94', 'decode each, one latent');
  const rng = new sda.TorchRng(2);
  rng.skipComplex([1, 1025, 94]);
  const enc = await model.encode(mel);
  check(enc.mu.data.length === 3 * loaded.latentDim, 'encode');

  const spec = new sda.Spectrogram(cfg, { device: 'cpu' });
  await spec.filterbank();
  const wave = new Float32Array(48000).map((_, i) => Math.sin(i / 10));
  const logMel = await spec.melSpectrogram({ shape: [1, 48000], data: wave });
  const lin = { shape: logMel.shape, data: logMel.data.map(Math.expm1) };
  for (const solver of ['pinv', 'lstsq']) await spec.inverseMel(lin, solver);
  const melData = { shape: [3, 128, 94], data: mel.data };
  for (const fast of [true, false]) {
    await spec.melToWaveform(melData, { nIter: 3, fast, phases: new sda.TorchRng(2).randComplex([3, 1025, 94]) });
    await spec.melToWaveform(melData, { nIter: 2, fast, perItem: true });
  }
  await sda.Spectrogram.prototype.magnitude.call(spec, { shape: [2, 4096], data: new Float32Array(8192) });

  // Edge shapes: the smallest invertible frame counts, even and odd FFT sizes, both paths.
  for (const [nFft, hop, frames] of [[2048, 512, 4], [2, 1, 3], [6, 1, 5], [7, 1, 5], [2047, 512, 4], [16, 3, 5]]) {
    const s = new sda.Spectrogram({ ...cfg, nFft, hopLength: hop, nMels: 4 }, { device: 'cpu' });
    const power = new Float32Array(s.nFreqs * frames * 2).fill(1);
    for (const fast of [true, false]) {
      const out = await s.griffinLim({ shape: [2, s.nFreqs, frames], data: power }, { nIter: 3, fast });
      check(out.data.every(Number.isFinite), `finite output ${nFft}/${hop}/${frames}`);
    }
    s.dispose();
  }
  // Shapes that cannot be inverted, reached natively past the JS checks.
  const { binding } = loadAddon();
  const raw = binding.createSpectrogram({ ...cfg, device: 'cpu' });
  for (const frames of [1, 2, 3]) {
    for (const fast of [true, false]) {
      await refused(raw.griffinLim(new Float32Array(1025 * frames), 1, frames, { nIter: 2, fast }), `griffinLim ${frames} frames`);
      await refused(raw.melToWaveform(new Float32Array(128 * frames), 1, frames, { nIter: 2, fast }), `melToWaveform ${frames} frames`);
    }
  }
  const big = binding.createSpectrogram({ ...cfg, nFft: 131072, device: 'cpu' });
  for (const fast of [true, false]) await refused(big.griffinLim(new Float32Array(65537 * 94), 1, 94, { nIter: 1, fast }), 'n_fft 131072');
  await refused(() => raw.griffinLim(new Float32Array(10), -1, -10, {}), 'negative sizes');
  await refused(() => binding.resample(new Float32Array(10), 1, 10, 48001, 48000, 'cpu'), 'resample kernel bound');
  await refused(() => new binding.NativeRng(1n).randn([-1]), 'negative draw');
  await refused(() => binding.createConvVae({ latentDim: 'x' }, []), 'bad config');
  const resampled = await sda.resample([new Float32Array(4800).fill(0.5)], 48000, 44100, 'cpu');
  check(resampled[0].length === 4410, 'resample length');

  // Disposal with calls in flight.
  const pending = model.decode(z);
  loaded.dispose();
  await pending;
  await refused(() => model.decode(z), 'decode after dispose');
  raw.dispose();
  big.dispose();
  spec.dispose();
  console.log('sanitize.js: all native paths exercised');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
