/** The `spectrogram_config` dict of a saved model (SPEC 4), camelCase in TypeScript. */
import { ModelFormatError } from '../errors';
import { PyDict, type PyValue } from '../torchfile';

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

function num(v: PyValue | undefined, key: string, file: string | undefined, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < 0) {
    throw new ModelFormatError(`spectrogram_config.${key} must be a ${integer ? 'non-negative integer' : 'non-negative number'}`, { file, key: `spectrogram_config.${key}` });
  }
  return n;
}

/** Reads `spectrogram_config` (missing keys take the defaults, as the Python dataclass does). */
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
  for (const key of ['sampleRate', 'nFft', 'hopLength', 'nMels'] as const) {
    if (cfg[key] < 1) throw new ModelFormatError(`spectrogram_config: ${key} must be at least 1`, { file });
  }
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
