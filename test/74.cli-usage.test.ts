// Bad usage exits 2 with exactly one line on stderr; every command has --help with examples and exit codes.
import { sda, tmpDir } from './helpers/cli';

const BAD: Array<[string[], RegExp]> = [
  [['generate', '--duration', '0'], /^error: option '-d, --duration <seconds>' argument '0' is invalid\. duration must be more than 0 and at most 60 seconds/],
  [['generate', '--duration', '61'], /duration must be more than 0 and at most 60/],
  [['generate', '--seed', '-1'], /seed must be a non-negative integer/],
  [['generate', '--rate', '22050'], /rate must be one of 44100, 48000, 96000/],
  [['generate', '--bit-depth', '8'], /bit depth must be one of 16, 24, 32f/],
  [['generate', '--mode', 'zigzag'], /mode must be one of crossfade, interpolation/],
  [['generate', '--stereo', 'quad'], /stereo must be one of mono, mid-side, dual-seed/],
  [['generate', '--width', '2'], /width must be a number from 0 to 1\.5/],
  [['generate', '--slider', 'three=4'], /slider must be INDEX=POSITION/],
  [['generate', '--count', '0'], /count must be an integer from 1 to 10000/],
  [['generate', '--name', 'sub/x.wav'], /^sda: ERR_SDA_USAGE: --name must be a plain file name ending in \.wav/],
  [['generate', '--slider', '99=1', '-d', '0.2'], /^sda: ERR_SDA_INVALID_ARGUMENT: slider 99 does not exist: this model has \d+ sliders/],
  [['generate', '--slider', '0=11', '-d', '0.2'], /^sda: ERR_SDA_INVALID_ARGUMENT: slider 0 position 11 is out of range: positions go from -10 to 10/],
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

test('74.1 bad arguments: exit 2 and one line on stderr, nothing on stdout', () => {
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

test('74.2 --debug adds the stack trace to an error', () => {
  const r = sda(['--debug', 'generate', '--name', 'a/b.wav']);
  expect(r.status).toBe(2);
  expect(r.stderr.split('\n')[0]).toMatch(/^sda: ERR_SDA_USAGE: --name/);
  expect(r.stderr).toMatch(/\n\s+at /);
});

test('74.3 every command has --help with examples and its exit codes', () => {
  const commands = [['generate'], ['batch'], ['model'], ['model', 'list'], ['model', 'info'], ['model', 'search'], ['model', 'delete'], ['model', 'repair'], ['convert'], ['inspect'], ['doctor']];
  for (const c of commands) {
    const r = sda([...c, '--help']);
    expect({ c, status: r.status }).toEqual({ c, status: 0 });
    expect(r.stdout).toMatch(/Examples:\n\s+\$ sda /);
    if (c.length === 1) expect(r.stdout).toMatch(/Exit code/);
    if (c[0] !== 'model' || c.length === 2) expect(r.stdout).toMatch(/--json/);
  }
  const top = sda(['--help']);
  for (const name of ['generate', 'batch', 'model', 'convert', 'inspect', 'doctor']) expect(top.stdout).toMatch(new RegExp(`\\n  ${name} `));
  expect(top.stdout).toMatch(/Exit codes: 0 success, 1 failure, 2 bad usage/);
});
