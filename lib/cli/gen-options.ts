/**
 * The generation options as `sda generate` flags: each flag is a job option's name (lib/jobs/options.ts)
 * in kebab-case, derived here by {@link flagName} so the two cannot drift apart, with the same values
 * (`mid-side`, `interpolation`, `32f`) and the same parsers; commander's wrappers and the help texts.
 */
import { InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import {
  CONCAT_MODES,
  DEFAULT_GENERATION_CONFIG as D,
  MAX_DURATION_S,
  MIN_CHUNK_DURATION_S,
  OUTPUT_SAMPLE_RATES,
  STEREO_MODES,
} from '../generate/config';
import { BIT_DEPTHS, DEFAULT_BIT_DEPTH } from '../generate/wav';
import {
  parseBitDepth,
  parseChunkDuration,
  parseConcatMode,
  parseDepth,
  parseDuration,
  parseEvolutionAmount,
  parseFormat,
  parseHrtf,
  parseOverlapSamples,
  parseSampleRate,
  parseSeed,
  parseSliderList,
  parseSpatial,
  parseStepsBetween,
  parseStereoMode,
  parseStereoWidth,
  parseTag,
  type GenOptions,
} from '../jobs/options';
import { EXPORT_FORMATS } from '../generate/types';
import { DEFAULT_SPATIAL, SPATIAL_MODES } from '../generate/spatial';
import { DEFAULT_ARTIST } from '../generate/encode/tags';

/** The command-line flag of an option: its name in kebab-case (`stereoMode` -> `--stereo-mode`). */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
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

/** One generation flag of `sda generate`: its option key (the flag is flagName(key)) and its help. */
export interface GenerationFlag {
  key: keyof GenOptions;
  /** A one-letter short form, for the most used flags. */
  short?: string;
  /** The value placeholder (none for a switch). */
  arg?: string;
  description: string;
  parse?: (v: string, prev: never) => unknown;
}

/** ` (default: x)` as commander writes the defaults it is given, so every default in a help reads alike. */
function dflt(v: unknown): string {
  return ` (default: ${JSON.stringify(v)})`;
}

/**
 * The flags of `sda generate`, in help order. Commander is given no defaults for these (an absent flag
 * leaves the option to GenerationConfig's default, so a job and a command agree), so the description
 * states the default, taken from DEFAULT_GENERATION_CONFIG / DEFAULT_BIT_DEPTH, once.
 */
export const GENERATION_FLAGS: readonly GenerationFlag[] = [
  { key: 'duration', short: 'd', arg: '<seconds>', description: `length in seconds, more than 0 and at most ${MAX_DURATION_S}${dflt(D.duration)}`, parse: parseDuration },
  { key: 'seed', short: 's', arg: '<n>', description: 'random seed (a non-negative integer; drawn and printed when absent); with --count N the clips use seed, seed+1, ...', parse: parseSeed },
  { key: 'concatMode', arg: '<mode>', description: `how chunks are joined: ${CONCAT_MODES.join(' or ')}${dflt(D.concatMode)}`, parse: parseConcatMode },
  { key: 'stereoMode', arg: '<mode>', description: `${STEREO_MODES.join(', ')}${dflt(D.stereoMode)}`, parse: parseStereoMode },
  { key: 'stereoWidth', arg: '<w>', description: `mid-side stereo width, also the width of --spatial, 0 to 1.5${dflt(D.stereoWidth)}`, parse: parseStereoWidth },
  {
    key: 'spatial',
    arg: '<mode>',
    description: `spatial output: ${SPATIAL_MODES.join(', ')} (Distill's; replaces --stereo-mode: stereo is mid-side width plus depth, binaural needs --hrtf) (default: from --stereo-mode)`,
    parse: parseSpatial,
  },
  { key: 'depth', arg: '<d>', description: `depth of --spatial, 0 (close) to 1 (distant)${dflt(DEFAULT_SPATIAL.depth)}`, parse: parseDepth },
  { key: 'hrtf', arg: '<file>', description: 'the SOFA HRTF file of --spatial binaural', parse: parseHrtf },
  { key: 'sampleRate', short: 'r', arg: '<hz>', description: `output sample rate: ${OUTPUT_SAMPLE_RATES.join(', ')}${dflt(D.sampleRate)}`, parse: parseSampleRate },
  { key: 'bitDepth', short: 'b', arg: '<bits>', description: `sample format: ${BIT_DEPTHS.join(', ')} (32-bit float, WAV only); FLAC takes 16 or 24, Ogg and MP3 have none${dflt(DEFAULT_BIT_DEPTH)}`, parse: parseBitDepth },
  { key: 'format', arg: '<format>', description: `file format: ${EXPORT_FORMATS.join(', ')} (flac lossless, ogg Vorbis, mp3 320 kbps)${dflt('wav')}`, parse: parseFormat },
  { key: 'artist', arg: '<text>', description: `artist tag of FLAC, Ogg and MP3 files${dflt(DEFAULT_ARTIST)}`, parse: parseTag('artist') },
  { key: 'album', arg: '<text>', description: 'album tag of FLAC, Ogg and MP3 files (default: the model\'s name)', parse: parseTag('album') },
  { key: 'title', arg: '<text>', description: 'title tag of FLAC, Ogg and MP3 files (default: none)', parse: parseTag('title') },
  { key: 'chunkDuration', arg: '<seconds>', description: `seconds per chunk, ${MIN_CHUNK_DURATION_S} to ${MAX_DURATION_S}${dflt(D.chunkDuration)}`, parse: parseChunkDuration },
  { key: 'stepsBetween', arg: '<n>', description: `interpolation points between anchors, 1 to 1000${dflt(D.stepsBetween)}`, parse: parseStepsBetween },
  { key: 'overlapSamples', arg: '<n>', description: `crossfade length in samples at 48 kHz, 0 to 48000${dflt(D.overlapSamples)}`, parse: parseOverlapSamples },
  {
    key: 'sliders',
    arg: '<index=position,...>',
    description: 'slider positions, e.g. 0=5,2=-3 (repeatable; the others stay at 0); needs a model with a latent analysis',
    parse: (v: string, prev?: Map<number, number>) => parseSliderList(v, prev),
  },
  { key: 'evolutionAmount', arg: '<a>', description: `how far a slider generation wanders from the sliders' sound, 0 to 1${dflt(D.evolutionAmount)}`, parse: parseEvolutionAmount },
  { key: 'randomSliders', description: 'random slider positions inside their safe ranges (drawn from the seed); --sliders values override them' },
  { key: 'pythonCompat', description: "reproduce the Python app's output sample for sample (whole 1 s chunks, its crossfade and solver)" },
];

/**
 * Flags of 0.1 renamed in 0.2.0 (not accepted: one spelling only), so the usage error can say what to
 * write instead of guessing by spelling.
 */
export const RENAMED_FLAGS: Readonly<Record<string, string>> = Object.freeze({
  '--mode': '--concat-mode',
  '-m': '--concat-mode',
  '--stereo': '--stereo-mode',
  '--width': '--stereo-width',
  '--rate': '--sample-rate',
  '--slider': '--sliders',
});

/** The commander flags string of a generation flag: `-d, --duration <seconds>`. */
export function flagSpec(f: GenerationFlag): string {
  return `${f.short ? `-${f.short}, ` : ''}${flagName(f.key)}${f.arg ? ` ${f.arg}` : ''}`;
}

