/**
 * What ModelLibrary.repairIndex does, file by file: read the metadata of model files the catalog does not
 * know (one bad file is reported and skipped, never the end of the repair), merge them under the lock,
 * drop entries whose file is gone, and delete temp files of writers that no longer run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { LibraryError, ModelVersionError, SdaError } from '../errors';
import { MODEL_FORMATS, MODEL_FORMAT_VERSION } from '../model/format';
import { metadataFromPy, type ModelMetadata } from '../model/metadata';
import { PyDict, readTorchFile } from '../torchfile';
import { parseTempFileName } from '../util/atomic-file';
import { processAlive } from './atomic';
import { entryFromMetadata, entryProblem, type ModelEntry } from './entry';
import { hasModelExtension } from './file-name';
import { INDEX_FILE } from './index-file';
import { fileAccessError } from '../util/fs-error';

/** A model file repairIndex left uncataloged, and why. */
export interface UnreadableModel {
  /** The file name in the models directory. */
  file: string;
  /** The error's code (`ERR_SDA_TORCH_FILE`, `ERR_SDA_LIBRARY`, an errno such as `EACCES`, ...). */
  code: string;
  /** Why it was not cataloged. */
  reason: string;
}

/** What {@link ModelLibrary.repairIndex} did. */
export interface RepairResult {
  /** Ids of entries dropped because their file is gone. */
  removed: string[];
  /** Ids of entries added for model files that had none. */
  added: string[];
  /** Model files that could not be cataloged (left alone, with the reason; a warning was emitted for each). */
  unreadable: UnreadableModel[];
  /** Temp files of writers that no longer run, deleted. */
  tempFilesRemoved: string[];
}

/** Temp files older than this are deleted whatever their pid says (the pid may have been reused). */
export const TEMP_FILE_MAX_AGE_MS = 24 * 3600_000;

/**
 * The metadata of a saved model file, read with lib/torchfile only (no tensor data, no LibTorch).
 * Errors: TorchFileError (damaged file), LibraryError (not a saved model), ModelVersionError.
 */
export async function readModelMetadata(file: string): Promise<ModelMetadata> {
  const { value } = await readTorchFile(file, { storages: 'skip' });
  if (!(value instanceof PyDict)) throw new LibraryError('is not a saved model (no dict)', file);
  const marker = value.get('format');
  if (typeof marker !== 'string' || !(MODEL_FORMATS as readonly string[]).includes(marker)) {
    throw new LibraryError(`is not a saved model (format marker ${typeof marker === 'string' ? JSON.stringify(marker) : 'missing'})`, file);
  }
  const version = value.get('version');
  if (typeof version === 'bigint' && version > BigInt(MODEL_FORMAT_VERSION)) {
    throw new ModelVersionError('saved-model format', Number(version), MODEL_FORMAT_VERSION, file);
  }
  return metadataFromPy(value.get('metadata'), file);
}

function describe(e: unknown): { code: string; reason: string } {
  const err = fileAccessError(e, 'read', 'model file');
  if (err instanceof SdaError) return { code: err.code, reason: err.message };
  const x = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (typeof x === 'object' && x !== null && typeof x.message === 'string') {
    return { code: typeof x.code === 'string' ? x.code : String(x.name ?? 'Error'), reason: x.message };
  }
  return { code: 'ERR_SDA_LIBRARY', reason: String(err) };
}

/**
 * Entries for the model files in `names` that `known` does not list, read one at a time; the files that
 * cannot be cataloged (unreadable, not a saved model, a value the catalog cannot hold) go to `unreadable`.
 */
export async function scanModelFiles(
  modelsDir: string,
  names: readonly string[],
  known: ReadonlySet<string>,
): Promise<{ found: Map<string, ModelEntry>; unreadable: UnreadableModel[] }> {
  const found = new Map<string, ModelEntry>();
  const unreadable: UnreadableModel[] = [];
  for (const name of names) {
    if (known.has(name) || !hasModelExtension(name) || name.startsWith('.')) continue;
    const file = path.join(modelsDir, name);
    try {
      const st = fs.statSync(file);
      // A folder, FIFO or device named like a model: never opened (a FIFO would block the repair).
      if (!st.isFile()) throw new LibraryError('is not a regular file; not cataloged', file);
      const entry = entryFromMetadata(await readModelMetadata(file), name, st.size);
      const problem = entryProblem(entry);
      if (problem) throw new LibraryError(`metadata ${problem}; not cataloged`, file);
      found.set(name, entry);
    } catch (e) {
      unreadable.push({ file: name, ...describe(e) });
    }
  }
  return { found, unreadable };
}

/** Whether `target` (the file a temp file was for) is one the library writes in a models directory. */
function isLibraryTarget(target: string): boolean {
  return target === INDEX_FILE || target === `${INDEX_FILE}.bak` || hasModelExtension(target);
}

/**
 * Deletes temp files of the package's atomic writer (lib/util/atomic-file.ts: exactly its name pattern)
 * for the index, its backup or a model file, whose writer no longer runs on this host or that are older
 * than {@link TEMP_FILE_MAX_AGE_MS}. Other files, however they are named, are left alone. Returns the
 * names deleted; `onKept` hears about one that could not be deleted.
 */
export function removeDeadTempFiles(modelsDir: string, names: readonly string[], onKept: (name: string, why: string) => void): string[] {
  const removed: string[] = [];
  for (const name of names) {
    const temp = parseTempFileName(name);
    if (!temp || !isLibraryTarget(temp.target)) continue;
    const file = path.join(modelsDir, name);
    try {
      const st = fs.lstatSync(file);
      if (!st.isFile()) continue;
      const old = Date.now() - st.mtimeMs > TEMP_FILE_MAX_AGE_MS;
      if (processAlive(temp.pid) && !old) continue;
      fs.rmSync(file, { force: true });
      removed.push(name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      onKept(name, describe(e).reason);
    }
  }
  return removed;
}

/** The catalog's changes during repair: the transaction's view (see ModelLibrary.transaction). */
interface RepairTx {
  get(modelId: string): ModelEntry | undefined;
  entries(): ModelEntry[];
  put(entry: ModelEntry): void;
  delete(modelId: string): boolean;
  fileNames(): Set<string>;
}

/**
 * Under the lock: drops entries whose file is gone and adds the scanned files still uncataloged. An
 * orphan whose `model_id` is empty or cataloged for another file gets a new uuid4 (`onDuplicate` hears).
 */
export function mergeRepair(
  tx: RepairTx,
  modelsDir: string,
  found: ReadonlyMap<string, ModelEntry>,
  result: RepairResult,
  onDuplicate: (name: string, oldId: string, clashFile: string, newId: string) => void,
): void {
  for (const e of tx.entries()) {
    if (!fs.existsSync(path.join(modelsDir, e.filePath))) {
      tx.delete(e.modelId);
      result.removed.push(e.modelId);
    }
  }
  const referenced = tx.fileNames();
  for (const [name, entry] of found) {
    if (referenced.has(name) || !fs.existsSync(path.join(modelsDir, name))) continue;
    const clash = entry.modelId === '' ? undefined : tx.get(entry.modelId);
    if (entry.modelId === '' || clash) {
      const id = randomUUID();
      if (clash) onDuplicate(name, entry.modelId, clash.filePath, id);
      entry.modelId = id;
    }
    tx.put(entry);
    referenced.add(name);
    result.added.push(entry.modelId);
  }
}
