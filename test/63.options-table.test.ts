// One source for the generation options (lib/generate/options-table.ts): every surface that takes them
// agrees with the table. The flags of `sda generate` and their help, the job parser, the UI's request
// parser, the API's validation, the spatial check and the sidecar's keys; each range bound is accepted and
// a step past it refused everywhere, with the same message where the surfaces share a parser.
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { buildProgram } from '../lib/cli/program';
import { GENERATION_FLAGS, cliParser, flagName } from '../lib/cli/gen-options';
import { DEFAULT_GENERATION_CONFIG, validateGenerationConfig, type GenerationConfig } from '../lib/generate/config';
import { GEN_OPTIONS, GEN_OPTION_KEYS, describeValues, numberSpec, optionSpec, type GenOptionKey, type NumberOption } from '../lib/generate/options-table';
import { PYTHON_BIT_DEPTH, PYTHON_CONCAT_MODE, PYTHON_STEREO_MODE, configToPythonDict } from '../lib/generate/sidecar';
import { validateSpatial } from '../lib/generate/spatial';
import { parseJobOptions, parseOption } from '../lib/jobs/options';
import { UI_OPTION_KEYS, parseRenderOptions } from '../lib/ui/render-options';
import { ROOT } from './helpers/paths';

/** The message a call throws, or null when it does not throw. */
function errorOf(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

const CONFIG_KEYS = new Set(Object.keys(DEFAULT_GENERATION_CONFIG));
const UI_KEYS = new Set<string>(UI_OPTION_KEYS);
const flagOf = (key: string) => GENERATION_FLAGS.find((f) => f.key === key);

/** The help of `sda generate`, one entry per flag with its wrapped lines joined (as test/84 reads it). */
function generateHelpEntries(): Map<string, string> {
  const generate = buildProgram().commands.find((c: Command) => c.name() === 'generate')!;
  const entries = new Map<string, string>();
  let last: string | undefined;
  for (const line of generate.helpInformation().split('\n')) {
    const m = /^ {2}(?:-\w, )?(--[\w-]+)/.exec(line);
    if (m) {
      last = m[1]!;
      entries.set(last, line.trim());
    } else if (last && /^ {3,}\S/.test(line)) entries.set(last, `${entries.get(last)} ${line.trim()}`);
    else last = undefined;
  }
  return entries;
}

/** The number options, with a step past each bound (1 for integers; beyond the last safe integer, 2). */
const NUMBER_KEYS = GEN_OPTION_KEYS.filter((k) => optionSpec(k).type === 'number');
function step(s: NumberOption, at: number): number {
  return s.integer ? (at >= Number.MAX_SAFE_INTEGER ? 2 : 1) : 1e-3;
}

test('63.1 every option of the table is a flag of sda generate, with its range or values and its default in the help', () => {
  expect(GENERATION_FLAGS.map((f) => f.key).sort()).toEqual([...GEN_OPTION_KEYS].sort());
  const help = generateHelpEntries();
  for (const key of GEN_OPTION_KEYS) {
    const s = optionSpec(key);
    const entry = help.get(flagName(key));
    expect({ key, listed: entry !== undefined }).toEqual({ key, listed: true });
    if (s.type === 'number' || s.type === 'enum') expect({ key, entry }).toEqual({ key, entry: expect.stringContaining(describeValues(s, false)) });
    if (s.default !== null && s.type !== 'boolean' && s.defaultText === undefined) {
      expect({ key, entry }).toEqual({ key, entry: expect.stringContaining(`(default: ${JSON.stringify(s.default)})`) });
    }
    // A switch takes no value; every other flag parses its value with the job parser.
    expect({ key, switch: flagOf(key)!.parse === undefined }).toEqual({ key, switch: s.type === 'boolean' });
  }
});

test('63.2 the defaults of the API and of spatial are the table\'s', () => {
  for (const key of CONFIG_KEYS) {
    if (key === 'latentVector') continue;
    expect({ key, value: DEFAULT_GENERATION_CONFIG[key as keyof GenerationConfig] }).toEqual({ key, value: optionSpec(key as GenOptionKey).default });
  }
  expect(() => validateSpatial({ mode: 'stereo', width: GEN_OPTIONS.stereoWidth.max, depth: GEN_OPTIONS.depth.max })).not.toThrow();
  expect(() => validateSpatial({ mode: 'stereo', width: GEN_OPTIONS.stereoWidth.max + 1e-3, depth: 0 })).toThrow(/spatial\.width must be a number from 0 to 1\.5/);
  expect(() => validateSpatial({ mode: 'stereo', width: 0, depth: GEN_OPTIONS.depth.max + 1e-3 })).toThrow(/spatial\.depth must be a number from 0 to 1/);
});

test('63.3 each number bound is accepted and a step past it refused by the flag, the job, the UI request and the API', () => {
  for (const key of NUMBER_KEYS) {
    const s = numberSpec(key);
    const flag = flagOf(key)!;
    const cli = (v: number) => errorOf(() => cliParser(flag.parse as (v: string, p: unknown) => unknown)(String(v), undefined));
    const job = (v: unknown) => errorOf(() => parseJobOptions({ [key]: v }));
    const ui = (v: unknown) => errorOf(() => parseRenderOptions({ [key]: v }));
    const api = (v: number) => errorOf(() => validateGenerationConfig({ [key]: v } as Partial<GenerationConfig>));
    const inside = [s.minExclusive ? s.min + step(s, s.min) : s.min, s.max];
    const outside = [s.min - step(s, s.min), ...(s.minExclusive ? [s.min] : []), s.max + step(s, s.max)];
    for (const v of inside) {
      expect({ key, v, cli: cli(v), job: job(v) }).toEqual({ key, v, cli: null, job: null });
      if (UI_KEYS.has(key)) expect({ key, v, ui: ui(v) }).toEqual({ key, v, ui: null });
      if (CONFIG_KEYS.has(key)) expect({ key, v, api: api(v) }).toEqual({ key, v, api: null });
    }
    for (const v of outside) {
      const message = job(v);
      expect({ key, v, message }).toEqual({ key, v, message: `${key} must be ${describeValues(s)}; got ${JSON.stringify(v)}` });
      // A flag's value is text: the same message, about the text given.
      expect({ key, v, cli: cli(v) }).toEqual({ key, v, cli: errorOf(() => parseOption(key, String(v))) });
      expect({ key, v, cliRefused: cli(v) !== null }).toEqual({ key, v, cliRefused: true });
      if (UI_KEYS.has(key)) expect({ key, v, ui: ui(v) }).toEqual({ key, v, ui: message });
      if (CONFIG_KEYS.has(key)) expect({ key, v, api: api(v) }).toEqual({ key, v, api: expect.stringMatching(new RegExp(`^${key} must be `)) });
    }
    if (s.integer) expect({ key, fraction: job(s.min + 0.5) }).toEqual({ key, fraction: `${key} must be ${describeValues(s)}; got ${s.min + 0.5}` });
  }
});

test('63.4 each value of a list is accepted and any other refused, with the same message by the job and the UI request', () => {
  for (const key of GEN_OPTION_KEYS) {
    const s = optionSpec(key);
    if (s.type !== 'enum') continue;
    for (const v of s.values) {
      expect({ key, v, job: errorOf(() => parseJobOptions({ [key]: v })), cli: errorOf(() => parseOption(key, String(v))) }).toEqual({ key, v, job: null, cli: null });
      if (CONFIG_KEYS.has(key) && key !== 'spatial') expect({ key, v, api: errorOf(() => validateGenerationConfig({ [key]: v })) }).toEqual({ key, v, api: null });
    }
    const message = errorOf(() => parseJobOptions({ [key]: 'no-such-value' }));
    expect(message).toBe(`${key} must be ${describeValues(s)}; got "no-such-value"`);
    if (UI_KEYS.has(key)) expect({ key, ui: errorOf(() => parseRenderOptions({ [key]: 'no-such-value' })) }).toEqual({ key, ui: message });
    if (CONFIG_KEYS.has(key) && key !== 'spatial') expect({ key, api: errorOf(() => validateGenerationConfig({ [key]: 'no-such-value' } as never)) }).toEqual({ key, api: message });
  }
  // The UI takes slider positions as a job does, and refuses them alike.
  expect(parseRenderOptions({ sliders: [3, 0, -1] }).sliders).toEqual(parseJobOptions({ sliders: [3, 0, -1] }).sliders);
  expect(errorOf(() => parseRenderOptions({ sliders: [1.5] }))).toBe(errorOf(() => parseJobOptions({ sliders: [1.5] })));
  // Absent, null and empty values are options not given.
  expect(parseRenderOptions({ duration: '', seed: null, stereoMode: undefined, modelId: 'x' })).toEqual({});
});

test('63.5 the sidecar spells each option with the table\'s key and values', () => {
  const config = validateGenerationConfig({ duration: 0.5, seed: 3, concatMode: 'interpolation', stereoMode: 'mid-side', spatial: { mode: 'binaural', hrtfPath: 'h.sofa' } as GenerationConfig['spatial'] });
  const dict = configToPythonDict(config, 3, '32f', 'flac');
  const spatial = dict.spatial as Record<string, unknown>;
  const expected: Record<string, unknown> = {
    duration: 0.5, seed: 3, chunkDuration: 1, stereoWidth: 0.7, sampleRate: 48000, stepsBetween: 10, overlapSamples: 2400, evolutionAmount: 0.5, pythonCompat: false,
    concatMode: 'latent_interpolation', stereoMode: 'mid_side', bitDepth: '32-bit float', format: 'flac',
  };
  for (const [key, value] of Object.entries(expected)) {
    const sidecarKey = optionSpec(key as GenOptionKey).sidecarKey!;
    expect({ key, sidecarKey, value: dict[sidecarKey] }).toEqual({ key, sidecarKey, value });
  }
  expect(spatial[GEN_OPTIONS.depth.sidecarKey]).toBe(0.5);
  expect(spatial[GEN_OPTIONS.hrtf.sidecarKey]).toBe('h.sofa');
  expect(PYTHON_CONCAT_MODE).toEqual(GEN_OPTIONS.concatMode.sidecarValues);
  expect(PYTHON_STEREO_MODE).toEqual(GEN_OPTIONS.stereoMode.sidecarValues);
  expect(PYTHON_BIT_DEPTH).toEqual(GEN_OPTIONS.bitDepth.sidecarValues);
});

test('63.6 docs/vocabulary.md lists the table as it is: each option\'s flag, values, default and sidecar key', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'vocabulary.md'), 'utf8');
  const rows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const m = /^\| `(\w+)` \|(.*)\|$/.exec(line);
    if (m) rows.set(m[1]!, m[2]!.split(' | ').map((c) => c.trim()));
  }
  for (const key of GEN_OPTION_KEYS) {
    const s = optionSpec(key);
    const [flag, values, dflt, sidecar] = rows.get(key) ?? [];
    expect({ key, flag, values, dflt }).toEqual({
      key, flag: expect.stringContaining(`\`${flagName(key)}\``), values: describeValues(s).replace(/\|/g, '\\|'), dflt: s.defaultText ?? JSON.stringify(s.default),
    });
    if (s.sidecarKey) expect({ key, sidecar }).toEqual({ key, sidecar: expect.stringContaining(`\`${s.sidecarKey}\``) });
  }
});

test("63.7 the README's list of a job's options names every option of the table", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const list = /\(options: exactly the API's names and values, `([^`]+)`/.exec(readme)?.[1];
  expect(list?.split(/,\s*/).sort()).toEqual([...GEN_OPTION_KEYS].sort());
});
