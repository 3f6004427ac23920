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
