/**
 * Generation options shared by `sda generate` (command-line flags) and `sda batch` (the `options` of a
 * job line): parsing with messages that name the option and the allowed values, and turning them into a
 * GenerationConfig for a loaded model (sliders need the model's latent analysis).
 */
import { InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import { randomizeSliders, slidersToLatent } from '../controls';
import { InvalidArgumentError } from '../errors';
import { MAX_DURATION_S, type BitDepth, type ConcatMode, type GenerationConfig, type OutputSampleRate, type StereoMode } from '../generate/config';
import type { AnalysisResult } from '../model/analysis';

/** The generation options in one vocabulary (CLI flags in camelCase; the keys of a batch job's options). */
export interface GenOptions {
  duration?: number;
  seed?: number;
  mode?: ConcatMode;
  stereo?: StereoMode;
  width?: number;
  rate?: OutputSampleRate;
  bitDepth?: BitDepth;
  /** Slider positions by index. */
  sliders?: Map<number, number>;
  randomSliders?: boolean;
  pythonCompat?: boolean;
}

export const GEN_OPTION_KEYS = ['duration', 'seed', 'mode', 'stereo', 'width', 'rate', 'bitDepth', 'sliders', 'randomSliders', 'pythonCompat'] as const;

const MODES: Record<string, ConcatMode> = {
  crossfade: 'crossfade',
  interpolation: 'latentInterpolation',
  'latent-interpolation': 'latentInterpolation',
  latent_interpolation: 'latentInterpolation',
  latentInterpolation: 'latentInterpolation',
};
const STEREO: Record<string, StereoMode> = {
  mono: 'mono',
  'mid-side': 'midSide',
  mid_side: 'midSide',
  midSide: 'midSide',
  'dual-seed': 'dualSeed',
  dual_seed: 'dualSeed',
  dualSeed: 'dualSeed',
};
const DEPTHS: Record<string, BitDepth> = {
  '16': '16-bit',
  '16-bit': '16-bit',
  '24': '24-bit',
  '24-bit': '24-bit',
  '32': '32-bit float',
  '32f': '32-bit float',
  float: '32-bit float',
  '32-bit float': '32-bit float',
};

function bad(message: string): never {
  throw new InvalidArgumentError(message);
}

function num(name: string, v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) bad(`${name} must be a number; got ${JSON.stringify(v)}`);
  return n;
}

export function parseDuration(v: unknown): number {
  const n = num('duration', v);
  if (!(n > 0 && n <= MAX_DURATION_S)) bad(`duration must be more than 0 and at most ${MAX_DURATION_S} seconds; got ${JSON.stringify(v)}`);
  return n;
}

export function parseSeed(v: unknown): number {
  const n = num('seed', v);
  if (!Number.isSafeInteger(n) || n < 0) bad(`seed must be a non-negative integer; got ${JSON.stringify(v)}`);
  return n;
}

export function parseCount(v: unknown): number {
  const n = num('count', v);
  if (!Number.isInteger(n) || n < 1 || n > 10000) bad(`count must be an integer from 1 to 10000; got ${JSON.stringify(v)}`);
  return n;
}

export function parsePositiveInt(name: string, max: number) {
  return (v: unknown): number => {
    const n = num(name, v);
    if (!Number.isInteger(n) || n < 1 || n > max) bad(`${name} must be an integer from 1 to ${max}; got ${JSON.stringify(v)}`);
    return n;
  };
}

export function parseMode(v: unknown): ConcatMode {
  const m = typeof v === 'string' ? MODES[v] : undefined;
  if (!m) bad(`mode must be one of crossfade, interpolation; got ${JSON.stringify(v)}`);
  return m;
}

export function parseStereo(v: unknown): StereoMode {
  const m = typeof v === 'string' ? STEREO[v] : undefined;
  if (!m) bad(`stereo must be one of mono, mid-side, dual-seed; got ${JSON.stringify(v)}`);
  return m;
}

export function parseWidth(v: unknown): number {
  const n = num('width', v);
  if (n < 0 || n > 1.5) bad(`width must be a number from 0 to 1.5; got ${JSON.stringify(v)}`);
  return n;
}

export function parseRate(v: unknown): OutputSampleRate {
  const n = num('rate', v);
  if (n !== 44100 && n !== 48000 && n !== 96000) bad(`rate must be one of 44100, 48000, 96000; got ${JSON.stringify(v)}`);
  return n;
}

export function parseBitDepth(v: unknown): BitDepth {
  const d = typeof v === 'string' || typeof v === 'number' ? DEPTHS[String(v)] : undefined;
  if (!d) bad(`bit depth must be one of 16, 24, 32f (32-bit float); got ${JSON.stringify(v)}`);
  return d;
}

/** `INDEX=POSITION` (integers), added to `previous`. */
export function parseSlider(v: string, previous?: Map<number, number>): Map<number, number> {
  const m = /^\s*(\d+)\s*=\s*(-?\d+)\s*$/.exec(v);
  if (!m) bad(`slider must be INDEX=POSITION with integers, e.g. 0=3 or 2=-5; got ${JSON.stringify(v)}`);
  const out = new Map(previous ?? []);
  out.set(Number(m[1]), Number(m[2]));
  return out;
}

/** Sliders of a batch job: `{"0": 3, "2": -1}` or a list of positions `[3, 0, -1]`. */
export function parseSliderValue(v: unknown): Map<number, number> {
  const out = new Map<number, number>();
  const put = (k: string | number, p: unknown) => {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0) bad(`sliders: ${JSON.stringify(k)} is not a slider index`);
    if (typeof p !== 'number' || !Number.isInteger(p)) bad(`sliders: the position of slider ${i} must be an integer; got ${JSON.stringify(p)}`);
    out.set(i, p);
  };
  if (Array.isArray(v)) v.forEach((p, i) => put(i, p));
  else if (v !== null && typeof v === 'object') for (const [k, p] of Object.entries(v)) put(k, p);
  else bad(`sliders must be an object {"INDEX": POSITION} or a list of positions; got ${JSON.stringify(v)}`);
  return out;
}

function bool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') bad(`${name} must be true or false; got ${JSON.stringify(v)}`);
  return v;
}

/** The options object of a batch job; unknown keys are refused. */
export function parseJobOptions(raw: unknown): GenOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) bad('options must be an object');
  const o = raw as Record<string, unknown>;
  const out: GenOptions = {};
  for (const [k, v] of Object.entries(o)) {
    switch (k) {
      case 'duration': out.duration = parseDuration(v); break;
      case 'seed': out.seed = parseSeed(v); break;
      case 'mode': out.mode = parseMode(v); break;
      case 'stereo': out.stereo = parseStereo(v); break;
      case 'width': out.width = parseWidth(v); break;
      case 'rate': out.rate = parseRate(v); break;
      case 'bitDepth': out.bitDepth = parseBitDepth(v); break;
      case 'sliders': out.sliders = parseSliderValue(v); break;
      case 'randomSliders': out.randomSliders = bool(k, v); break;
      case 'pythonCompat': out.pythonCompat = bool(k, v); break;
      default: bad(`unknown option ${JSON.stringify(k)}; known: ${GEN_OPTION_KEYS.join(', ')}`);
    }
  }
  return out;
}

/** Wraps a parser for commander: its errors become commander's (one line, exit 2). */
export function cliParser<T>(parse: (v: string, prev: T) => T): (v: string, prev: T) => T {
  return (v, prev) => {
    try {
      return parse(v, prev);
    } catch (err) {
      throw new CommanderInvalidArgument((err as Error).message);
    }
  };
}

/** What a GenOptions asks for with one model: the config and the slider positions used (when any). */
export interface ResolvedGeneration {
  config: Partial<GenerationConfig>;
  sliderPositions: number[] | null;
}

/**
 * The generation config for a model. `seed` overrides the options' seed (for --count). Sliders need the
 * model's analysis: positions not given are 0 (the centre); random sliders are drawn with the seed, so a
 * seeded run is reproducible.
 */
export function toGenerationConfig(o: GenOptions, analysis: AnalysisResult | null, seed: number | undefined = o.seed): ResolvedGeneration {
  const config: Partial<GenerationConfig> = {
    durationS: o.duration,
    seed: seed ?? null,
    concatMode: o.mode,
    stereoMode: o.stereo,
    stereoWidth: o.width,
    sampleRate: o.rate,
    bitDepth: o.bitDepth,
    pythonCompat: o.pythonCompat,
  };
  let sliderPositions: number[] | null = null;
  if ((o.sliders && o.sliders.size > 0) || o.randomSliders) {
    if (!analysis) bad('this model has no latent analysis, so it has no sliders (--slider / --random-sliders)');
    const k = analysis.nActiveComponents;
    const half = Math.floor(analysis.nSteps / 2);
    const positions = o.randomSliders ? randomizeSliders(analysis, seed) : new Array<number>(k).fill(0);
    for (const [i, p] of o.sliders ?? []) {
      if (i >= k) bad(`slider ${i} does not exist: this model has ${k} sliders (0 to ${k - 1})`);
      if (p < -half || p > half) bad(`slider ${i} position ${p} is out of range: positions go from ${-half} to ${half}`);
      positions[i] = p;
    }
    sliderPositions = positions;
    config.latentVector = Array.from(slidersToLatent(positions, analysis));
  }
  return { config, sliderPositions };
}
