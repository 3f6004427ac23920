// The same inputs give the same samples whatever else the machine is doing (docs/native.md, "The same
// seed, the same audio"): Griffin-Lim amplifies any last-bit difference of its FFTs and least-squares
// solve, so a thread count that followed the load would show here as a second waveform.
import { spawn, type ChildProcess } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { Spectrogram, DEFAULT_SPECTROGRAM_CONFIG, TorchRng, numericsInfo } from '../lib';
import { readNpy } from './helpers/npy';
import { GENUINE } from './helpers/paths';
import { sha1 } from './helpers/torch-interop';

/** One busy-loop process per core, each ending by itself after `seconds` if nothing kills it first. */
function busyLoops(seconds: number): ChildProcess[] {
  const loop = `const end = Date.now() + ${seconds * 1000}; while (Date.now() < end) {}`;
  return os.cpus().map(() => spawn(process.execPath, ['-e', loop], { stdio: 'ignore' }));
}

test('59.1 Distill\'s 128-iteration inversion and the default mode\'s give the same samples with every core busy', async () => {
  // MKL's dynamic threading is what made results follow the load (3 of 12 inversions differed with both
  // cores busy, 0 of 33 without it); it must be off in this process too, whose process.env is Jest's copy.
  const numerics = await numericsInfo();
  if (process.env.MKL_DYNAMIC === undefined && numerics.mklDynamic !== null) expect(numerics.mklDynamic).toBe(false);
  const mel = readNpy(path.join(GENUINE, 'distill/refs/inter_crossfade_3s_mel.npy')); // [1, 1, 128, T]
  const T = mel.shape[3]!;
  const spec = new Spectrogram({ ...DEFAULT_SPECTROGRAM_CONFIG }, { device: 'cpu' });
  const phases = new TorchRng(42).randComplex([1, spec.nFreqs, T]);
  const input = { shape: [1, 128, T], data: mel.data };
  const compat = async () => sha1((await spec.melToWaveform(input, { nIter: 128, phases, solver: 'lstsq', perItem: true })).data);
  const fast = async () => sha1((await spec.melToWaveform(input, { nIter: 128, fast: true })).data);
  const quiet = [await compat(), await fast()];
  const busy = busyLoops(90);
  try {
    for (let i = 0; i < 2; i++) expect([await compat(), await fast()]).toEqual(quiet);
  } finally {
    for (const b of busy) b.kill('SIGKILL');
  }
  spec.dispose();
});
