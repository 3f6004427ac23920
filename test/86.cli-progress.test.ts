// The progress bar as a person sees it: drawn on a terminal, absent when the output is piped.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CLI } from './helpers/paths';
import { DEMO, tmpDir } from './helpers/cli';

test('86.1 on a terminal generate draws a progress bar on stderr, then prints the file written', () => {
  const out = tmpDir('progress');
  // util-linux `script` runs the command on a pseudo-terminal, so stdout and stderr are TTYs.
  const cmd = `${process.execPath} ${CLI} generate ${DEMO} --duration 20 --seed 3 --out ${out}`;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/\[#+-*\]\s+\d+%/); // the bar
  expect(r.stdout).toMatch(/\r/); // redrawn in place
  const wav = fs.readdirSync(out).find((f) => f.endsWith('.wav'))!;
  expect(r.stdout).toContain(path.join(out, wav));
  fs.rmSync(out, { recursive: true, force: true });
});

test('86.2 piped, there is no bar and no control characters', () => {
  const out = tmpDir('progress-pipe');
  const r = spawnSync(process.execPath, [CLI, 'generate', DEMO, '--duration', '20', '--seed', '3', '--out', out], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).not.toMatch(/[\r\x1b]/);
  fs.rmSync(out, { recursive: true, force: true });
});
