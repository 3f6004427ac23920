/** The `spectrogram_config` dict of a saved model (SPEC 4), camelCase in TypeScript. */
import { ModelFormatError } from '../errors';
import { minInvertibleFrames, type SpectrogramConfig } from '../native/config-types';
import { PyDict, type PyValue } from '../torchfile';

/** The Python app's `SpectrogramConfig()` defaults. */
export const DEFAULT_SPECTROGRAM_CONFIG: Readonly<SpectrogramConfig> = Object.freeze({
  sampleRate: 48000,
  nFft: 2048,
  hopLength: 512,
  nMels: 128,
  fMin: 0.0,
  fMax: null,
  power: 2.0,
});

/** Mel frames in one second: `sample_rate // hop_length + 1` (T of SPEC 3). */
export function framesPerSecond(cfg: SpectrogramConfig): number {
  return Math.floor(cfg.sampleRate / cfg.hopLength) + 1;
}

/**
 * Bounds on a spectrogram config, checked before anything is allocated from it. Real models (48000 Hz,
 * n_fft 2048, hop 512, 128 mels; the Distill app the same) are far inside; each bound stops a value that
 * would make the filterbank, the STFT, the ConvVAE or the resampler ask for gigabytes. See docs/limits.md.
 */
export const SPECTROGRAM_LIMITS = Object.freeze({
  sampleRate: { min: 8000, max: 192000 },
  nFft: { min: 16, max: 32768 },
  hopLength: { min: 1 },
  nMels: { min: 1, max: 1024 },
  /** Mel frames of one decoded chunk (T of SPEC 3). */
  frames: { min: 2, max: 65536 },
  /** Bins x frames of one chunk's complex spectrogram (what Griffin-Lim holds several copies of). */
  stftElements: 1 << 25,
  power: { max: 4 },
  /** Elements of a torchaudio-style resampling kernel from the model's rate to an output rate. */
  resampleKernelElements: 1 << 20,
});

/** The sample rates generated audio can be written at (the resampler's targets). */
export const OUTPUT_SAMPLE_RATES: readonly number[] = [44100, 48000, 96000];

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Elements of the windowed-sinc kernel torchaudio's `Resample` builds from `fromRate` to `toRate`
 * (`new/g` filters of `2 * width + orig/g` taps, g = gcd, width = ceil(6 * orig/g / (0.99 * min/g))):
 * small for related rates (48000 -> 44100: 25,578), huge for coprime ones (48001 -> 48000: 2.3e9).
 */
export function resampleKernelElements(fromRate: number, toRate: number): number {
  if (fromRate === toRate) return 0;
  const g = gcd(fromRate, toRate);
  const orig = fromRate / g;
  const next = toRate / g;
  const width = Math.ceil((6 * orig) / (0.99 * Math.min(orig, next)));
  return next * (2 * width + orig);
}

/** The parts of a spectrogram config that size allocations, with the frames of one chunk. */
export interface SpectrogramGeometry {
  sampleRate: number;
  nFft: number;
  hopLength: number;
  nMels: number;
  frames: number;
}

function outOfRange(key: string, value: number, range: string, why: string, file?: string): ModelFormatError {
  return new ModelFormatError(`spectrogram_config.${key} is ${value}; allowed: ${range} (${why})`, { file, key: `spectrogram_config.${key}` });
}

/**
 * Checks a (sampleRate, nFft, hopLength, nMels, frames) combination before anything is allocated from it:
 * each in its range (SPECTROGRAM_LIMITS), the hop at most n_fft and the sample rate, enough frames for
 * Griffin-Lim (`hop * (frames - 1) > n_fft / 2`), a bounded STFT, and a bounded resampling kernel to every
 * output rate. Throws a ModelFormatError naming the key and the allowed range.
 */
export function checkSpectrogramGeometry(g: SpectrogramGeometry, file?: string): void {
  const L = SPECTROGRAM_LIMITS;
  const int = (key: string, value: number, min: number, max: number, why: string) => {
    if (!Number.isSafeInteger(value) || value < min || value > max) throw outOfRange(key, value, `an integer in [${min}, ${max}]`, why, file);
  };
  int('sample_rate', g.sampleRate, L.sampleRate.min, L.sampleRate.max, 'audio rates a model is trained at');
  int('n_fft', g.nFft, L.nFft.min, L.nFft.max, 'the mel filterbank and STFT grow with it');
  int('hop_length', g.hopLength, L.hopLength.min, Math.min(g.nFft, g.sampleRate), 'Griffin-Lim needs hop_length <= n_fft, and at most one second per frame');
  int('n_mels', g.nMels, L.nMels.min, L.nMels.max, 'mel bins of the ConvVAE input');
  int('frames', g.frames, L.frames.min, L.frames.max, 'mel frames of one chunk, from sample_rate // hop_length + 1');
  if (g.frames < minInvertibleFrames(g.nFft, g.hopLength)) {
    throw outOfRange(
      'hop_length',
      g.hopLength,
      `hop_length * (frames - 1) > n_fft / 2 = ${g.nFft / 2} with ${g.frames} frames`,
      'Griffin-Lim trims n_fft / 2 samples at each end of a chunk',
      file,
    );
  }
  const bins = Math.floor(g.nFft / 2) + 1;
  if (bins * g.frames > L.stftElements) {
    throw outOfRange('hop_length', g.hopLength, `(n_fft / 2 + 1) x frames <= ${L.stftElements}; here ${bins} x ${g.frames}`, 'the spectrogram of one chunk', file);
  }
  for (const rate of OUTPUT_SAMPLE_RATES) {
    const n = resampleKernelElements(g.sampleRate, rate);
    if (n > L.resampleKernelElements) {
      throw outOfRange(
        'sample_rate',
        g.sampleRate,
        `a rate whose resampling kernel to ${OUTPUT_SAMPLE_RATES.join(', ')} Hz has at most ${L.resampleKernelElements} elements (to ${rate} Hz it would have ${n})`,
        'e.g. 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 192000',
        file,
      );
    }
  }
}

/** Checks a whole config: {@link checkSpectrogramGeometry} for one-second chunks, and f_min, f_max, power. */
export function checkSpectrogramConfig(cfg: SpectrogramConfig, file?: string): void {
  checkSpectrogramGeometry({ ...cfg, frames: framesPerSecond(cfg) }, file);
  const nyquist = cfg.sampleRate / 2;
  if (!Number.isFinite(cfg.fMin) || cfg.fMin < 0 || cfg.fMin >= nyquist) {
    throw outOfRange('f_min', cfg.fMin, `a number in [0, sample_rate / 2 = ${nyquist})`, 'the lowest mel band edge', file);
  }
  if (cfg.fMax !== null && (!Number.isFinite(cfg.fMax) || cfg.fMax <= cfg.fMin || cfg.fMax > nyquist)) {
    throw outOfRange('f_max', cfg.fMax, `None or a number in (f_min = ${cfg.fMin}, sample_rate / 2 = ${nyquist}]`, 'the highest mel band edge', file);
  }
  if (!Number.isFinite(cfg.power) || cfg.power <= 0 || cfg.power > SPECTROGRAM_LIMITS.power.max) {
    throw outOfRange('power', cfg.power, `a number in (0, ${SPECTROGRAM_LIMITS.power.max}]`, 'the spectrogram exponent (2 = power)', file);
  }
}

function num(v: PyValue | undefined, key: string, file: string | undefined, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < 0) {
    throw new ModelFormatError(`spectrogram_config.${key} must be a ${integer ? 'non-negative integer' : 'non-negative number'}`, { file, key: `spectrogram_config.${key}` });
  }
  return n;
}

/** Reads `spectrogram_config` (missing keys take the defaults, as the Python dataclass does) and checks its bounds. */
export function spectrogramConfigFromPy(value: PyValue | undefined, file?: string): SpectrogramConfig {
  if (value === undefined || value === null) return { ...DEFAULT_SPECTROGRAM_CONFIG };
  if (!(value instanceof PyDict)) throw new ModelFormatError('spectrogram_config must be a dict', { file, key: 'spectrogram_config' });
  const d = DEFAULT_SPECTROGRAM_CONFIG;
  const fMaxRaw = value.get('f_max');
  const cfg: SpectrogramConfig = {
    sampleRate: num(value.get('sample_rate'), 'sample_rate', file, true) ?? d.sampleRate,
    nFft: num(value.get('n_fft'), 'n_fft', file, true) ?? d.nFft,
    hopLength: num(value.get('hop_length'), 'hop_length', file, true) ?? d.hopLength,
    nMels: num(value.get('n_mels'), 'n_mels', file, true) ?? d.nMels,
    fMin: num(value.get('f_min'), 'f_min', file, false) ?? d.fMin,
    fMax: fMaxRaw === null || fMaxRaw === undefined ? null : num(fMaxRaw, 'f_max', file, false)!,
    power: num(value.get('power'), 'power', file, false) ?? d.power,
  };
  checkSpectrogramConfig(cfg, file);
  return cfg;
}

/** The dict the Python app stores (ints as Python ints, floats as Python floats). */
export function spectrogramConfigToPy(cfg: SpectrogramConfig): PyDict {
  return new PyDict([
    ['sample_rate', BigInt(cfg.sampleRate)],
    ['n_fft', BigInt(cfg.nFft)],
    ['hop_length', BigInt(cfg.hopLength)],
    ['n_mels', BigInt(cfg.nMels)],
    ['f_min', cfg.fMin],
    ['f_max', cfg.fMax],
    ['power', cfg.power],
  ]);
}
