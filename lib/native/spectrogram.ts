/**
 * Spectrogram maths of SPEC 4 on a device (native/spectrogram.cc): torchaudio's HTK mel filterbank,
 * MelSpectrogram + log1p, inverse mel, Griffin-Lim. Construction is cheap and synchronous; the
 * filterbank, its pseudo-inverse and the window are built on the LibTorch thread on first use.
 */
import { types } from 'util';
import { InvalidArgumentError } from '../errors';
import type { NativeSpectrogram, RawInvertOptions } from './addon-types';
import { callNativeAsync, callNativeSync } from './call';
import { minInvertibleFrames, type InvertBaseOptions, type SpectrogramConfig } from './config-types';
import { resolveDevice, type DeviceSpec } from './devices';
import { NativeHandle } from './handle';
import { checkLimit } from './limits';
import { native } from './loader';

/** A row-major float32 array with its shape. */
export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
  /** Griffin-Lim results only: the iterations each batch item ran. */
  iterations?: number[];
}

/**
 * Griffin-Lim's stopping rule: after at least `minIter` iterations (default 0), stop once the spectral
 * convergence of the current estimate, || |STFT(x)| - S || / || S ||, has improved by no more than
 * `tolerance` (relative) over the last `window` iterations (default 8). `nIter` stays the cap.
 */
export interface StopRule {
  tolerance: number;
  window?: number;
  minIter?: number;
}

/** The stopping rule of the default mode (`fast`), measured in docs/griffin-lim.md. */
export const DEFAULT_STOP_RULE: Readonly<Required<StopRule>> = Object.freeze({ tolerance: 0.0005, window: 8, minIter: 0 });

export interface InvertOptions extends InvertBaseOptions {
  /** Stop early on measured convergence (`nIter` is then the cap); `null`: run all `nIter`. Default: DEFAULT_STOP_RULE with `fast`, else null. */
  stop?: StopRule | null;
}

function batchOf(t: Float32Tensor, rank: number, what: string): number {
  if (!t || !Array.isArray(t.shape) || t.shape.length !== rank || !types.isFloat32Array(t.data)) {
    throw new InvalidArgumentError(`${what} must be { shape: [${rank} sizes], data: Float32Array }`);
  }
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (n !== t.data.length) throw new InvalidArgumentError(`${what}: shape [${t.shape.join(', ')}] needs ${n} values; has ${t.data.length}`);
  return t.shape[0]!;
}

export class Spectrogram extends NativeHandle<NativeSpectrogram> {
  readonly config: SpectrogramConfig;
  readonly device: string;
  readonly nFreqs: number;

  constructor(config: SpectrogramConfig, options: { device?: DeviceSpec | string } = {}) {
    const device = resolveDevice(options.device ?? 'cpu').id;
    const binding = native();
    super(callNativeSync(() => binding.createSpectrogram({ ...config, device })), 'spectrogram');
    this.config = config;
    this.device = device;
    this.nFreqs = Math.floor(config.nFft / 2) + 1;
  }

  /** Samples of audio per chunk of `frames` mel frames: (frames - 1) * hop. */
  samplesFor(frames: number): number {
    return (frames - 1) * this.config.hopLength;
  }

  /**
   * The smallest frame count Griffin-Lim can invert: it trims `nFft / 2` samples at each end and
   * reflect-pads frames by as much, so `hop * (frames - 1)` must exceed `nFft / 2`.
   */
  get minInvertibleFrames(): number {
    return minInvertibleFrames(this.config.nFft, this.config.hopLength);
  }

  /** The mel filterbank, [nFreqs, nMels]. */
  async filterbank(): Promise<Float32Tensor> {
    const native = this.live('filterbank');
    return callNativeAsync(() => native.filterbank());
  }

  /** log1p(MelSpectrogram(waveform)): [B, N] -> [B, nMels, N / hop + 1]. */
  async melSpectrogram(waveform: Float32Tensor): Promise<Float32Tensor> {
    const b = batchOf(waveform, 2, 'waveform');
    const native = this.live('melSpectrogram');
    return callNativeAsync(() => native.melSpectrogram(waveform.data, b, waveform.shape[1]!));
  }

  /** |STFT(waveform)|: [B, N] -> [B, nFreqs, N / hop + 1]. */
  async magnitude(waveform: Float32Tensor): Promise<Float32Tensor> {
    const b = batchOf(waveform, 2, 'waveform');
    const native = this.live('magnitude');
    return callNativeAsync(() => native.magnitude(waveform.data, b, waveform.shape[1]!));
  }

  /** Linear-power spectrogram from a linear mel spectrogram: [B, nMels, T] -> [B, nFreqs, T]. */
  async inverseMel(mel: Float32Tensor, solver: 'pinv' | 'lstsq' = 'pinv'): Promise<Float32Tensor> {
    const b = this.checkMel(mel);
    const native = this.live('inverseMel');
    return callNativeAsync(() => native.inverseMel(mel.data, b, mel.shape[2]!, solver));
  }

  /** Griffin-Lim: power spectrogram [B, nFreqs, T] -> waveform [B, (T - 1) * hop], with `iterations` per item. */
  async griffinLim(spec: Float32Tensor, options: InvertOptions = {}): Promise<Float32Tensor> {
    const b = batchOf(spec, 3, 'spec');
    if (spec.shape[1] !== this.nFreqs) throw new InvalidArgumentError(`spec must have ${this.nFreqs} frequency bins; has ${spec.shape[1]}`);
    this.checkInvertible(spec.shape[2]!);
    const native = this.live('griffinLim');
    return callNativeAsync(() => native.griffinLim(spec.data, b, spec.shape[2]!, this.rawOptions(options, b, spec.shape[2]!)));
  }

  /**
   * SPEC 4 inversion of log1p-mel [B, nMels, T] (or [B, 1, nMels, T]) to waveforms [B, (T - 1) * hop],
   * with `iterations` per item.
   */
  async melToWaveform(mel: Float32Tensor, options: InvertOptions = {}): Promise<Float32Tensor> {
    const m = mel.shape?.length === 4 ? { shape: [mel.shape[0]!, mel.shape[2]!, mel.shape[3]!], data: mel.data } : mel;
    const b = this.checkMel(m);
    this.checkInvertible(m.shape[2]!);
    const native = this.live('melToWaveform');
    return callNativeAsync(() => native.melToWaveform(m.data, b, m.shape[2]!, this.rawOptions(options, b, m.shape[2]!)));
  }

  private checkInvertible(frames: number): void {
    if (frames < this.minInvertibleFrames) {
      throw new InvalidArgumentError(
        `Griffin-Lim needs at least ${this.minInvertibleFrames} frames with n_fft ${this.config.nFft} and hop ${this.config.hopLength} ` +
          `(hop * (frames - 1) > n_fft / 2); got ${frames}`,
      );
    }
  }

  private checkMel(mel: Float32Tensor): number {
    const b = batchOf(mel, 3, 'mel');
    if (mel.shape[1] !== this.config.nMels) throw new InvalidArgumentError(`mel must have ${this.config.nMels} mel bins; has ${mel.shape[1]}`);
    return b;
  }

  private rawOptions(o: InvertOptions, batch: number, frames: number): RawInvertOptions {
    const nIter = o.nIter ?? 64;
    checkLimit('griffinLimIterations', nIter, 'nIter');
    if (o.phases) {
      const want = batch * this.nFreqs * frames * 2;
      if (!types.isFloat32Array(o.phases) || o.phases.length !== want) {
        throw new InvalidArgumentError(`phases must be a Float32Array of ${want} values (complex [${batch}, ${this.nFreqs}, ${frames}])`);
      }
    }
    const fast = o.fast ?? false;
    const init = o.init ?? (fast ? 'pghi' : 'phases');
    if (init !== 'phases' && init !== 'pghi') throw new InvalidArgumentError(`init must be 'phases' or 'pghi'; got ${String(init)}`);
    const stop = o.stop === undefined ? (fast ? DEFAULT_STOP_RULE : null) : o.stop;
    const raw: RawInvertOptions = { solver: o.solver ?? 'pinv', nIter, momentum: o.momentum ?? 0.99, phases: o.phases ?? null, perItem: o.perItem ?? false, fast, init };
    if (stop) {
      const { tolerance, window = 8, minIter = 0 } = stop;
      if (!(Number.isFinite(tolerance) && tolerance >= 0 && tolerance < 1)) throw new InvalidArgumentError(`stop.tolerance must be in [0, 1); got ${tolerance}`);
      checkLimit('stopWindow', window, 'stop.window');
      checkLimit('stopMinIterations', minIter, 'stop.minIter');
      Object.assign(raw, { tolerance, stopWindow: window, minIter });
    }
    return raw;
  }
}

/**
 * Spectral convergence of a Griffin-Lim result: || |STFT(x)| - S ||_F / || S ||_F, where S is the target
 * magnitude (the square root of the power spectrogram it was inverted from). Lower is better.
 */
export async function spectralConvergence(spectrogram: Spectrogram, waveform: Float32Tensor, power: Float32Tensor): Promise<number> {
  const mag = await spectrogram.magnitude(waveform);
  if (mag.data.length !== power.data.length) {
    throw new InvalidArgumentError(`spectralConvergence: waveform gives [${mag.shape.join(', ')}], target is [${power.shape.join(', ')}]`);
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < mag.data.length; i++) {
    const s = Math.sqrt(Math.max(0, power.data[i]!));
    num += (mag.data[i]! - s) ** 2;
    den += s * s;
  }
  return Math.sqrt(num / den);
}
