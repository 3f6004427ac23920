/**
 * The native work of a generation: decoding latents and inverting mels to waveforms, for both plans
 * (a `.sda` model's chunks, inverted chunk by chunk; a `.distill` model's overlap-added mel, inverted
 * once). Progress is counted in units of the plan: chunks, or decode steps.
 */
import { AbortedError } from '../errors';
import { griffinLimIterations } from '../model/format';
import type { LoadedModel } from '../model/load-model';
import type { Chunk } from './chunk-plan';
import { drawAnchors, firstFrames, synthesizeMel, trajectoryOf, type DistillChannelPlan } from './distill-plan';
import type { GenerateOptions } from './types';
import { TorchRng } from '../native/rng';
import type { InvertOptions, Spectrogram } from '../native/spectrogram';
import { yieldToEventLoop } from '../util/slices';

export interface RenderContext {
  loaded: LoadedModel;
  spectrogram: Spectrogram;
  /** Units done of the whole call's total (shared by every job of a generateMany stream). */
  progress: { done: number; total: number };
  options: GenerateOptions;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError('generation was aborted', { cause: signal.reason });
}

/**
 * Trajectory points a `.distill` render decodes per call in the default mode: enough to give each thread
 * several (a 60 s render has hundreds), few enough that progress and aborts stay prompt.
 */
const DECODE_GROUP = 16;

/** The latents one after another, as one batch. */
function concatLatents(latents: Float32Array[]): Float32Array {
  if (latents.length === 1) return latents[0]!;
  const out = new Float32Array(latents.reduce((n, z) => n + z.length, 0));
  let at = 0;
  for (const z of latents) {
    out.set(z, at);
    at += z.length;
  }
  return out;
}

/** Complex values per draw of a whole-mel phase (512 KB; a 60 s mel has 5.8 M). */
const PHASE_BLOCK = 65536;

/**
 * `rand(complex64)` of `count` values, drawn in blocks with the event loop served between them (one draw
 * for a 60 s mel takes ~90 ms). torch's CPU uniform draws value by value from the generator, so blocks
 * give exactly the one draw's values (test/57's parity runs depend on it).
 */
async function drawPhases(rng: TorchRng, count: number): Promise<Float32Array> {
  const out = new Float32Array(2 * count);
  for (let at = 0; at < count; at += PHASE_BLOCK) {
    out.set(rng.randComplex([Math.min(PHASE_BLOCK, count - at)]), 2 * at);
    await yieldToEventLoop();
  }
  return out;
}

/** The chunks' phases end to end, as one [b, nFreqs, frames] complex array. */
function gatherPhases(chunks: Chunk[]): Float32Array {
  const ph = new Float32Array(chunks[0]!.phase.length * chunks.length);
  chunks.forEach((c, i) => ph.set(c.phase, i * c.phase.length));
  return ph;
}

/**
 * Decodes and inverts one batch of `.sda` chunks in a native call (a single chunk, bit-exact, for the
 * Python-compatible mode). Returns one waveform per chunk.
 */
export async function renderChunks(ctx: RenderContext, chunks: Chunk[], pythonCompat: boolean): Promise<Float32Array[]> {
  const { loaded, spectrogram, progress, options: o } = ctx;
  const { model } = loaded;
  const [nMels, frames] = model.melShape;
  const nIter = griffinLimIterations(loaded.format);
  throwIfAborted(o.signal);
  const b = chunks.length;
  // A convolution's last bits depend on the batch it runs in, and Griffin-Lim's momentum amplifies them,
  // so a chunk must decode the same however jobs are batched (a seed gives the same audio from generate(),
  // generateMany() and `sda batch`): the default mode decodes the batch's latents each on its own, spread
  // over the threads; the Python-compatible mode one per call, with the app's threading.
  let mel: Float32Array;
  if (pythonCompat) {
    mel = new Float32Array(b * nMels * frames);
    for (let i = 0; i < b; i++) mel.set((await model.decode(chunks[i]!.latent)).data, i * nMels * frames);
  } else {
    mel = (await model.decode(concatLatents(chunks.map((c) => c.latent)), { each: true })).data;
  }
  o.onProgress?.({ stage: 'decode', done: progress.done, total: progress.total });
  throwIfAborted(o.signal);
  // The app's random start needs the chunks' phases; the default mode starts from the magnitude (PGHI),
  // and its chunks carry no phase (chunk-plan.ts).
  const options: InvertOptions = pythonCompat
    ? { nIter, phases: gatherPhases(chunks), solver: 'lstsq', perItem: true, fast: false }
    : { nIter, solver: 'pinv', fast: true, init: 'pghi' };
  const wave = await spectrogram.melToWaveform({ shape: [b, nMels, frames], data: mel }, options);
  const len = wave.shape[1]!;
  const audio: Float32Array[] = [];
  for (let i = 0; i < b; i++) audio.push(wave.data.subarray(i * len, (i + 1) * len));
  progress.done += b;
  o.onProgress?.({ stage: 'invert', done: progress.done, total: progress.total });
  return audio;
}

/**
 * One channel of a `.distill` generation: the anchors and trajectory drawn from its seed, each point
 * decoded and overlap-added, then one Griffin-Lim over the whole mel (with pythonCompat from one phase
 * draw after the anchors, from the same stream, as Distill's global torch generator gives them).
 */
export async function renderDistillChannel(ctx: RenderContext, plan: DistillChannelPlan, pythonCompat: boolean): Promise<Float32Array> {
  const { loaded, spectrogram, progress, options: o } = ctx;
  const { model } = loaded;
  const nMels = model.melShape[0];
  throwIfAborted(o.signal);
  const rng = new TorchRng(plan.seed);
  const trajectory = trajectoryOf(plan, drawAnchors(plan, rng, loaded.latentDim));
  // Distill decodes one point per forward pass with LibTorch's threads, and so does pythonCompat; the
  // default mode decodes DECODE_GROUP points per call, each on its own thread (decode's `each`), so no
  // thread waits at the barriers of small parallel ops (docs/native.md, "Threads in a generation").
  const decode = async (latents: Float32Array[], frames: number): Promise<Float32Array[]> => {
    const r = await model.decode(concatLatents(latents), { targetShape: [nMels, frames], each: !pythonCompat });
    const size = nMels * frames;
    return latents.map((_, i) => r.data.subarray(i * size, (i + 1) * size));
  };
  const step = () => {
    progress.done++;
    o.onProgress?.({ stage: 'decode', done: progress.done, total: progress.total });
    throwIfAborted(o.signal);
  };
  const mel = await synthesizeMel(plan, trajectory, nMels, decode, step, pythonCompat ? 1 : DECODE_GROUP);
  const frames = plan.invertFrames;
  const data = firstFrames(mel, nMels, plan.steps.totalFrames, frames);
  const nIter = griffinLimIterations(loaded.format);
  // Distill's random start, or the default mode's own inversion: its initial phase comes from the
  // magnitude (PGHI) and it stops on measured convergence, so no phase is drawn for it.
  const options: InvertOptions = pythonCompat
    ? { nIter, phases: await drawPhases(rng, spectrogram.nFreqs * frames), solver: 'lstsq', perItem: true, fast: false }
    : { nIter, solver: 'pinv', fast: true, init: 'pghi' };
  const wave = await spectrogram.melToWaveform({ shape: [1, nMels, frames], data }, options);
  o.onProgress?.({ stage: 'invert', done: progress.done, total: progress.total });
  return wave.data;
}
