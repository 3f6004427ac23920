/**
 * `writeTorchFile`: values to a file that `torch.load` reads, in the layout current PyTorch writes.
 */
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { TorchFileError } from './errors';
import { pickle } from './pickler';
import { ZipWriter } from './zip-writer';
import { writeFileAtomic, writeFileAtomicSync } from '../util/atomic-file';
import type { PyValue } from './values';

/** Options of {@link writeTorchFile}. */
export interface WriteTorchFileOptions {
  /** The zip's top folder name. Default: the file name without extension (as torch.save), or `archive`. */
  archiveName?: string;
  /** Deepest nesting written (default 1000). */
  maxDepth?: number;
}

function serializationId(): string {
  // PyTorch writes a 40-digit decimal id.
  const b = randomBytes(20);
  let s = '';
  for (const x of b) s += String(x % 100).padStart(2, '0');
  return s;
}

/** The chunks of a torch.save zip file for `value` (record data is not copied). */
export function serializeTorchFileChunks(value: PyValue, options: WriteTorchFileOptions = {}): Uint8Array[] {
  const archive = options.archiveName ?? 'archive';
  if (archive.length === 0 || archive.includes('/')) throw new TorchFileError(`bad archive name ${JSON.stringify(archive)}`);
  const { pickle: pkl, storages } = pickle(value, options.maxDepth ?? 1000);
  const zip = new ZipWriter();
  const text = (s: string): Uint8Array => Buffer.from(s, 'latin1');
  zip.addRecord(`${archive}/data.pkl`, pkl);
  zip.addRecord(`${archive}/.format_version`, text('1'));
  zip.addRecord(`${archive}/.storage_alignment`, text('64'));
  zip.addRecord(`${archive}/byteorder`, text('little'));
  storages.forEach((s, i) => {
    let data: Uint8Array;
    try {
      data = s.bytes();
    } catch (e) {
      throw new TorchFileError(`cannot write storage ${s.key || i}: its bytes were not read (storages: 'skip')`, { record: `data/${i}` }, { cause: e });
    }
    if (data.byteLength !== s.nbytes) {
      throw new TorchFileError(`storage ${i} holds ${data.byteLength} bytes but declares ${s.numel} ${s.dtype} elements (${s.nbytes} bytes)`, { record: `data/${i}` });
    }
    zip.addRecord(`${archive}/data/${i}`, data);
  });
  zip.addRecord(`${archive}/version`, text('3\n'));
  zip.addRecord(`${archive}/.data/serialization_id`, text(serializationId()));
  return zip.finish();
}

/** The bytes of a torch.save zip file for `value`. */
export function serializeTorchFile(value: PyValue, options: WriteTorchFileOptions = {}): Uint8Array {
  return Buffer.concat(serializeTorchFileChunks(value, options));
}

function archiveFor(file: string, options: WriteTorchFileOptions): WriteTorchFileOptions {
  if (options.archiveName !== undefined) return options;
  const base = path.basename(file).replace(/\.[^.]*$/, '') || 'archive';
  return { ...options, archiveName: base.replace(/\//g, '_') };
}

/** Writes `value` to `file` synchronously (temp file + rename, so readers never see half a file). */
export function writeTorchFileSync(file: string, value: PyValue, options: WriteTorchFileOptions = {}): void {
  writeFileAtomicSync(file, serializeTorchFileChunks(value, archiveFor(file, options)));
}

/**
 * Writes `value` as a torch.save file that `torch.load(path, weights_only=False)` (and `mmap=True`)
 * reads: zip records `data.pkl` (protocol 2), `.format_version`, `.storage_alignment`, `byteorder`,
 * `data/<key>` (64-byte aligned), `version`, `.data/serialization_id`.
 */
export async function writeTorchFile(file: string, value: PyValue, options: WriteTorchFileOptions = {}): Promise<void> {
  await writeFileAtomic(file, serializeTorchFileChunks(value, archiveFor(file, options)));
}
