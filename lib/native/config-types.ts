/**
 * The configurations the native code is built from. They belong to lib/native (the layer that owns the
 * addon), so nothing here imports from a layer above; lib/model reads them from saved files.
 */

/** `sda_model` (the `.sda` app's network) or `distill_model` (Distill's: Softplus output, clamped logvar). */
export type ConvVaeFormat = 'sda_model' | 'distill_model';

/** The mel-spectrogram settings of SPEC 4 (a saved model's `spectrogram_config`, camelCase). */
export interface SpectrogramConfig {
  sampleRate: number;
  nFft: number;
  hopLength: number;
  nMels: number;
  fMin: number;
  /** null means sampleRate / 2. */
  fMax: number | null;
  power: number;
}

/** The ConvVAE's sizes: latent size, mel bins (H) and frames of one chunk (W = one second). */
export interface ConvVaeShape {
  latentDim: number;
  nMels: number;
  frames: number;
}

/**
 * The fewest frames Griffin-Lim can invert with this FFT size and hop: it trims and reflect-pads
 * n_fft / 2 samples at each end of a chunk, so `hop * (frames - 1) > n_fft / 2`.
 */
export function minInvertibleFrames(nFft: number, hopLength: number): number {
  return Math.floor(Math.floor(nFft / 2) / hopLength) + 2;
}

/** The inversion options the TypeScript wrapper and the addon share (`InvertOptions` adds the stopping rule). */
export interface InvertBaseOptions {
  /** `pinv` (default: a pseudo-inverse computed once per config) or `lstsq` (gels, as the Python app). */
  solver?: 'pinv' | 'lstsq';
  /** Griffin-Lim iterations (64 for sda_model, 128 for distill_model). */
  nIter?: number;
  /** Griffin-Lim momentum (0.99). */
  momentum?: number;
  /** Initial phases, complex64 interleaved [B, nFreqs, T, 2] (TorchRng.randComplex); absent: all ones. */
  phases?: Float32Array | null;
  /** Invert batch items one by one, exactly as torchaudio does for one chunk (slower). */
  perItem?: boolean;
  /**
   * The package's own inversion (the default mode), not bit-identical to torchaudio: on CPU, Griffin-Lim
   * as plain loops around LibTorch's FFTs (several times faster, same iteration), and by default the
   * initial phase from the magnitude (`init: 'pghi'`) and the stopping rule DEFAULT_STOP_RULE. Without
   * it, torchaudio's Griffin-Lim op for op (random or given phases, all `nIter` iterations).
   */
  fast?: boolean;
  /**
   * Initial phase: `'phases'` (the `phases` above, or ones) or `'pghi'` (phase-gradient heap integration
   * from the magnitude itself; `phases` is then unused). Default: `'pghi'` with `fast`, else `'phases'`.
   */
  init?: 'phases' | 'pghi';
}
