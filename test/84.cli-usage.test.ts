// Bad usage exits 2 with exactly one line on stderr; every command has --help with examples and exit codes.
import { DEFAULT_BIT_DEPTH, DEFAULT_GENERATION_CONFIG } from '../lib';
import { sda, tmpDir } from './helpers/cli';

const BAD: Array<[string[], RegExp]> = [
  [['generate', '--duration', '0'], /^error: option '-d, --duration <seconds>' argument '0' is invalid\. duration must be more than 0 and at most 60 seconds/],
  [['generate', '--duration', '61'], /duration must be more than 0 and at most 60/],
  [['generate', '--seed', '-1'], /seed must be a non-negative integer/],
  [['generate', '--sample-rate', '22050'], /sampleRate must be one of 44100, 48000, 96000/],
  [['generate', '--bit-depth', '8'], /bitDepth must be one of "16", "24", "32f"/],
  // Exactly the documented values: 32 is not taken as 32f, nor the 0.1 API's spellings.
  [['generate', '--bit-depth', '32'], /^error: option '-b, --bit-depth <bits>' argument '32' is invalid\. bitDepth must be one of "16", "24", "32f"; got "32"/],
  [['generate', '--bit-depth', '24-bit'], /bitDepth must be one of "16", "24", "32f"/],
  [['generate', '--concat-mode', 'zigzag'], /concatMode must be one of "crossfade", "interpolation"/],
  [['generate', '--concat-mode', 'latentInterpolation'], /concatMode must be one of "crossfade", "interpolation"/],
  [['generate', '--stereo-mode', 'quad'], /stereoMode must be one of "mono", "mid-side", "dual-seed"/],
  [['generate', '--stereo-mode', 'midSide'], /stereoMode must be one of "mono", "mid-side", "dual-seed"/],
  [['generate', '--stereo-width', '2'], /stereoWidth must be a number from 0 to 1\.5/],
  [['generate', '--sliders', 'three=4'], /sliders must be INDEX=POSITION pairs/],
  [['generate', '--chunk-duration', '0.01'], /chunkDuration must be from 0\.05 to 60 seconds/],
  [['generate', '--steps-between', '0'], /stepsBetween must be an integer from 1 to 1000/],
  // The flags of 0.1 are gone (one spelling); the error names the new one.
  [['generate', '--stereo', 'mid-side'], /^error: unknown option '--stereo' \(renamed --stereo-mode in 0\.2\.0\)\n$/],
  [['generate', '--rate', '44100'], /^error: unknown option '--rate' \(renamed --sample-rate in 0\.2\.0\)\n$/],
  [['generate', '--mode', 'interpolation'], /^error: unknown option '--mode' \(renamed --concat-mode in 0\.2\.0\)\n$/],
  [['generate', '--width', '1'], /^error: unknown option '--width' \(renamed --stereo-width in 0\.2\.0\)\n$/],
  [['generate', '--slider', '0=1'], /^error: unknown option '--slider' \(renamed --sliders in 0\.2\.0\)\n$/],
  [['generate', '--count', '0'], /count must be an integer from 1 to 10000/],
  [['generate', '--name', 'sub/x.wav'], /^sda: ERR_SDA_USAGE: --name must be a plain file name ending in \.wav/],
  [['generate', '--sliders', '99=1', '-d', '0.2'], /^sda: ERR_SDA_INVALID_ARGUMENT: slider 99 does not exist: this model has \d+ sliders/],
  [['generate', '--sliders', '0=11', '-d', '0.2'], /^sda: ERR_SDA_INVALID_ARGUMENT: slider 0 position 11 is out of range: positions go from -10 to 10/],
  [['generate', '--device', 'tpu'], /^sda: ERR_SDA_\w+: .*tpu/],
  [['generate', '--bogus'], /^error: unknown option '--bogus'/],
  [['generate', 'a', 'b'], /^error: too many arguments for 'generate'/],
  [['batch'], /^error: missing required argument 'jobs'/],
  [['batch', 'x.jsonl', '--parallel', '0'], /parallel must be an integer from 1 to 64/],
  [['model'], /^error: missing subcommand|Usage: sda model/],
  [['model', 'frobnicate'], /^error: unknown command 'frobnicate'/],
  [['model', 'list', '--sort', 'colour'], /^sda: ERR_SDA_USAGE: --sort must be a catalog field/],
  [['model', 'info'], /^error: missing required argument 'model'/],
  [['convert', 'x.pt'], /^error: required option '--name <name>' not specified/],
  [['convert', 'x.pt', '--name', 'n', '--format', 'onnx'], /format must be sda or distill/],
  [['inspect'], /^error: missing required argument 'file'/],
  [['inspect', 'x', '--depth', 'deep'], /depth must be a number/],
];

test('84.1 bad arguments: exit 2 and one line on stderr, nothing on stdout', () => {
  const cwd = tmpDir('usage');
  for (const [args, message] of BAD) {
    const r = sda(args, { cwd });
    if (args[0] === 'model' && args.length === 1) {
      // `sda model` alone prints the subcommand help to stderr and exits 2 (commander's behaviour).
      expect(r.status).toBe(2);
      continue;
    }
    expect({ args, status: r.status }).toEqual({ args, status: 2 });
    expect({ args, lines: r.stderr.trim().split('\n').length }).toEqual({ args, lines: 1 });
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  }
});

test('84.2 --debug adds the stack trace to an error', () => {
  const r = sda(['--debug', 'generate', '--name', 'a/b.wav']);
  expect(r.status).toBe(2);
  expect(r.stderr.split('\n')[0]).toMatch(/^sda: ERR_SDA_USAGE: --name/);
  expect(r.stderr).toMatch(/\n\s+at /);
});

test('84.3 every command has --help with examples and its exit codes', () => {
  const commands = [['generate'], ['batch'], ['model'], ['model', 'list'], ['model', 'info'], ['model', 'search'], ['model', 'add'], ['model', 'delete'], ['model', 'repair'], ['convert'], ['inspect'], ['doctor'], ['setup-libtorch'], ['worker'], ['ui']];
  // Long-running servers print lines as they go, not one JSON summary.
  const noJson = new Set(['worker', 'ui']);
  for (const c of commands) {
    const r = sda([...c, '--help']);
    expect({ c, status: r.status }).toEqual({ c, status: 0 });
    expect(r.stdout).toMatch(/Examples:\n\s+\$ sda /);
    if (c.length === 1) expect(r.stdout).toMatch(/Exit code/);
    if ((c[0] !== 'model' || c.length === 2) && !noJson.has(c[0]!)) expect(r.stdout).toMatch(/--json/);
  }
  const top = sda(['--help']);
  for (const name of ['generate', 'batch', 'model', 'convert', 'inspect', 'doctor', 'setup-libtorch', 'worker', 'ui']) expect(top.stdout).toMatch(new RegExp(`\\n  ${name} `));
  expect(top.stdout).toMatch(/Exit codes: 0 success, 1 failure, 2 bad usage/);
});

/** The option entries of a help text: each flag line joined with its wrapped continuation lines. */
function optionEntries(help: string): string[] {
  const entries: string[] = [];
  let inOptions = false;
  for (const line of help.split('\n')) {
    if (/^Options:/.test(line)) inOptions = true;
    else if (/^\S/.test(line)) inOptions = false;
    else if (inOptions && /^ {2}-/.test(line)) entries.push(line.trim());
    else if (inOptions && /^ {3,}\S/.test(line) && entries.length > 0) entries[entries.length - 1] += ` ${line.trim()}`;
  }
  return entries;
}

test('84.4 help shows each default once', () => {
  const commands = [[], ['generate'], ['batch'], ['model', 'list'], ['model', 'search'], ['model', 'info'], ['model', 'add'], ['model', 'delete'], ['model', 'repair'], ['convert'], ['inspect'], ['doctor'], ['setup-libtorch'], ['worker'], ['ui']];
  let withDefault = 0;
  for (const c of commands) {
    const entries = optionEntries(sda([...c, '--help']).stdout);
    expect({ c, some: entries.length > 0 }).toEqual({ c, some: true });
    for (const entry of entries) {
      const defaults = entry.match(/\(default\b/g) ?? [];
      expect({ c, entry, defaults: defaults.length }).toEqual({ c, entry, defaults: Math.min(defaults.length, 1) });
      withDefault += defaults.length;
    }
  }
  expect(withDefault).toBeGreaterThan(10); // the defaults are still shown
  // The generation flags are the API's option names in kebab-case, each with the default the API uses.
  const generate = optionEntries(sda(['generate', '--help']).stdout).join('\n');
  for (const flag of ['--seed', '--sliders', '--random-sliders', '--python-compat']) expect(generate).toContain(flag);
  const defaults: Record<string, unknown> = { ...DEFAULT_GENERATION_CONFIG, bitDepth: DEFAULT_BIT_DEPTH };
  for (const key of ['duration', 'concatMode', 'stereoMode', 'stereoWidth', 'sampleRate', 'bitDepth', 'chunkDuration', 'stepsBetween', 'overlapSamples']) {
    const flag = `--${key.replace(/[A-Z]/g, (x) => `-${x.toLowerCase()}`)}`;
    expect(generate).toMatch(new RegExp(`${flag} [^\\n]*\\(default: ${JSON.stringify(defaults[key]).replace('.', '\\.')}\\)`));
  }
});
