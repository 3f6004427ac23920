/**
 * The generation options of a job, in the package's one vocabulary (docs/vocabulary.md): the keys of an
 * `sda batch` job's `options` (the API's names: GenerationConfig's, plus the export's `bitDepth` and the
 * slider controls), which `sda generate` takes as kebab-case flags (lib/cli/gen-options.ts) and the UI's
 * render requests as they are (lib/ui/api.ts). Each option's parser is made from its row of the options
 * table (lib/generate/options-table.ts), with messages that name the option and the allowed values;
 * toGenerationConfig turns the options into a GenerationConfig for a loaded model (sliders need the
 * model's latent analysis). Shared by the local batch, `sda generate`, the UI and the queue's workers, so
 * a job renders the same everywhere.
 */
import { randomizeSliders, slidersToLatent } from '../controls';
import { InvalidArgumentError } from '../errors';
import type { ConcatMode, GenerationConfig, OutputSampleRate, StereoMode } from '../generate/config';
import { describeValues, GEN_OPTION_KEYS, inRange, optionSpec, type GenOptionKey } from '../generate/options-table';
import type { BitDepth } from '../generate/wav';
import type { ExportFormat } from '../generate/types';
import type { ExportTags } from '../generate/encode/tags';
import type { AnalysisResult } from '../model/analysis';
import { DEFAULT_SPATIAL, type SpatialConfig, type SpatialMode } from '../generate/spatial';

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

// The table and GenOptions name the same options.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const sameKeys: Same<GenOptionKey, keyof GenOptions> = true;
void sameKeys;

function bad(message: string): never {
  throw new InvalidArgumentError(message);
}

/** A number, or text that is one (a flag's value). */
function num(name: string, v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) bad(`${name} must be a number; got ${JSON.stringify(v)}`);
  return n;
}

/** The parser of one option, from its row of the table: the value as GenOptions holds it, or an InvalidArgumentError. */
function parserOf(key: GenOptionKey): (v: unknown) => unknown {
  const s = optionSpec(key);
  const refuse = (v: unknown): never => bad(`${key} must be ${describeValues(s)}; got ${JSON.stringify(v)}`);
  switch (s.type) {
    case 'number':
      return (v) => {
        const n = num(key, v);
        return inRange(s, n) ? n : refuse(v);
      };
    case 'enum': {
      const numeric = s.values.every((a) => typeof a === 'number');
      return (v) => {
        // Text is read as a number only where the values are numbers: "16" (a string) and 16 differ in a job.
        const x = numeric && typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
        return (s.values as readonly unknown[]).includes(x) ? x : refuse(v);
      };
    }
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : refuse(v));
    case 'text':
      return (v) => {
        if (typeof v !== 'string') bad(`${key} must be a string; got ${JSON.stringify(v)}`);
        if (v.length > s.maxLength) bad(`${key} is too long: at most ${s.maxLength} characters; got ${v.length}`);
        if (v.includes('\u0000')) bad(`${key} must not contain a NUL character`);
        return v;
      };
    case 'file':
      return (v) => (typeof v === 'string' && v !== '' ? v : refuse(v));
    case 'sliders':
      return parseSliderValue;
  }
}

/** The parser of each option's JSON value (a batch job, a UI request); the CLI uses the same ones for its flags. */
const PARSERS = Object.fromEntries(GEN_OPTION_KEYS.map((k) => [k, parserOf(k)])) as { [K in keyof GenOptions]-?: (v: unknown) => GenOptions[K] };

/** Parses one option's value (JSON, or a flag's text): what a job, a UI request and a flag are checked with. */
export function parseOption<K extends keyof GenOptions>(key: K, v: unknown): NonNullable<GenOptions[K]> {
  return PARSERS[key](v) as NonNullable<GenOptions[K]>;
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
  else bad(`sliders must be ${describeValues(optionSpec('sliders'))}; got ${JSON.stringify(v)}`);
  return out;
}

/** The options object of a batch job; unknown keys are refused, naming the known ones. */
export function parseJobOptions(raw: unknown): GenOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) bad('options must be an object');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!Object.prototype.hasOwnProperty.call(PARSERS, k)) bad(`unknown option ${JSON.stringify(k)}; known: ${GEN_OPTION_KEYS.join(', ')}`);
    out[k] = PARSERS[k as keyof GenOptions](v);
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
  return { config, bitDepth, format, tags: checkOptionPairs(o), sliderPositions };
}

/**
 * Checks that the options go together (FLAC has no float samples, WAV no tags, binaural output needs an
 * HRTF file) and returns the export's tags (undefined with none). Needs no model, so commands check it
 * before loading one.
 */
export function checkOptionPairs(o: GenOptions): ExportTags | undefined {
  const tags: ExportTags = {};
  if (o.artist !== undefined) tags.artist = o.artist;
  if (o.album !== undefined) tags.album = o.album;
  if (o.title !== undefined) tags.title = o.title;
  if (o.format === 'flac' && o.bitDepth === '32f') bad('FLAC holds integer samples: bitDepth must be "16" or "24" with format "flac"; got "32f" (32-bit float is for WAV)');
  if (Object.keys(tags).length > 0 && (o.format ?? 'wav') === 'wav') bad('artist, album and title are tags of FLAC, Ogg and MP3 files; WAV files carry none (give format flac, ogg or mp3)');
  if (o.spatial === 'binaural' && o.hrtf === undefined) {
    bad('spatial "binaural" needs hrtf (sda generate: --hrtf FILE), a SOFA HRTF file (for example MIT_KEMAR_normal_pinna.sofa from sofacoustics.org; Distill does not ship one)');
  }
  return Object.keys(tags).length > 0 ? tags : undefined;
}
