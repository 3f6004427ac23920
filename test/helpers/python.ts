import { spawnSync } from 'child_process';

/**
 * Runs a Python script with the machine's python3 (CI installs torch for it); throws on failure. Python's
 * torch gets MKL's fixed thread count, as the addon's process has (docs/native.md): with MKL's default
 * dynamic threading a busy machine can run an FFT on fewer threads, whose last bits Griffin-Lim then
 * amplifies, and the tests compare our results with torch's on this machine.
 */
export function runPython(script: string, args: string[]): string {
  const env = { ...process.env, MKL_DYNAMIC: process.env.MKL_DYNAMIC ?? 'FALSE' };
  const r = spawnSync('python3', [script, ...args], { encoding: 'utf8', env });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python3 ${script} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}
