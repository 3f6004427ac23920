// `sda doctor` as a user runs it: a subprocess of the compiled CLI.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CLI, ROOT } from './helpers/paths';

function sda(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
}

test('14.1 doctor --json reports the package, LibTorch, the addon and the devices', () => {
  const r = sda('doctor', '--json');
  expect(r.status).toBe(0);
  const report = JSON.parse(r.stdout);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const loc = JSON.parse(fs.readFileSync(path.join(ROOT, 'libtorch-location.json'), 'utf8'));
  expect(report.package).toEqual({ name: 'small-dataset-audio', version: pkg.version, root: ROOT });
  expect(report.libtorch).toMatchObject({ version: '2.13.0', path: loc.root, foundBy: loc.foundBy, cudaBuild: false });
  expect(fs.existsSync(report.addon.path)).toBe(true);
  expect(report.addon.builtAgainst).toBe('2.13.0');
  expect(report.devices[0]).toMatchObject({ id: 'cpu', type: 'cpu' });
  expect(report.defaultDevice).toBe('cpu');
  expect(report).toMatchObject({ ok: true, problems: [] });
});

test('14.2 doctor prints a readable text report', () => {
  const r = sda('doctor');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^small-dataset-audio \d+\.\d+\.\d+/);
  expect(r.stdout).toMatch(/LibTorch\s+2\.13\.0 at .* \(found via (local|env|python), CPU-only build\)/);
  expect(r.stdout).toMatch(/cpu\s+\d+ threads\s+<- auto/);
  expect(r.stdout).toMatch(/Status\s+ok/);
});

test('14.3 bad usage exits 2 with one line on stderr', () => {
  for (const args of [['bogus'], ['doctor', '--nope']]) {
    const r = sda(...args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: (unknown command 'bogus'|unknown option '--nope')/);
  }
});

test('14.4 --help lists doctor and the exit codes', () => {
  const r = sda('--help');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/doctor/);
  expect(r.stdout).toMatch(/Exit codes: 0 success, 1 failure, 2 bad usage/);
  const d = sda('doctor', '--help');
  expect(d.stdout).toMatch(/sda doctor --json/);
});
