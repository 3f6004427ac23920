/** Running the compiled `sda` command as a subprocess, and checking its outputs with Python. */
import { spawnSync, type SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CLI, GENUINE, ROOT } from './paths';
import { runPython } from './python';

export interface SdaRun extends SpawnSyncReturns<string> {
  status: number;
}

/** `node dist/cli/sda.js ...args`; stdin is not a terminal, stdout/stderr are pipes. */
export function sda(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): SdaRun {
  const env = { ...process.env, ...(options.env ?? {}) };
  delete env.SDA_MODELS_DIR;
  if (options.env?.SDA_MODELS_DIR !== undefined) env.SDA_MODELS_DIR = options.env.SDA_MODELS_DIR;
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: options.cwd ?? ROOT, env, input: options.input ?? '' });
  if (r.error) throw r.error;
  return r as SdaRun;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sda-${prefix}-`));
}

/** A writable copy of every genuine model (the read-only fixtures stay untouched) with the trained fixture's catalog. */
export function copyGenuineLibrary(): string {
  const dir = tmpDir('lib');
  for (const sub of ['trained', 'sample_only', 'checkpoint']) {
    const src = path.join(GENUINE, sub, 'models');
    for (const f of fs.readdirSync(src)) if (f.endsWith('.sda')) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  }
  fs.copyFileSync(path.join(GENUINE, 'trained/models/model_library.json'), path.join(dir, 'model_library.json'));
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);
  return dir;
}

export interface WavCheck {
  path: string;
  rate: number;
  dtype: string;
  frames: number;
  channels: number;
  peak: number;
  rms: number;
  dominant_hz: number;
  channel_diff: number;
  sidecar: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Reads WAVs with scipy and their sidecars with Python's json (test/python/cli_check_outputs.py). */
export function checkOutputs(wavs: string[]): WavCheck[] {
  return JSON.parse(runPython(path.join(ROOT, 'test/python/cli_check_outputs.py'), wavs)) as WavCheck[];
}

export const DEMO = path.join(ROOT, 'assets/demo/demo.sda');
export const TRAINED = path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda');
export const SAMPLE_ONLY = path.join(GENUINE, 'sample_only/models/sample_only_fixture.sda');
export const CONVERTED = path.join(GENUINE, 'checkpoint/models/converted_checkpoint_fixture.sda');
export const CHECKPOINT = path.join(GENUINE, 'checkpoint/checkpoint_epoch0007.pt');

/** stderr is exactly one line. */
export function oneLine(s: string): boolean {
  return s.trim() !== '' && s.trim().split('\n').length === 1;
}
