/**
 * The generation options of a job, in the package's one vocabulary (docs/vocabulary.md): the keys of an
 * `sda batch` job's `options` (the API's names: GenerationConfig's, plus the export's `bitDepth` and the
 * slider controls), which `sda generate` takes as kebab-case flags (lib/cli/gen-options.ts). Parsing
 * gives messages that name the option and the allowed values; toGenerationConfig turns the options into a
 * GenerationConfig for a loaded model (sliders need the model's latent analysis). Shared by the local
 * batch, `sda generate` and the queue's workers, so a job renders the same everywhere.
 */
import { randomizeSliders, slidersToLatent } from '../controls';
import { InvalidArgumentError } from '../errors';
import {
  CONCAT_MODES,
  DEFAULT_GENERATION_CONFIG as D,
  MAX_DURATION_S,
  MIN_CHUNK_DURATION_S,
  OUTPUT_SAMPLE_RATES,
  STEREO_MODES,
  type ConcatMode,
  type GenerationConfig,
  type OutputSampleRate,
  type StereoMode,
} from '../generate/config';
import { BIT_DEPTHS, DEFAULT_BIT_DEPTH, type BitDepth } from '../generate/wav';
import { EXPORT_FORMATS, type ExportFormat } from '../generate/types';
import { type ExportTags, MAX_TAG_LENGTH } from '../generate/encode/tags';
import type { AnalysisResult } from '../model/analysis';
import { DEFAULT_SPATIAL, SPATIAL_MODES, type SpatialConfig, type SpatialMode } from '../generate/spatial';

/** The generation options: the keys of a batch job's `options`, and (kebab-cased) the flags of `sda generate`. */
export interface GenOptions {
  duration?: number;
  seed?: number;
  chunkDuration?: number;
  concatMode?: ConcatMode;
  stereoMode?: StereoMode;
  stereoWidth?: number;
  sampleRate?: OutputSampleRate;
  stepsBetween?: number;
  overlapSamples?: number;
  evolutionAmount?: number;
  /** The spatial mode (GenerationConfig.spatial.mode); its width is `stereoWidth`, its depth `depth`. */
  spatial?: SpatialMode;
  depth?: number;
  /** The SOFA HRTF file of `spatial: 'binaural'`. */
  hrtf?: string;
  /** An export option (the WAV's sample format), not part of the GenerationConfig. */
  bitDepth?: BitDepth;
  /** Export options: the file's format and its tags (FLAC, Ogg and MP3 only). */
  format?: ExportFormat;
  artist?: string;
  album?: string;
  title?: string;
  /** Slider positions by index. */
  sliders?: Map<number, number>;
  randomSliders?: boolean;
  pythonCompat?: boolean;
}

export const GEN_OPTION_KEYS = [
  'duration', 'seed', 'chunkDuration', 'concatMode', 'stereoMode', 'stereoWidth', 'sampleRate', 'stepsBetween', 'overlapSamples',
  'evolutionAmount', 'spatial', 'depth', 'hrtf', 'bitDepth', 'format', 'artist', 'album', 'title', 'sliders', 'randomSliders', 'pythonCompat',
] as const satisfies ReadonlyArray<keyof GenOptions>;

function bad(message: string): never {
  throw new InvalidArgumentError(message);
}

function num(name: string, v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) bad(`${name} must be a number; got ${JSON.stringify(v)}`);
  return n;
}

function oneOf<T extends string | number>(name: string, v: unknown, allowed: readonly T[], asNumber = false): T {
  const x = asNumber && typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  // Quoted as JSON, as validateGenerationConfig does: "16" (a string) and 16 (a number) differ in a job.
  if (!(allowed as readonly unknown[]).includes(x)) bad(`${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}; got ${JSON.stringify(v)}`);
  return x as T;
}

export function parseDuration(v: unknown): number {
  const n = num('duration', v);
  if (!(n > 0 && n <= MAX_DURATION_S)) bad(`duration must be more than 0 and at most ${MAX_DURATION_S} seconds; got ${JSON.stringify(v)}`);
  return n;
}

export function parseChunkDuration(v: unknown): number {
  const n = num('chunkDuration', v);
  if (!(n >= MIN_CHUNK_DURATION_S && n <= MAX_DURATION_S)) bad(`chunkDuration must be from ${MIN_CHUNK_DURATION_S} to ${MAX_DURATION_S} seconds; got ${JSON.stringify(v)}`);
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

function numberIn(name: string, lo: number, hi: number) {
  return (v: unknown): number => {
    const n = num(name, v);
    if (n < lo || n > hi) bad(`${name} must be a number from ${lo} to ${hi}; got ${JSON.stringify(v)}`);
    return n;
  };
}

function intIn(name: string, lo: number, hi: number) {
  return (v: unknown): number => {
    const n = num(name, v);
    if (!Number.isInteger(n) || n < lo || n > hi) bad(`${name} must be an integer from ${lo} to ${hi}; got ${JSON.stringify(v)}`);
    return n;
  };
}

export const parseStepsBetween = intIn('stepsBetween', 1, 1000);
export const parseOverlapSamples = intIn('overlapSamples', 0, 48000);

export function parseConcatMode(v: unknown): ConcatMode {
  return oneOf('concatMode', v, CONCAT_MODES);
}

export function parseStereoMode(v: unknown): StereoMode {
  return oneOf('stereoMode', v, STEREO_MODES);
}

export const parseStereoWidth = numberIn('stereoWidth', 0, 1.5);

export const parseEvolutionAmount = numberIn('evolutionAmount', 0, 1);

export function parseSpatial(v: unknown): SpatialMode {
  return oneOf('spatial', v, SPATIAL_MODES);
}

export const parseDepth = numberIn('depth', 0, 1);

export function parseHrtf(v: unknown): string {
  if (typeof v !== 'string' || v === '') bad(`hrtf must be the path of a SOFA file; got ${JSON.stringify(v)}`);
  return v;
}

export function parseSampleRate(v: unknown): OutputSampleRate {
  return oneOf('sampleRate', v, OUTPUT_SAMPLE_RATES, true);
}

/** Exactly '16', '24' or '32f' (strings): `32` or `16-bit` are refused, not guessed at. */
export function parseBitDepth(v: unknown): BitDepth {
  return oneOf('bitDepth', v, BIT_DEPTHS);
}

/** The export's format: exactly 'wav', 'flac', 'ogg' or 'mp3'. */
export function parseFormat(v: unknown): ExportFormat {
  return oneOf('format', v, EXPORT_FORMATS);
}

/** A tag's text (artist, album, title): a string of at most MAX_TAG_LENGTH characters, no NUL. */
export function parseTag(name: 'artist' | 'album' | 'title') {
  return (v: unknown): string => {
    if (typeof v !== 'string') bad(`${name} must be a string; got ${JSON.stringify(v)}`);
    if (v.length > MAX_TAG_LENGTH) bad(`${name} is too long: at most ${MAX_TAG_LENGTH} characters; got ${v.length}`);
    if (v.includes('\u0000')) bad(`${name} must not contain a NUL character`);
    return v;
  };
}

/** `--sliders INDEX=POSITION[,INDEX=POSITION...]` (integers), added to `previous` (the flag repeats). */
export function parseSliderList(v: string, previous?: Map<number, number>): Map<number, number> {
  const out = new Map(previous ?? []);
  for (const pair of v.split(',')) {
    const m = /^\s*(\d+)\s*=\s*(-?\d+)\s*$/.exec(pair);
    if (!m) bad(`sliders must be INDEX=POSITION pairs with integers, e.g. 0=3 or 0=3,2=-5; got ${JSON.stringify(v)}`);
    out.set(Number(m[1]), Number(m[2]));
  }
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

function bool(name: string) {
  return (v: unknown): boolean => {
    if (typeof v !== 'boolean') bad(`${name} must be true or false; got ${JSON.stringify(v)}`);
    return v;
  };
}

/** The parser of each option's JSON value (a batch job); the CLI uses the same ones for its flags. */
const JOB_PARSERS: { [K in keyof GenOptions]-?: (v: unknown) => GenOptions[K] } = {
  duration: parseDuration,
  seed: parseSeed,
  chunkDuration: parseChunkDuration,
  concatMode: parseConcatMode,
  stereoMode: parseStereoMode,
  stereoWidth: parseStereoWidth,
  sampleRate: parseSampleRate,
  stepsBetween: parseStepsBetween,
  overlapSamples: parseOverlapSamples,
  evolutionAmount: parseEvolutionAmount,
  spatial: parseSpatial,
  depth: parseDepth,
  hrtf: parseHrtf,
  bitDepth: parseBitDepth,
  format: parseFormat,
  artist: parseTag('artist'),
  album: parseTag('album'),
  title: parseTag('title'),
  sliders: parseSliderValue,
  randomSliders: bool('randomSliders'),
  pythonCompat: bool('pythonCompat'),
};

/** The options object of a batch job; unknown keys are refused, naming the known ones. */
export function parseJobOptions(raw: unknown): GenOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) bad('options must be an object');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!Object.prototype.hasOwnProperty.call(JOB_PARSERS, k)) bad(`unknown option ${JSON.stringify(k)}; known: ${GEN_OPTION_KEYS.join(', ')}`);
    out[k] = JOB_PARSERS[k as keyof GenOptions](v);
  }
  return out as GenOptions;
}

/** What a GenOptions asks for with one model: the config, the bit depth and the slider positions used (when any). */
export interface ResolvedGeneration {
  config: Partial<GenerationConfig>;
  /** The export's bit depth (undefined: the export default). */
  bitDepth: BitDepth | undefined;
  /** The export's format (undefined: WAV). */
  format: ExportFormat | undefined;
  /** The export's tags from artist, album and title (undefined with none: Distill's defaults). */
  tags: ExportTags | undefined;
  sliderPositions: number[] | null;
}

/** The spatial config of `spatial`, `stereoWidth` (its width), `depth` and `hrtf`; null without `spatial`. */
function spatialOf(o: GenOptions): SpatialConfig | null {
  if (o.spatial === undefined) {
    if (o.depth !== undefined) bad('depth is the depth of a spatial mode: give spatial (stereo or binaural) with it');
    if (o.hrtf !== undefined) bad('hrtf is the HRTF file of spatial "binaural": give spatial binaural with it');
    return null;
  }
  if (o.hrtf !== undefined && o.spatial !== 'binaural') bad(`hrtf is only used by spatial "binaural"; got spatial ${JSON.stringify(o.spatial)}`);
  const s: SpatialConfig = { mode: o.spatial, width: o.stereoWidth ?? DEFAULT_SPATIAL.width, depth: o.depth ?? DEFAULT_SPATIAL.depth };
  if (o.hrtf !== undefined) s.hrtfPath = o.hrtf;
  return s;
}

/**
 * The generation config for a model. `seed` overrides the options' seed (for --count). Sliders need the
 * model's analysis: positions not given are 0 (the centre); random sliders are drawn with the seed, so a
 * seeded run is reproducible.
 */
export function toGenerationConfig(o: GenOptions, analysis: AnalysisResult | null, seed: number | undefined = o.seed): ResolvedGeneration {
  // Same keys on both sides; picked one by one because `o` may be a whole set of command flags.
  const { sliders, randomSliders, bitDepth, format } = o;
  const config: Partial<GenerationConfig> = {
    duration: o.duration,
    seed: seed ?? null,
    chunkDuration: o.chunkDuration,
    concatMode: o.concatMode,
    stereoMode: o.stereoMode,
    stereoWidth: o.stereoWidth,
    sampleRate: o.sampleRate,
    stepsBetween: o.stepsBetween,
    overlapSamples: o.overlapSamples,
    evolutionAmount: o.evolutionAmount,
    spatial: spatialOf(o),
    pythonCompat: o.pythonCompat,
  };
  let sliderPositions: number[] | null = null;
  if ((sliders && sliders.size > 0) || randomSliders) {
    if (!analysis) bad('this model has no latent analysis, so it has no sliders (--sliders / --random-sliders)');
    const k = analysis.nActiveComponents;
    const half = Math.floor(analysis.nSteps / 2);
    const positions = randomSliders ? randomizeSliders(analysis, seed) : new Array<number>(k).fill(0);
    for (const [i, p] of sliders ?? []) {
      if (i >= k) bad(`slider ${i} does not exist: this model has ${k} sliders (0 to ${k - 1})`);
      if (p < -half || p > half) bad(`slider ${i} position ${p} is out of range: positions go from ${-half} to ${half}`);
      positions[i] = p;
    }
    sliderPositions = positions;
    config.latentVector = Array.from(slidersToLatent(positions, analysis));
  }
  return { config, bitDepth, format, tags: exportTagsOf(o), sliderPositions };
}

/**
 * The export's tags from the options (undefined with none), after checking that the export options go
 * together: FLAC has no float samples, WAV no tags. Needs no model, so commands check it before loading one.
 */
export function exportTagsOf(o: GenOptions): ExportTags | undefined {
  const tags: ExportTags = {};
  if (o.artist !== undefined) tags.artist = o.artist;
  if (o.album !== undefined) tags.album = o.album;
  if (o.title !== undefined) tags.title = o.title;
  if (o.format === 'flac' && o.bitDepth === '32f') bad('FLAC holds integer samples: bitDepth must be "16" or "24" with format "flac"; got "32f" (32-bit float is for WAV)');
  if (Object.keys(tags).length > 0 && (o.format ?? 'wav') === 'wav') bad('artist, album and title are tags of FLAC, Ogg and MP3 files; WAV files carry none (give format flac, ogg or mp3)');
  return Object.keys(tags).length > 0 ? tags : undefined;
}
