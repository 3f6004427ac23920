/** Shared by the 4x library tests and their child processes. */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultMetadata, metadataToPy } from '../../lib/model/metadata';
import { PyDict, PyOrderedDict, TorchTensor, writeTorchFile, type PyValue } from '../../lib/torchfile';
import { ROOT } from './paths';

/** A fresh temp directory (removed by the caller). */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sda-${prefix}-`));
}

/** Copies a genuine `<kind>/models` folder (read-only originals) into a writable temp folder. */
export function copyModelsDir(src: string, dest: string): string {
  fs.mkdirSync(dest, { recursive: true });
  for (const f of fs.readdirSync(src)) {
    fs.copyFileSync(path.join(src, f), path.join(dest, f));
    fs.chmodSync(path.join(dest, f), 0o644);
  }
  return dest;
}

/** A small state dict (not a ConvVAE: for tests about the catalog, saved with checkWeights false). */
export function tinyStateDict(seed = 1): PyOrderedDict {
  const sd = new PyOrderedDict();
  const w = new Float32Array(32).map((_, i) => Math.sin(seed * 7 + i));
  sd.set('decoder.fc.weight', TorchTensor.fromTypedArray('float32', [8, 4], w));
  sd.set('decoder.fc.bias', TorchTensor.fromTypedArray('float32', [8], new Float32Array(8).fill(seed)));
  return sd;
}

/** Starts a TypeScript child script under test/helpers with tsx. */
export function spawnTs(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/helpers', script), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Files in `dir` that are temp files of this package or lib/torchfile. */
export function tempFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => /\.\d+\.[0-9a-f]{8}\.tmp$/.test(f));
}

/**
 * A saved-model file (tiny weights) whose metadata fields are set as raw Python values, so values the
 * catalog cannot hold (2**60, bools in int fields) can be written too.
 */
export async function writeRawModel(file: string, name: string, raw: Record<string, PyValue> = {}): Promise<void> {
  const meta = metadataToPy({ ...defaultMetadata(), name });
  for (const [k, v] of Object.entries(raw)) meta.set(k, v);
  const dict = new PyDict([
    ['format', 'sda_model'],
    ['version', 1n],
    ['model_state_dict', tinyStateDict()],
    ['latent_dim', 4n],
    ['spectrogram_config', null],
    ['latent_analysis', null],
    ['training_config', new PyDict()],
    ['metadata', meta],
  ]);
  await writeTorchFile(file, dict);
}
