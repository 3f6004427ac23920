/**
 * ModelLibrary: the catalog `model_library.json` of a models directory (SPEC 7), shared with the Python
 * app byte for byte, safe against crashes and against several processes writing at once.
 *
 * - Every change is a read-modify-write under the directory's lock (see lock.ts): the index is re-read,
 *   changed, the old index copied to `model_library.json.bak` (atomically), and the new one written to a
 *   temp file in the same directory, fsynced and renamed over the index.
 * - Reads take no lock and never write, nor create the folder: renames are atomic, so a reader sees a
 *   whole index, old or new. The parsed index is cached and re-read when the file changes.
 * - A corrupt index is reported (LibraryCorruptError) by reads and ordinary writes and left as it is;
 *   only repairIndex() keeps it aside (`model_library.json.corrupt-<time>-<pid>`) and rebuilds the catalog
 *   from the `.bak` when valid, else empty, then from the model files. A corrupt single entry is skipped
 *   with a warning (and dropped at the next write, as the Python app does).
 * - Catalog operations never load LibTorch nor tensor data: `.sda` metadata is read with lib/torchfile
 *   (`storages: 'skip'`: only the zip directory and the pickle). The index format lives in
 *   index-file.ts, its reading and writing in index-store.ts, repair in repair.ts, the lock in lock.ts,
 *   lookups by id/name in resolve.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, LibraryCorruptError } from '../errors';
import { checkEntry, copyEntry, entryField, type ModelEntry, type ModelEntrySortKey, type StoredEntry } from './entry';
import { withFsErrors, withFsErrorsAsync } from '../util/fs-error';
import { INDEX_FILE, serializeIndex } from './index-file';
import { IndexStore, isMissing, type LibraryWarning } from './index-store';
import { withLock, type LockOptions } from './lock';
import { mergeRepair, removeDeadTempFiles, scanModelFiles, type RepairResult } from './repair';

export interface ModelLibraryOptions extends LockOptions {
  /** Receives recoveries (corrupt index or entry, unreadable model). Default: `process.emitWarning`. */
  onWarning?: (warning: LibraryWarning) => void;
}

export interface ListOptions {
  /** A field (camelCase or the Python name). Default `saveDate`. */
  sortBy?: ModelEntrySortKey;
  /** Descending. Default true (newest first). */
  reverse?: boolean;
}

export interface SearchOptions extends ListOptions {
  /** Case-insensitive substring of the name or the description; empty matches all. */
  query?: string;
  /** Entries having any of these tags (case-insensitive); empty matches all. */
  tags?: string[];
}

/** A read-modify-write of the catalog under the lock; see {@link ModelLibrary.transaction}. */
export interface LibraryTransaction {
  readonly modelsDir: string;
  get(modelId: string): ModelEntry | undefined;
  entries(): ModelEntry[];
  /** Adds or replaces the entry `entry.modelId`. */
  put(entry: ModelEntry): void;
  /** Removes an entry; false when there was none. */
  delete(modelId: string): boolean;
  /** File names the catalog refers to. */
  fileNames(): Set<string>;
  /**
   * Runs `fn` once the new catalog is written, still under the lock (e.g. to delete a replaced file); its
   * failure is a warning (`SDA_LIBRARY_CLEANUP_FAILED`), not an error of the transaction.
   */
  afterCommit(fn: () => void): void;
}

function compareValues(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** ISO 8601 UTC with microseconds, as Python's `datetime.now(timezone.utc).isoformat()`. */
export function pythonUtcNow(): string {
  const micros = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
  const ms = Number(micros / 1000n);
  const frac = Number(micros % 1000000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  return frac === 0 ? `${base}+00:00` : `${base}.${String(frac).padStart(6, '0')}+00:00`;
}

export class ModelLibrary {
  /** The models directory (absolute). */
  readonly modelsDir: string;
  /** `<modelsDir>/model_library.json`. */
  readonly indexPath: string;
  /** `<modelsDir>/model_library.json.bak`. */
  readonly backupPath: string;
  /** `<modelsDir>/model_library.json.lock`. */
  readonly lockPath: string;
  private readonly options: ModelLibraryOptions;
  /** Reading and writing the index file (index-store.ts). */
  private readonly store: IndexStore;

  /** Names a models directory. Nothing is read until first use; the folder is created by the first write. */
  constructor(modelsDir: string, options: ModelLibraryOptions = {}) {
    if (typeof modelsDir !== 'string' || modelsDir === '') throw new InvalidArgumentError('modelsDir must be a non-empty path');
    this.modelsDir = path.resolve(modelsDir);
    this.indexPath = path.join(this.modelsDir, INDEX_FILE);
    this.backupPath = `${this.indexPath}.bak`;
    this.lockPath = `${this.indexPath}.lock`;
    this.options = options;
    this.store = new IndexStore(this.indexPath, (w) => this.warn(w));
  }

  private warn(w: LibraryWarning): void {
    if (this.options.onWarning) this.options.onWarning(w);
    else process.emitWarning(w.message, { code: w.code });
  }

  /** The exact bytes the Python app writes for these entries. */
  static serialize(entries: Iterable<StoredEntry>): string {
    return serializeIndex(entries);
  }

  /**
   * Runs `fn` on the current catalog under the directory's lock and writes the catalog if `fn` changed it.
   * Everything `fn` does to files in the directory is serialised with every other writer (of any process
   * using this package). Creates the models folder. Errors: LibraryCorruptError (run repairIndex),
   * LibraryLockTimeoutError, FileAccessError (file-system errors, with the path and the original as `cause`).
   */
  async transaction<T>(fn: (tx: LibraryTransaction) => Promise<T> | T): Promise<T> {
    return this.run(fn, false);
  }

  private async run<T>(fn: (tx: LibraryTransaction) => Promise<T> | T, recover: boolean): Promise<T> {
    withFsErrors('create folder', 'models folder', this.modelsDir, () => fs.mkdirSync(this.modelsDir, { recursive: true }));
    return withFsErrorsAsync('write', 'model library', undefined, () =>
      withLock(this.lockPath, this.options, async () => {
        const current = this.store.loadLocked(recover);
        const entries = new Map(current);
        let changed = false;
        const commits: Array<() => void> = [];
        const tx: LibraryTransaction = {
          modelsDir: this.modelsDir,
          get: (id) => {
            const s = entries.get(id);
            return s ? copyEntry(s.entry) : undefined;
          },
          entries: () => [...entries.values()].map((s) => copyEntry(s.entry)),
          put: (entry) => {
            const bad = checkEntry(entry);
            if (bad) throw new InvalidArgumentError(bad);
            const old = entries.get(entry.modelId);
            const stored: StoredEntry = { entry: copyEntry(entry) };
            if (old?.extra) stored.extra = old.extra;
            entries.set(entry.modelId, stored);
            changed = true;
          },
          delete: (id) => {
            const had = entries.delete(id);
            changed ||= had;
            return had;
          },
          fileNames: () => new Set([...entries.values()].map((s) => s.entry.filePath)),
          afterCommit: (f) => void commits.push(f),
        };
        const result = await fn(tx);
        if (changed) this.store.write(entries);
        for (const f of commits) {
          try {
            f();
          } catch (e) {
            // The change is written: a failed clean-up after it is reported, not thrown as a failed write.
            this.warn({ code: 'SDA_LIBRARY_CLEANUP_FAILED', message: `clean-up after a library change failed: ${(e as Error).message}` });
          }
        }
        return result;
      }),
    );
  }

  /** Whether the models folder exists (reads and removals of a missing one change nothing). */
  private exists(): boolean {
    return withFsErrors('read', 'models folder', this.modelsDir, () => {
      try {
        return fs.statSync(this.modelsDir).isDirectory();
      } catch (e) {
        if (isMissing(e)) return false;
        throw e;
      }
    });
  }

  // ---- the Python app's API -----------------------------------------------------------------------

  /** The entry of `modelId`, or undefined. Reads never write (see {@link snapshot}). */
  async get(modelId: string): Promise<ModelEntry | undefined> {
    const s = this.store.read().get(modelId);
    return s ? copyEntry(s.entry) : undefined;
  }

  /** Every entry, sorted (default: newest `saveDate` first). */
  async listAll(options: ListOptions = {}): Promise<ModelEntry[]> {
    return this.search({ sortBy: options.sortBy, reverse: options.reverse });
  }

  /** Entries matching `query` (name or description) and any of `tags`, sorted (default newest first). */
  async search(options: SearchOptions = {}): Promise<ModelEntry[]> {
    const sortBy = options.sortBy ?? 'saveDate';
    const field = entryField(sortBy);
    if (!field) throw new InvalidArgumentError(`sortBy must be a ModelEntry field (e.g. saveDate, name, save_date); got ${JSON.stringify(sortBy)}`);
    const reverse = options.reverse ?? true;
    let results = [...this.store.read().values()].map((s) => s.entry);
    const q = (options.query ?? '').toLowerCase();
    if (q) results = results.filter((e) => e.name.toLowerCase().includes(q) || e.description.toLowerCase().includes(q));
    if (options.tags && options.tags.length > 0) {
      const want = new Set(options.tags.map((t) => t.toLowerCase()));
      results = results.filter((e) => e.tags.some((t) => want.has(t.toLowerCase())));
    }
    const sign = reverse ? -1 : 1;
    results.sort((a, b) => sign * compareValues(a[field], b[field]));
    return results.map(copyEntry);
  }

  /** Number of entries. */
  async count(): Promise<number> {
    return this.store.read().size;
  }

  /** Adds (or replaces, by `modelId`) an entry. Creates the models folder. */
  async addEntry(entry: ModelEntry): Promise<void> {
    await this.transaction((tx) => tx.put(entry));
  }

  /** Removes an entry (not its file); false when there was none (a missing folder is not created). */
  async remove(modelId: string): Promise<boolean> {
    if (!this.exists()) return false;
    return this.transaction((tx) => tx.delete(modelId));
  }

  /**
   * Rebuilds the catalog from the folder, file by file: keeps a corrupt index aside and restarts from the
   * `.bak` (else empty), drops entries whose file is gone, adds model files (`.sda`, `.distill`) that have
   * no entry (their metadata read with lib/torchfile, storages skipped), and deletes temp files of this
   * package's writers that no longer run. A file that cannot be cataloged is listed in `unreadable` with
   * the reason (and a warning), never the end of the repair. An orphan whose `model_id` is empty or
   * already cataloged for another file gets a new id. A missing folder is reported as nothing to do.
   */
  async repairIndex(): Promise<RepairResult> {
    const result: RepairResult = { removed: [], added: [], unreadable: [], tempFilesRemoved: [] };
    if (!this.exists()) return result;
    // Slow part (reading orphans' metadata) outside the lock; merged under it.
    let known = new Set<string>();
    try {
      known = new Set([...this.store.read().values()].map((s) => s.entry.filePath));
    } catch (e) {
      if (!(e instanceof LibraryCorruptError)) throw e; // recovered under the lock below
    }
    const list = () => withFsErrors('list', 'models folder', this.modelsDir, () => fs.readdirSync(this.modelsDir));
    const { found, unreadable } = await scanModelFiles(this.modelsDir, list(), known);
    for (const u of unreadable) {
      const file = path.join(this.modelsDir, u.file);
      this.warn({ code: 'SDA_LIBRARY_UNREADABLE_MODEL', message: `${file}: not cataloged: ${u.reason}`, file });
    }
    result.unreadable = unreadable;
    await this.run((tx) => {
      mergeRepair(tx, this.modelsDir, found, result, (name, oldId, clashFile, newId) =>
        this.warn({
          code: 'SDA_LIBRARY_DUPLICATE_ID',
          message: `${name} has the model_id ${oldId} of ${clashFile}; cataloged under the new id ${newId}`,
          file: path.join(this.modelsDir, name),
          modelId: newId,
        }),
      );
      result.tempFilesRemoved = removeDeadTempFiles(this.modelsDir, list(), (name, why) =>
        this.warn({ code: 'SDA_LIBRARY_TEMP_FILE_KEPT', message: `${path.join(this.modelsDir, name)}: stale temp file not deleted: ${why}`, file: path.join(this.modelsDir, name) }),
      );
    }, true);
    return result;
  }
}
