// The CLI never leaves half an output: a closed stdout or Ctrl-C stops it with every WAV beside its
// sidecar; where it writes is checked before rendering (a `.wav` --out is the file itself,
// --no-clobber refuses to replace); batch resume re-renders jobs whose sidecar no longer matches them.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { checkOutputs, oneLine, sda, tmpDir } from './helpers/cli';
import { CLI, ROOT } from './helpers/paths';

/** `sda ...args` started asynchronously (pipes for all three streams), with the same environment as sda(). */
function start(args: string[]): ChildProcess {
  const env = { ...process.env };
  delete env.SDA_MODELS_DIR;
  return spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

interface Ended {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): Promise<Ended> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stdout?.on('error', () => undefined); // we may close it on purpose
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** Polls (every 1 ms) until `ready` holds; fails if the child ends first. */
async function waitFor(child: ChildProcess, ready: () => boolean, what: string): Promise<void> {
  for (;;) {
    if (ready()) return;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the command ended before ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

const entries = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

/**
 * Every WAV has its sidecar and every sidecar its WAV, no temp file is left, and each WAV reads back
 * (scipy) with the length its sidecar gives. Returns the WAV names.
 */
function expectCompletePairs(dir: string): string[] {
  const names = entries(dir);
  expect(names.filter((n) => n.endsWith('.tmp') || n.startsWith('.'))).toEqual([]);
  const wavs = names.filter((n) => n.endsWith('.wav')).sort();
  const sidecars = names.filter((n) => n.endsWith('.json')).sort();
  expect(sidecars.map((n) => n.replace(/\.json$/, ''))).toEqual(wavs.map((n) => n.replace(/\.wav$/, '')));
  if (wavs.length > 0) {
    for (const w of checkOutputs(wavs.map((n) => path.join(dir, n)))) {
      expect(w.sidecar.audio.file).toBe(path.basename(w.path));
      expect(w.frames).toBe(Math.round(w.sidecar.audio.duration_s * w.rate));
    }
  }
  return wavs;
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at |EPIPE|Error:/);

describe('88.1 a closed stdout ends the command quietly, with no half-written file', () => {
  test('`sda generate --count 3 | head -1` in a shell', () => {
    const out = tmpDir('stop');
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" generate --count 3 -d 0.5 -s 1 --out "${out}" | head -1; echo "sda=\${PIPESTATUS[0]}" >&2`], {
      encoding: 'utf8',
      cwd: ROOT,
    });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^sda=141\n$/); // nothing but the exit status (128 + SIGPIPE, as the shell's tools)
    const wavs = expectCompletePairs(out);
    expect(wavs.length).toBeGreaterThanOrEqual(1);
    expect(wavs).toContain(path.basename(r.stdout.trim()));
  });

  test('the reader closes after the first path, or before anything is printed (--json)', async () => {
    for (const json of [false, true]) {
      const out = tmpDir('stop');
      const child = start(['generate', '--count', '3', '-d', '0.5', '-s', '5', '--out', out, ...(json ? ['--json'] : [])]);
      const ended = collect(child);
      if (json) child.stdout!.destroy();
      else child.stdout!.once('data', () => child.stdout!.destroy());
      const r = await ended;
      expect({ json, status: r.status, stderr: r.stderr }).toEqual({ json, status: 141, stderr: '' });
      const wavs = expectCompletePairs(out);
      expect(wavs.length).toBeGreaterThanOrEqual(json ? 3 : 1);
    }
  });
});

describe('88.2 Ctrl-C (and SIGTERM) leave every WAV with its sidecar, whenever they arrive', () => {
  test('during the export of a long clip: the pair is finished, then the command stops', async () => {
    const out = tmpDir('stop');
    const child = start(['generate', '-d', '20', '-s', '3', '--out', out, '--name', 'long.wav']);
    const ended = collect(child);
    // The first file named after the clip is the export's first temp file: the export has begun.
    await waitFor(child, () => entries(out).some((n) => n.includes('long')), 'the export began');
    child.kill('SIGINT');
    const r = await ended;
    expect(r.status).toBe(130);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/^sda: ERR_SDA_INTERRUPTED: stopped by SIGINT/);
    expect(expectCompletePairs(out)).toEqual(['long.wav']);
  });

  test('while a later clip renders: the clips before it are complete, nothing after it is started', async () => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const out = tmpDir('stop');
      const child = start(['generate', '--count', '4', '-d', '2', '-s', '8', '--out', out, '--name', 'take.wav']);
      const ended = collect(child);
      await waitFor(child, () => entries(out).includes('take_1.wav'), 'the first clip was written');
      child.kill(sig);
      const r = await ended;
      expect({ sig, status: r.status }).toEqual({ sig, status: sig === 'SIGINT' ? 130 : 143 });
      expect(r.stderr).toMatch(new RegExp(`^sda: ERR_SDA_INTERRUPTED: stopped by ${sig}`));
      const wavs = expectCompletePairs(out);
      expect(wavs.length).toBeLessThan(4);
      expect(wavs).toEqual(['take_1.wav', 'take_2.wav', 'take_3.wav'].slice(0, wavs.length));
    }
  });

  test('sda batch: stopped after its first output, then a rerun renders only the rest', async () => {
    const dir = tmpDir('stop');
    const jobs = path.join(dir, 'jobs.jsonl');
    fs.writeFileSync(jobs, Array.from({ length: 6 }, (_, i) => JSON.stringify({ output: `j${i}.wav`, options: { duration: 1.5, seed: i } })).join('\n'));
    const out = path.join(dir, 'out');
    const child = start(['batch', jobs, '--out', out, '--batch-size', '2']);
    const ended = collect(child);
    await waitFor(child, () => entries(out).some((n) => n.endsWith('.wav')), 'the first job was written');
    child.kill('SIGINT');
    const r = await ended;
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/sda: ERR_SDA_INTERRUPTED: stopped by SIGINT/);
    expect(r.stderr).not.toMatch(/failed/);
    const first = expectCompletePairs(out);
    expect(first.length).toBeLessThan(6);
    const again = sda(['batch', jobs, '--out', out, '--json']);
    expect(again.status).toBe(0);
    const summary = JSON.parse(again.stdout);
    expect(summary.skippedOutputs.map((p: string) => path.basename(p)).sort()).toEqual(first);
    expect(summary.written).toBe(6 - first.length);
    expect(expectCompletePairs(out)).toHaveLength(6);
  });
});

test('88.3 --out naming a .wav file writes that one file; with --count > 1 or --name it is a usage error', () => {
  const dir = tmpDir('out');
  const target = path.join(dir, 'new', 'sub', 'take.WAV');
  const r = sda(['generate', '-d', '0.3', '-s', '1', '--out', target]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe(target);
  expect(entries(path.dirname(target)).sort()).toEqual(['take.WAV', 'take.json']);
  const [w] = checkOutputs([target]);
  expect(w!.sidecar.audio.file).toBe('take.WAV');

  for (const extra of [['--count', '2'], ['--name', 'other.wav']]) {
    const bad = sda(['generate', '-d', '0.3', '--out', path.join(dir, 'x.wav'), ...extra]);
    expect({ extra, status: bad.status }).toEqual({ extra, status: 2 });
    expect(oneLine(bad.stderr)).toBe(true);
    expect(bad.stderr).toMatch(/^sda: ERR_SDA_USAGE: --out /);
    expect(fs.existsSync(path.join(dir, 'x.wav'))).toBe(false);
  }
  // A folder that happens to be named like a WAV stays a folder.
  const folder = path.join(dir, 'renders.wav');
  fs.mkdirSync(folder);
  const inFolder = sda(['generate', '-d', '0.3', '-s', '2', '--out', folder, '--name', 'in.wav']);
  expect(inFolder.status).toBe(0);
  expect(entries(folder).sort()).toEqual(['in.json', 'in.wav']);
});

test('88.4 --no-clobber refuses to replace an existing WAV or sidecar (exit 1, ERR_SDA_OUTPUT_EXISTS); without it they are replaced', () => {
  const dir = tmpDir('clobber');
  const first = sda(['generate', '-d', '0.3', '-s', '1', '--out', dir, '--name', 'a.wav']);
  expect(first.status).toBe(0);
  const before = fs.readFileSync(path.join(dir, 'a.wav'));
  for (const args of [['--name', 'a.wav'], ['--out', path.join(dir, 'a.wav')]]) {
    const r = sda(['generate', '-d', '0.3', '-s', '2', ...(args[0] === '--out' ? args : ['--out', dir, ...args]), '--no-clobber']);
    expect({ args, status: r.status }).toEqual({ args, status: 1 });
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/^sda: ERR_SDA_OUTPUT_EXISTS: .*a\.wav already exists/);
    expect(fs.readFileSync(path.join(dir, 'a.wav')).equals(before)).toBe(true);
  }
  // Only the sidecar left (or only the WAV): still refused, nothing written.
  fs.renameSync(path.join(dir, 'a.wav'), path.join(dir, 'kept.wav'));
  const sidecarOnly = sda(['generate', '-d', '0.3', '-s', '2', '--out', dir, '--name', 'a.wav', '--no-clobber']);
  expect(sidecarOnly.status).toBe(1);
  expect(sidecarOnly.stderr).toMatch(/ERR_SDA_OUTPUT_EXISTS: .*a\.json already exists/);
  expect(fs.existsSync(path.join(dir, 'a.wav'))).toBe(false);
  // --count with --name checks every numbered name before rendering.
  fs.writeFileSync(path.join(dir, 'n_3.json'), '{}');
  const counted = sda(['generate', '-d', '0.3', '-s', '2', '--count', '3', '--out', dir, '--name', 'n.wav', '--no-clobber']);
  expect(counted.status).toBe(1);
  expect(counted.stderr).toMatch(/n_3\.json already exists/);
  expect(entries(dir).filter((n) => n.startsWith('n_'))).toEqual(['n_3.json']);
  // Without --no-clobber the file is replaced.
  const replaced = sda(['generate', '-d', '0.3', '-s', '2', '--out', dir, '--name', 'kept.wav']);
  expect(replaced.status).toBe(0);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'kept.json'), 'utf8')).seed).toBe(2);

  // sda batch: a job that would replace an output fails alone; --force with --no-clobber is a usage error.
  const jobs = path.join(dir, 'jobs.jsonl');
  fs.writeFileSync(jobs, [{ output: 'kept.wav', options: { duration: 0.3, seed: 9 } }, { output: 'fresh.wav', options: { duration: 0.3, seed: 9 } }].map((j) => JSON.stringify(j)).join('\n'));
  const batch = sda(['batch', jobs, '--out', dir, '--no-clobber', '--json']);
  expect(batch.status).toBe(1);
  const summary = JSON.parse(batch.stdout);
  expect(summary.failures).toEqual([expect.objectContaining({ line: 1, code: 'ERR_SDA_OUTPUT_EXISTS' })]);
  expect(summary.outputs.map((p: string) => path.basename(p))).toEqual(['fresh.wav']);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'kept.json'), 'utf8')).seed).toBe(2);
  const both = sda(['batch', jobs, '--out', dir, '--no-clobber', '--force']);
  expect(both.status).toBe(2);
  expect(both.stderr).toMatch(/^sda: ERR_SDA_USAGE: --force/);
});

test('88.5 an output folder that cannot be written is refused before any rendering (exit 1, ERR_SDA_FILE, one line)', () => {
  const dir = tmpDir('unwritable');
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'not a folder');
  const jobs = path.join(dir, 'jobs.jsonl');
  // Long enough that rendering first would run far past the spawn timeout below.
  fs.writeFileSync(jobs, JSON.stringify({ output: 'x.wav', options: { duration: 60, seed: 1 } }));
  const cases: string[][] = [
    ['generate', '-d', '60', '--count', '50', '--out', path.join(file, 'sub')],
    ['generate', '-d', '60', '--count', '50', '--out', file],
    ['generate', '-d', '60', '--out', path.join(file, 'deeper', 'take.wav')],
    ['batch', jobs, '--out', path.join(file, 'renders')],
    ['batch', jobs, '--out', file],
  ];
  if (process.getuid?.() !== 0) {
    // Permission bits only stop a non-root user.
    const locked = path.join(dir, 'locked');
    fs.mkdirSync(locked, { mode: 0o555 });
    cases.push(['generate', '-d', '60', '--out', locked], ['generate', '-d', '60', '--out', path.join(locked, 'new')]);
  }
  for (const args of cases) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 30000 });
    expect({ args, status: r.status }).toEqual({ args, status: 1 });
    expect({ args, one: oneLine(r.stderr) }).toEqual({ args, one: true });
    expect(r.stderr).toMatch(/^sda: ERR_SDA_FILE: cannot (write|create) output folder .*\((ENOTDIR|EACCES|EPERM|EROFS)\)\n$/);
    expect(r.stdout).toBe('');
  }
  // A jobs file that is missing or a folder is a file problem too.
  for (const bad of [path.join(dir, 'missing.jsonl'), dir]) {
    const r = sda(['batch', bad, '--out', path.join(dir, 'out')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^sda: ERR_SDA_FILE: cannot read jobs file .*\((ENOENT|EISDIR)\)\n$/);
  }
});

test('88.6 sda batch resume re-renders a job whose sidecar no longer matches it, and only those', () => {
  const dir = tmpDir('resume');
  const out = path.join(dir, 'out');
  const jobs = path.join(dir, 'jobs.jsonl');
  const base: Array<Record<string, unknown>> = [
    { output: 'seed.wav', options: { duration: 0.3, seed: 1 } },
    { output: 'stereo.wav', options: { duration: 0.3, seed: 2 } },
    { output: 'sliders.wav', options: { duration: 0.3, seed: 3, sliders: { 0: 2 } } },
    { output: 'compat.wav', options: { duration: 0.3, seed: 4 } },
    { output: 'random.wav', options: { duration: 0.3 } },
    { output: 'same.wav', options: { duration: 0.3, seed: 6, sampleRate: 44100 } },
  ];
  const run = (list: Array<Record<string, unknown>>) => {
    fs.writeFileSync(jobs, list.map((j) => JSON.stringify(j)).join('\n'));
    const r = sda(['batch', jobs, '--out', out, '--json']);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    return { written: s.outputs.map((p: string) => path.basename(p)).sort(), skipped: s.skippedOutputs.map((p: string) => path.basename(p)).sort() };
  };
  const all = base.map((j) => j.output as string).sort();
  expect(run(base)).toEqual({ written: all, skipped: [] });
  expect(run(base)).toEqual({ written: [], skipped: all }); // a job without a seed accepts the seed it got

  const edited = base.map((j) => ({ ...j, options: { ...(j.options as object) } })) as Array<{ output: string; options: Record<string, unknown> }>;
  edited[0]!.options.seed = 11;
  edited[1]!.options.stereoMode = 'mid-side';
  edited[2]!.options.sliders = { 0: -2 };
  edited[3]!.options.pythonCompat = true;
  const changed = ['compat.wav', 'seed.wav', 'sliders.wav', 'stereo.wav'];
  expect(run(edited)).toEqual({ written: changed, skipped: ['random.wav', 'same.wav'] });
  const sidecar = (n: string) => JSON.parse(fs.readFileSync(path.join(out, n.replace('.wav', '.json')), 'utf8'));
  expect(sidecar('seed.wav').seed).toBe(11);
  expect(sidecar('stereo.wav').generation.stereo_mode).toBe('mid_side');
  expect(sidecar('compat.wav').generation.python_compat).toBe(true);
  expect(run(edited)).toEqual({ written: [], skipped: all });

  // Another model for a job, or a sidecar that is damaged, also means rendering again.
  const other = edited.map((j) => ({ ...j }));
  (other[5] as Record<string, unknown>).model = path.join(ROOT, 'test/fixtures/genuine/trained/models/genuine_trained_fixture_v1.sda');
  fs.writeFileSync(path.join(out, 'seed.json'), '{"generation": ');
  expect(run(other)).toEqual({ written: ['same.wav', 'seed.wav'], skipped: all.filter((n) => n !== 'same.wav' && n !== 'seed.wav') });
  expect(sidecar('same.wav').model_name).toBe('Genuine Trained Fixture (v1)!');
  expectCompletePairs(out);
});

test('88.7 batch failure lines show control characters in names escaped; --json keeps them as they are', () => {
  const dir = tmpDir('escape');
  const jobs = path.join(dir, 'jobs.jsonl');
  const names = ['title\u001b]0;pwned\u0007.wav', 'clear\u001b[2J.wav', 'nul\u0000.wav', 'line\nbreak.wav'];
  fs.writeFileSync(jobs, names.map((output) => JSON.stringify({ output, options: { duration: 0.2, seed: 1 } })).join('\n'));
  for (const json of [false, true]) {
    const r = sda(['batch', jobs, '--out', path.join(dir, 'out'), ...(json ? ['--json'] : [])]);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(names.length);
    // eslint-disable-next-line no-control-regex
    expect(r.stderr.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(lines[0]).toContain('title\\x1b]0;pwned\\x07.wav');
    expect(lines[3]).toContain('line\\nbreak.wav');
    if (json) expect(JSON.parse(r.stdout).failures.map((f: { output: string }) => f.output)).toEqual(names);
  }
  expect(entries(path.join(dir, 'out'))).toEqual([]);
});
