/**
 * Distill's continuous mel synthesis (`synthesize_continuous_mel`): decoded mel windows, each weighted by
 * a periodic Hann window of its width, added at half-window steps, then divided by the summed window
 * (clamped at 1e-8). Float32 throughout, as torch. The loops run in slices that yield to the event loop.
 */
import { InvalidArgumentError } from '../errors';
import { runSliced, type SliceOptions } from '../util/slices';

const f = Math.fround;

/** Values per range of the loops (a window of 128 x 94 is 12,032). */
const GRAIN = 16384;

/** torch.hann_window(n) (periodic), float32: 0.5 - 0.5 cos(2 pi i / n). */
export function periodicHann(n: number): Float32Array {
  const w = new Float32Array(n);
  const step = f((2 * Math.PI) / n);
  for (let i = 0; i < n; i++) w[i] = f(f(f(Math.cos(f(i * step))) * -0.5) + 0.5);
  return w;
}

/** A mel being assembled from windows: `[nMels, totalFrames]`, row-major. */
export class MelOverlapAdd {
  readonly nMels: number;
  readonly chunkFrames: number;
  readonly hopFrames: number;
  readonly totalFrames: number;
  private readonly window: Float32Array;
  private out: Float32Array | null;
  private readonly norm: Float32Array;

  /** Every size is checked by the caller's plan (bounded by the generation's duration) before this runs. */
  constructor(nMels: number, chunkFrames: number, hopFrames: number, steps: number) {
    this.nMels = nMels;
    this.chunkFrames = chunkFrames;
    this.hopFrames = hopFrames;
    this.totalFrames = (steps - 1) * hopFrames + chunkFrames;
    this.window = periodicHann(chunkFrames);
    this.out = new Float32Array(nMels * this.totalFrames);
    this.norm = new Float32Array(this.totalFrames);
  }

  /** Adds decoded window `index` (`[nMels, chunkFrames]`, row-major) at `index * hopFrames`. */
  add(index: number, mel: Float32Array, options: SliceOptions = {}): Promise<void> {
    const out = this.live();
    const { nMels, chunkFrames: cf, totalFrames: tf, window: w, norm } = this;
    if (mel.length !== nMels * cf) throw new InvalidArgumentError(`overlap-add: a window must hold ${nMels} x ${cf} values; got ${mel.length}`);
    const start = index * this.hopFrames;
    if (!Number.isInteger(index) || index < 0 || start + cf > tf) throw new InvalidArgumentError(`overlap-add: window ${index} is outside the mel`);
    for (let j = 0; j < cf; j++) norm[start + j] = f(norm[start + j]! + w[j]!);
    return runSliced(
      (function* () {
        yield {
          n: nMels * cf,
          grain: GRAIN,
          body: (from: number, to: number) => {
            for (let k = from; k < to; k++) {
              const m = Math.floor(k / cf);
              const j = k - m * cf;
              const o = m * tf + start + j;
              out[o] = f(out[o]! + f(mel[k]! * w[j]!));
            }
          },
        };
      })(),
      options,
    );
  }

  /** The mel divided by the window sum; the assembler is spent afterwards. */
  async finish(options: SliceOptions = {}): Promise<Float32Array> {
    const out = this.live();
    this.out = null;
    const { totalFrames: tf, norm } = this;
    const clamped = norm.map((v) => (v < 1e-8 ? f(1e-8) : v));
    await runSliced(
      (function* () {
        yield {
          n: out.length,
          grain: GRAIN,
          body: (from: number, to: number) => {
            for (let k = from; k < to; k++) out[k] = f(out[k]! / clamped[k % tf]!);
          },
        };
      })(),
      options,
    );
    return out;
  }

  private live(): Float32Array {
    if (!this.out) throw new InvalidArgumentError('overlap-add: this mel is already finished');
    return this.out;
  }
}
