import { spawnSync } from 'child_process';

/** Runs a Python script with the machine's python3 (CI installs torch for it); throws on failure. */
export function runPython(script: string, args: string[]): string {
  const r = spawnSync('python3', [script, ...args], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python3 ${script} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}
