/**
 * Comparisons of our results with a live Python torch child's on this machine. When one fails, its message
 * carries what decided the last bits on both sides: the machine and its load, our numerics (threads, MKL's
 * dynamic threading, the FFT path, ATen's kernel set) and the child's (test/python/numerics_record.py), and
 * the hashes of the inputs and outputs, so a failure in CI can be read without reproducing it (issue 27).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import { numericsInfo } from '../../lib';
import { correlation } from './signal';

/** SHA-1 (12 hex digits) of a Float32Array's bytes: the same value as numerics_record.py's. */
export function sha1(a: Float32Array): string {
  return crypto.createHash('sha1').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 12);
}

/** The JSON file a Python child wrote with numerics_record.write, or why it could not be read. */
export function readPythonRecord(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
}

export interface TorchEvidence {
  /** The Python child's record (readPythonRecord). */
  python: unknown;
  /** Our inputs, hashed into the record to set beside the child's. */
  inputs?: Record<string, Float32Array>;
}

/** What decided both sides' results, for a failure message. */
export async function interopRecord(evidence: TorchEvidence, outputs: { ours: Float32Array; theirs: Float32Array }): Promise<object> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(MKL_|OMP_|KMP_|SDA_|LD_PRELOAD)/.test(k)));
  const inputs = Object.fromEntries(Object.entries(evidence.inputs ?? {}).map(([k, v]) => [k, sha1(v)]));
  return {
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadAverage: os.loadavg() },
    ours: { ...(await numericsInfo()), env, inputs, output: sha1(outputs.ours) },
    python: { record: evidence.python, output: sha1(outputs.theirs) },
  };
}

/**
 * Requires the correlation of ours with torch's to reach `min`; below it, fails with the whole record.
 * Returns the correlation.
 */
export async function expectTorchCorrelation(what: string, ours: Float32Array, theirs: Float32Array, min: number, evidence: TorchEvidence): Promise<number> {
  const c = correlation(ours, theirs);
  if (c >= min) return c;
  const record = await interopRecord(evidence, { ours, theirs });
  throw new Error(`${what}: correlation ${c} with this machine's torch, asked at least ${min}\n${JSON.stringify(record, null, 1)}`);
}
