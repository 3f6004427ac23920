/**
 * bench/distill-convergence: how close a `.distill` generation is to the mels it decoded, in the default
 * mode and with pythonCompat (Distill's algorithm), for a few durations and seeds; then a 60 s default
 * render's time and event-loop delay. Measure (docs/generation.md): spectral convergence
 * `|| g |STFT(x)| - S || / || S ||` of the written samples x, S the magnitude the overlap-added mel asks
 * for (sqrt of its lstsq inverse mel), g the least-squares gain, over the frames both cover. Prints JSON.
 *
 *   npx tsx bench/distill-convergence.ts [--model file.distill]
 */
import * as path from 'path';
import { monitorEventLoopDelay, performance } from 'perf_hooks';
import { GenerationPipeline, loadModel, type GenerationConfig } from '../lib';
import { drawAnchors, planDistill, synthesizeMel, trajectoryOf } from '../lib/generate/distill-plan';
import { TorchRng } from '../lib/native/rng';
import { GENUINE } from './paths';

const i = process.argv.indexOf('--model');
const MODEL = i >= 0 ? process.argv[i + 1]! : path.join(GENUINE, 'distill/models/head_distill_public_fixture_latent_32.distill');

async function main(): Promise<void> {
  const p = new GenerationPipeline(await loadModel(MODEL, { device: 'cpu' }));
  const { loaded, spectrogram } = p;
  const [nMels, decoderFrames] = loaded.model.melShape;
  const g = {
    latentDim: loaded.latentDim, nMels, decoderFrames, hop: loaded.spectrogram.hopLength,
    nFreqs: spectrogram.nFreqs, minFrames: spectrogram.minInvertibleFrames,
  };

  async function convergence(x: Float32Array, c: GenerationConfig): Promise<number> {
    const plan = planDistill(c, [c.seed!], loaded.spectrogram.sampleRate, g).channels[0]!;
    const trajectory = trajectoryOf(plan, drawAnchors(plan, new TorchRng(c.seed!), loaded.latentDim));
    const mel = await synthesizeMel(plan, trajectory, nMels, async (zs, f) => [(await loaded.model.decode(zs[0]!, { targetShape: [nMels, f] })).data]);
    const T = plan.steps.totalFrames;
    const power = await spectrogram.inverseMel({ shape: [1, nMels, T], data: mel.map((v) => Math.expm1(Math.max(0, v))) }, 'lstsq');
    const mag = await spectrogram.magnitude({ shape: [1, x.length], data: x });
    const M = mag.shape[2]!;
    const frames = Math.min(M, T);
    const pairs = function* () {
      for (let f = 0; f < spectrogram.nFreqs; f++) {
        for (let t = 0; t < frames; t++) yield [mag.data[f * M + t]!, Math.sqrt(Math.max(0, power.data[f * T + t]!))] as const;
      }
    };
    let xs = 0;
    let xx = 0;
    let ss = 0;
    for (const [a, s] of pairs()) {
      xs += a * s;
      xx += a * a;
      ss += s * s;
    }
    const gain = xs / xx;
    let num = 0;
    for (const [a, s] of pairs()) num += (gain * a - s) ** 2;
    return Math.sqrt(num / ss);
  }

  const runs = [];
  for (const [duration, seed] of [[3, 42], [3, 1], [3, 2], [5.5, 7], [8, 3]] as const) {
    const compat = await p.generate({ duration, seed, pythonCompat: true });
    const ours = await p.generate({ duration, seed });
    runs.push({
      duration, seed,
      default: +(await convergence(ours.channels[0]!, ours.config)).toFixed(4),
      pythonCompat: +(await convergence(compat.channels[0]!, compat.config)).toFixed(4),
    });
  }
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = performance.now();
  const long = await p.generate({ duration: 60, seed: 5 });
  h.disable();
  p.dispose();
  console.log(JSON.stringify({
    model: path.basename(MODEL),
    convergence: runs,
    render60s: { ms: Math.round(performance.now() - t0), samples: long.channels[0]!.length, eventLoopDelayMaxMs: +(h.max / 1e6).toFixed(1) },
  }, null, 2));
}

void main();
