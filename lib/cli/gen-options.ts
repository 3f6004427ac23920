/**
 * The generation options as `sda generate` flags: each flag is a job option's name in kebab-case
 * ({@link flagName}), parsed by the job parser (lib/jobs/options.ts) and described from the options
 * table (lib/generate/options-table.ts): its help, its values or range and its default. Here are only
 * what a command line adds: the order, the short forms, the value placeholders and a few notes.
 */
import { InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import { describeValues, optionSpec, type OptionSpec } from '../generate/options-table';
import { parseOption, parseSliderList, type GenOptions } from '../jobs/options';

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

/** What the command line adds to an option's row: its short form, placeholder and a note on flag use. */
interface FlagExtra {
  key: keyof GenOptions;
  short?: string;
  arg?: string;
  note?: string;
}

/** The flags in help order. Commander is given no defaults: an absent flag leaves the option to the API's default. */
const FLAG_EXTRAS: readonly FlagExtra[] = [
  { key: 'duration', short: 'd', arg: '<seconds>' },
  { key: 'seed', short: 's', arg: '<n>', note: 'with --count N the clips use seed, seed+1, ...' },
  { key: 'concatMode', arg: '<mode>' },
  { key: 'stereoMode', arg: '<mode>' },
  { key: 'stereoWidth', arg: '<w>' },
  { key: 'spatial', arg: '<mode>' },
  { key: 'depth', arg: '<d>' },
  { key: 'hrtf', arg: '<file>' },
  { key: 'sampleRate', short: 'r', arg: '<hz>' },
  { key: 'bitDepth', short: 'b', arg: '<bits>' },
  { key: 'format', arg: '<format>' },
  { key: 'artist', arg: '<text>' },
  { key: 'album', arg: '<text>' },
  { key: 'title', arg: '<text>' },
  { key: 'chunkDuration', arg: '<seconds>' },
  { key: 'stepsBetween', arg: '<n>' },
  { key: 'overlapSamples', arg: '<n>' },
  { key: 'sliders', arg: '<index=position,...>', note: 'e.g. 0=5,2=-3 (repeatable; the others stay at 0)' },
  { key: 'evolutionAmount', arg: '<a>' },
  { key: 'randomSliders' },
  { key: 'pythonCompat' },
];

/** An option's help as a flag's: other options named as flags (`stereoMode` -> --stereo-mode). */
function asFlagText(text: string): string {
  return text.replace(/`([a-zA-Z]+)`/g, (_, key: string) => flagName(key));
}

/** ` (default: x)` as commander writes the defaults it is given, so every default in a help reads alike. */
function defaultText(s: OptionSpec): string {
  if (s.defaultText !== undefined) return ` (default: ${asFlagText(s.defaultText)})`;
  return s.default === null || s.type === 'boolean' ? '' : ` (default: ${JSON.stringify(s.default)})`;
}

/** A flag's description: the option's help, its values or range (for a flag with a value), a note, its default. */
function describeFlag(x: FlagExtra): string {
  const s = optionSpec(x.key);
  const values = x.arg === undefined || s.type === 'text' || s.type === 'file' || s.type === 'sliders' ? '' : `: ${describeValues(s, false)}`;
  return `${asFlagText(s.help)}${values}${x.note ? `; ${x.note}` : ''}${defaultText(s)}`;
}

/** The flags of `sda generate`, in help order, each described from the options table. */
export const GENERATION_FLAGS: readonly GenerationFlag[] = FLAG_EXTRAS.map((x) => ({
  ...x,
  description: describeFlag(x),
  ...(x.arg === undefined ? {} : { parse: x.key === 'sliders' ? (v: string, prev?: Map<number, number>) => parseSliderList(v, prev) : (v: string) => parseOption(x.key, v) }),
}));

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

