/**
 * The generation options, one row each: the one source of their names, values, ranges, defaults, help
 * texts and sidecar keys (docs/vocabulary.md). Derived from it: GenerationConfig's defaults and checks
 * (./config.ts), the spatial and export value lists, the sidecar's key names (./sidecar.ts), the job and
 * UI parser (lib/jobs/options.ts) and the `sda generate` flags and their help (lib/cli/gen-options.ts).
 * The keys are the API's names; a job's `options` uses them as they are, a flag is the key in kebab-case.
 * A leaf: it reads only the codec modules' own value lists.
 */
import { DEFAULT_ARTIST, MAX_TAG_LENGTH } from './encode/tags';
import { BIT_DEPTHS, DEFAULT_BIT_DEPTH } from './wav';

/** A number from `min` to `max` (more than `min` with `minExclusive`); an integer with `integer`. */
export interface NumberOption {
  type: 'number';
  min: number;
  max: number;
  minExclusive?: boolean;
  integer?: boolean;
  /** The unit the value is in (`seconds`), said after the range. */
  unit?: string;
  /** Said instead of the range, where the range is not what a user thinks in (a seed). */
  rangeText?: string;
}

/** One of `values` (numbers given as text are read as numbers where the values are numbers). */
export interface EnumOption {
  type: 'enum';
  values: readonly (string | number)[];
  /** Our value -> the Python app's, where the sidecar spells it differently. */
  sidecarValues?: Readonly<Record<string, string>>;
}

export interface BooleanOption {
  type: 'boolean';
}

/** Free text of at most `maxLength` characters, no NUL (a tag). */
export interface TextOption {
  type: 'text';
  maxLength: number;
}

/** The path of a file (`hrtf`). */
export interface FileOption {
  type: 'file';
  /** What the file is, for messages and help. */
  what: string;
}

/** Slider positions by index: `{"0": 3}` or `[3, 0, -2]` (in a job), `0=3,2=-2` (a flag). */
export interface SlidersOption {
  type: 'sliders';
}

export type OptionValues = NumberOption | EnumOption | BooleanOption | TextOption | FileOption | SlidersOption;

/** One row: how its values are checked, its default, its help and its sidecar key. */
export type OptionSpec = OptionValues & {
  /**
   * The default used when the option is not given (null: none, or made at run time: `defaultText` says
   * what happens).
   */
  default: string | number | boolean | null;
  /** What an absent option does, where `default` is null or not the whole story. */
  defaultText?: string;
  /**
   * One line: what the option does (the range, values and default are added where shown). Another
   * option is named in backquotes, `stereoMode`, so each surface can write it its way (a flag: --stereo-mode).
   */
  help: string;
  /**
   * Where the Python app's sidecar (and GenerationConfig) has it, as a plain rename of the key: snake_case,
   * the app's. Absent where the sidecar has no such field or holds it elsewhere (the export's tags).
   */
  sidecarKey?: string;
};

/** The row of `key`, typed as written (`as const`), so the value lists keep their literal types. */
export const GEN_OPTIONS = {
  duration: {
    type: 'number', min: 0, minExclusive: true, max: 60, unit: 'seconds', default: 1,
    help: 'length in seconds', sidecarKey: 'duration_s',
  },
  seed: {
    type: 'number', integer: true, min: 0, max: Number.MAX_SAFE_INTEGER, rangeText: 'a non-negative integer', default: null,
    defaultText: 'drawn at random and reported', help: 'random seed', sidecarKey: 'seed',
  },
  chunkDuration: {
    type: 'number', min: 0.05, max: 60, unit: 'seconds', default: 1,
    help: 'seconds per chunk', sidecarKey: 'chunk_duration_s',
  },
  concatMode: {
    type: 'enum', values: ['crossfade', 'interpolation'], sidecarValues: { crossfade: 'crossfade', interpolation: 'latent_interpolation' },
    default: 'crossfade', help: 'how chunks are joined', sidecarKey: 'concat_mode',
  },
  stereoMode: {
    type: 'enum', values: ['mono', 'mid-side', 'dual-seed'], sidecarValues: { mono: 'mono', 'mid-side': 'mid_side', 'dual-seed': 'dual_seed' },
    default: 'mono', help: 'stereo output', sidecarKey: 'stereo_mode',
  },
  stereoWidth: {
    type: 'number', min: 0, max: 1.5, default: 0.7,
    help: 'mid-side stereo width, also the width of `spatial`', sidecarKey: 'stereo_width',
  },
  sampleRate: {
    type: 'enum', values: [44100, 48000, 96000], default: 48000,
    help: 'output sample rate in Hz', sidecarKey: 'sample_rate',
  },
  stepsBetween: {
    type: 'number', integer: true, min: 1, max: 1000, default: 10,
    help: 'interpolation points between anchors', sidecarKey: 'steps_between',
  },
  overlapSamples: {
    type: 'number', integer: true, min: 0, max: 48000, default: 2400,
    help: 'crossfade length in samples at 48 kHz', sidecarKey: 'overlap_samples',
  },
  evolutionAmount: {
    type: 'number', min: 0, max: 1, default: 0.5,
    help: "how far a slider generation wanders from the sliders' sound", sidecarKey: 'evolution_amount',
  },
  spatial: {
    type: 'enum', values: ['mono', 'stereo', 'binaural'], default: null, defaultText: 'from `stereoMode`',
    help: "spatial output, Distill's (replaces `stereoMode`: stereo is mid-side width plus `depth`, binaural needs `hrtf`)",
    sidecarKey: 'spatial',
  },
  depth: {
    type: 'number', min: 0, max: 1, default: 0.5,
    help: 'depth of `spatial` (0 close, 1 distant)', sidecarKey: 'depth',
  },
  hrtf: {
    type: 'file', what: 'a SOFA file', default: null, defaultText: 'none (`spatial` binaural needs one)',
    help: 'the SOFA HRTF file of `spatial` binaural', sidecarKey: 'hrtf_path',
  },
  bitDepth: {
    type: 'enum', values: BIT_DEPTHS, sidecarValues: { '16': '16-bit', '24': '24-bit', '32f': '32-bit float' }, default: DEFAULT_BIT_DEPTH,
    help: 'sample format, 32f being 32-bit float (WAV only; FLAC takes 16 or 24, Ogg and MP3 have none)', sidecarKey: 'bit_depth',
  },
  format: {
    type: 'enum', values: ['wav', 'flac', 'ogg', 'mp3'], default: 'wav',
    help: 'file format (flac lossless, ogg Vorbis, mp3 320 kbps)', sidecarKey: 'export_format',
  },
  artist: { type: 'text', maxLength: MAX_TAG_LENGTH, default: DEFAULT_ARTIST, help: 'artist tag of FLAC, Ogg and MP3 files' },
  album: { type: 'text', maxLength: MAX_TAG_LENGTH, default: null, defaultText: "the model's name", help: 'album tag of FLAC, Ogg and MP3 files' },
  title: { type: 'text', maxLength: MAX_TAG_LENGTH, default: null, defaultText: 'none', help: 'title tag of FLAC, Ogg and MP3 files' },
  sliders: {
    type: 'sliders', default: null, defaultText: 'all at 0',
    help: 'slider positions by index; needs a model with a latent analysis',
  },
  randomSliders: {
    type: 'boolean', default: false,
    help: 'random slider positions inside their safe ranges (drawn from the seed); `sliders` override them',
  },
  pythonCompat: {
    type: 'boolean', default: false,
    help: "reproduce the Python app's output sample for sample (whole 1 s chunks, its crossfade and solver)", sidecarKey: 'python_compat',
  },
} as const satisfies Record<string, OptionSpec>;

export type GenOptionKey = keyof typeof GEN_OPTIONS;

/** The option keys in the table's order (the order messages list them in). */
export const GEN_OPTION_KEYS = Object.freeze(Object.keys(GEN_OPTIONS)) as readonly GenOptionKey[];

/** The row of `key`, as the general OptionSpec. */
export function optionSpec(key: GenOptionKey): OptionSpec {
  return GEN_OPTIONS[key];
}

/** The row of a number option (a TypeError for any other: a bug). */
export function numberSpec(key: GenOptionKey): NumberOption & OptionSpec {
  const s = optionSpec(key);
  if (s.type !== 'number') throw new TypeError(`${key} is not a number option`);
  return s;
}

/** The sidecar key of `key` (a TypeError where it has none: a bug). */
export function sidecarKeyOf(key: GenOptionKey): string {
  const k = optionSpec(key).sidecarKey;
  if (k === undefined) throw new TypeError(`${key} has no sidecar key`);
  return k;
}

/** Whether `n` is in the range of a number option (its integer rule included). */
export function inRange(s: NumberOption, n: number): boolean {
  if (!Number.isFinite(n) || (s.integer && !Number.isInteger(n))) return false;
  return (s.minExclusive ? n > s.min : n >= s.min) && n <= s.max;
}

/**
 * What an option's values are, as messages and help say it after "must be": `an integer from 1 to 1000`,
 * `more than 0 and at most 60 seconds`, `one of "mono", "mid-side", "dual-seed"` (values quoted as JSON
 * with `quote`, as a job file writes them; bare, as a flag takes them, without).
 */
export function describeValues(s: OptionSpec, quote = true): string {
  switch (s.type) {
    case 'number': {
      if (s.rangeText !== undefined) return s.rangeText;
      const unit = s.unit ? ` ${s.unit}` : '';
      if (s.minExclusive) return `more than ${s.min} and at most ${s.max}${unit}`;
      // With a unit the value is plainly a number ("from 0.05 to 60 seconds").
      return `${s.integer ? 'an integer ' : s.unit ? '' : 'a number '}from ${s.min} to ${s.max}${unit}`;
    }
    case 'enum':
      return `one of ${s.values.map((v) => (quote ? JSON.stringify(v) : String(v))).join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'text':
      return `a string of at most ${s.maxLength} characters`;
    case 'file':
      return `the path of ${s.what}`;
    case 'sliders':
      return 'an object {"INDEX": POSITION} or a list of positions';
  }
}
