/**
 * ModelLibrary: the catalog `model_library.json` of a models directory (SPEC 7), shared with the Python
 * app byte for byte, safe against crashes and against several processes writing at once.
 *
 * - Every change is a read-modify-write under the directory's lock (see lock.ts): the index is re-read,
 *   changed, the old index copied to `model_library.json.bak` (atomically), and the new one written to a
 *   temp file in the same directory, fsynced and renamed over the index.
 * - Reads take no lock: renames are atomic, so a reader sees a whole index, old or new. The parsed index
 *   is cached and re-read when the file changes (inode, size, mtime).
 * - A corrupt index is moved aside to `model_library.json.corrupt-<time>-<pid>` (never overwritten), the
 *   library restarts from the `.bak` when that is valid, else empty, and a warning is emitted. A corrupt
 *   single entry is skipped with a warning (and dropped at the next write, as the Python app does).
 * - Catalog operations never load LibTorch nor tensor data: `.sda` metadata is read with lib/torchfile
 *   (`storages: 'skip'`: only the zip directory and the pickle).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, LibraryError, ModelVersionError } from '../errors';
import { MODEL_FORMATS, MODEL_FORMAT_VERSION } from '../model/format';
import { metadataFromPy, type ModelMetadata } from '../model/metadata';
import { PyDict, readTorchFile } from '../torchfile';
import { atomicWriteFileSync, fsyncDir, processAlive, tempFileOwner } from './atomic';
import {
  checkEntry,
  copyEntry,
  entryField,
  entryFromMetadata,
  storedEntryFromJson,
  storedEntryToJson,
  type ModelEntry,
  type ModelEntrySortKey,
  type StoredEntry,
} from './entry';
import { withLock, type LockOptions } from './lock';
import { JsonInt, PyJsonSyntaxError, pyJsonDumps, pyJsonParse, type PyJson } from './py-json';

/** The catalog's file name in a models directory. */
export const INDEX_FILE = 'model_library.json';
/** The catalog format version this package reads and writes. */
export const INDEX_VERSION = 1;
/** Extensions of saved models that {@link ModelLibrary.repairIndex} catalogs. */
export const MODEL_EXTENSIONS = ['.sda', '.distill'] as const;

/** Something the library recovered from; delivered to `onWarning` (default: `process.emitWarning`). */
export interface LibraryWarning {
  code:
    | 'SDA_LIBRARY_CORRUPT_INDEX'
    | 'SDA_LIBRARY_INDEX_RESTORED'
    | 'SDA_LIBRARY_CORRUPT_ENTRY'
    | 'SDA_LIBRARY_UNREADABLE_MODEL'
    | 'SDA_LIBRARY_DUPLICATE_ID';
  message: string;
  /** The file concerned. */
  file?: string;
  /** The model concerned. */
  modelId?: string;
}

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

/** What {@link ModelLibrary.repairIndex} did. */
export interface RepairResult {
  /** Ids of entries dropped because their file is gone. */
  removed: string[];
  /** Ids of entries added for model files that had none. */
  added: string[];
  /** Model files that could not be read (left alone; a warning was emitted for each). */
  unreadable: string[];
  /** Temp files of writers that no longer run, deleted. */
  tempFilesRemoved: string[];
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
}

type Snapshot = { key: string; entries: Map<string, StoredEntry> };

function statKey(st: fs.BigIntStats): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

class CorruptIndexError extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

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
  private cache: Snapshot | undefined;

  /** Opens (and creates, like the Python app) the models directory. Nothing is read until first use. */
  constructor(modelsDir: string, options: ModelLibraryOptions = {}) {
    if (typeof modelsDir !== 'string' || modelsDir === '') throw new InvalidArgumentError('modelsDir must be a non-empty path');
    this.modelsDir = path.resolve(modelsDir);
    fs.mkdirSync(this.modelsDir, { recursive: true });
    this.indexPath = path.join(this.modelsDir, INDEX_FILE);
    this.backupPath = `${this.indexPath}.bak`;
    this.lockPath = `${this.indexPath}.lock`;
    this.options = options;
  }

  private warn(w: LibraryWarning): void {
    if (this.options.onWarning) this.options.onWarning(w);
    else process.emitWarning(w.message, { code: w.code });
  }

  // ---- reading -------------------------------------------------------------------------------------

  /** Parses an index text; throws CorruptIndexError (or ModelVersionError for a newer catalog). */
  private parse(bytes: Uint8Array, file: string, warnEntries: boolean): Map<string, StoredEntry> {
    let doc: PyJson;
    try {
      doc = pyJsonParse(utf8.decode(bytes));
    } catch (e) {
      throw new CorruptIndexError(e instanceof PyJsonSyntaxError ? `invalid JSON (${e.message})` : `not UTF-8 text`);
    }
    if (!(doc instanceof Map)) throw new CorruptIndexError('the top level is not an object');
    const version = doc.get('version');
    if (version instanceof JsonInt && version.value > BigInt(INDEX_VERSION)) {
      throw new ModelVersionError('model library index', Number(version.value), INDEX_VERSION, file);
    }
    const models = doc.get('models') ?? new Map<string, PyJson>();
    if (!(models instanceof Map)) throw new CorruptIndexError('"models" is not an object');
    const out = new Map<string, StoredEntry>();
    for (const [id, raw] of models) {
      const s = storedEntryFromJson(id, raw);
      if (typeof s === 'string') {
        if (warnEntries) {
          this.warn({ code: 'SDA_LIBRARY_CORRUPT_ENTRY', message: `${file}: skipping the corrupt entry ${JSON.stringify(id)}: ${s}`, file, modelId: id });
        }
        continue;
      }
      out.set(id, s);
    }
    return out;
  }

  /** The current entries (cached while the index file is unchanged). Repairs a corrupt index (locked). */
  private async snapshot(): Promise<Map<string, StoredEntry>> {
    const quick = this.readQuick();
    if (quick) return quick;
    return withLock(this.lockPath, this.options, () => this.loadLocked());
  }

  /** The entries without taking the lock; undefined when the index needs recovery. */
  private readQuick(): Map<string, StoredEntry> | undefined {
    for (let attempt = 0; attempt < 3; attempt++) {
      let st: fs.BigIntStats;
      try {
        st = fs.statSync(this.indexPath, { bigint: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        if (fs.existsSync(this.backupPath)) return undefined; // index gone but a backup exists: restore (locked)
        return new Map();
      }
      const key = statKey(st);
      if (this.cache?.key === key) return this.cache.entries;
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(this.indexPath);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      // The file may have been replaced between stat and read: only cache what matches the stat.
      let after: fs.BigIntStats;
      try {
        after = fs.statSync(this.indexPath, { bigint: true });
      } catch {
        continue;
      }
      if (statKey(after) !== key) continue;
      try {
        const entries = this.parse(bytes, this.indexPath, this.cache === undefined || this.cache.key !== key);
        this.cache = { key, entries };
        return entries;
      } catch (e) {
        if (e instanceof CorruptIndexError) return undefined;
        throw e;
      }
    }
    return undefined;
  }

  /** Loads the index under the lock, recovering a missing or corrupt one. */
  private loadLocked(): Map<string, StoredEntry> {
    let bytes: Buffer | undefined;
    let st: fs.BigIntStats | undefined;
    try {
      st = fs.statSync(this.indexPath, { bigint: true });
      bytes = fs.readFileSync(this.indexPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (bytes && st) {
      try {
        const key = statKey(st);
        const entries = this.parse(bytes, this.indexPath, this.cache?.key !== key);
        this.cache = { key, entries };
        return entries;
      } catch (e) {
        if (!(e instanceof CorruptIndexError)) throw e;
        const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
        const aside = `${this.indexPath}.corrupt-${stamp}-${process.pid}`;
        fs.renameSync(this.indexPath, aside);
        fsyncDir(this.modelsDir);
        this.warn({
          code: 'SDA_LIBRARY_CORRUPT_INDEX',
          message: `${this.indexPath} is corrupt (${e.message}); it was kept as ${path.basename(aside)}`,
          file: this.indexPath,
        });
      }
    }
    // No usable index: restore from the backup when that is valid, else start empty.
    let entries = new Map<string, StoredEntry>();
    let from = 'an empty catalog';
    let restored = false;
    if (fs.existsSync(this.backupPath)) {
      try {
        entries = this.parse(fs.readFileSync(this.backupPath), this.backupPath, true);
        from = path.basename(this.backupPath);
        restored = true;
      } catch (e) {
        if (!(e instanceof CorruptIndexError)) throw e;
        from = `an empty catalog (${path.basename(this.backupPath)} is corrupt too: ${e.message})`;
      }
    } else if (!bytes) {
      return new Map(); // a new library
    }
    this.writeLocked(entries, false, restored ? fs.statSync(this.backupPath).mode & 0o777 : 0o600);
    this.warn({ code: 'SDA_LIBRARY_INDEX_RESTORED', message: `${this.indexPath} was restarted from ${from}`, file: this.indexPath });
    return entries;
  }

  // ---- writing -------------------------------------------------------------------------------------

  /** The exact bytes the Python app writes for these entries. */
  static serialize(entries: Iterable<StoredEntry>): string {
    const models = new Map<string, PyJson>();
    for (const s of entries) models.set(s.entry.modelId, storedEntryToJson(s));
    return pyJsonDumps(new Map<string, PyJson>([['version', new JsonInt(BigInt(INDEX_VERSION))], ['models', models]]));
  }

  /** Writes the index (lock held): `.bak` copy of the old one, then temp + fsync + rename. */
  private writeLocked(entries: Map<string, StoredEntry>, backup = true, newMode = 0o600): void {
    let mode = newMode;
    if (backup) {
      try {
        const old = fs.readFileSync(this.indexPath);
        mode = fs.statSync(this.indexPath).mode & 0o777;
        atomicWriteFileSync(this.backupPath, old, mode);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    atomicWriteFileSync(this.indexPath, ModelLibrary.serialize(entries.values()), mode);
    const st = fs.statSync(this.indexPath, { bigint: true });
    this.cache = { key: statKey(st), entries };
  }

  /**
   * Runs `fn` on the current catalog under the directory's lock and writes the catalog if `fn` changed it.
   * Everything `fn` does to files in the directory is serialised with every other writer (of any process
   * using this package).
   */
  async transaction<T>(fn: (tx: LibraryTransaction) => Promise<T> | T): Promise<T> {
    return withLock(this.lockPath, this.options, async () => {
      const current = this.loadLocked();
      const entries = new Map(current);
      let changed = false;
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
      };
      const result = await fn(tx);
      if (changed) this.writeLocked(entries);
      return result;
    });
  }

  // ---- the Python app's API -----------------------------------------------------------------------

  /** The entry of `modelId`, or undefined. */
  async get(modelId: string): Promise<ModelEntry | undefined> {
    const s = (await this.snapshot()).get(modelId);
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
    let results = [...(await this.snapshot()).values()].map((s) => s.entry);
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
    return (await this.snapshot()).size;
  }

  /** Adds (or replaces, by `modelId`) an entry. */
  async addEntry(entry: ModelEntry): Promise<void> {
    await this.transaction((tx) => tx.put(entry));
  }

  /** Removes an entry (not its file); false when there was none. */
  async remove(modelId: string): Promise<boolean> {
    return this.transaction((tx) => tx.delete(modelId));
  }

  /**
   * Drops entries whose file is gone, adds model files (`.sda`, `.distill`) that have no entry (reading
   * their metadata with lib/torchfile, storages skipped), and deletes temp files left by writers that no
   * longer run. An orphan whose `model_id` is empty or already cataloged for another file gets a new id.
   */
  async repairIndex(): Promise<RepairResult> {
    const result: RepairResult = { removed: [], added: [], unreadable: [], tempFilesRemoved: [] };
    // Slow part (reading orphans' metadata) outside the lock; merged under it.
    const known = new Set([...(await this.snapshot()).values()].map((s) => s.entry.filePath));
    const names = fs.readdirSync(this.modelsDir);
    const found = new Map<string, ModelEntry>();
    for (const name of names) {
      if (known.has(name) || !MODEL_EXTENSIONS.some((x) => name.endsWith(x)) || name.startsWith('.')) continue;
      const file = path.join(this.modelsDir, name);
      try {
        const st = fs.statSync(file);
        if (!st.isFile()) continue;
        const metadata = await readModelMetadata(file);
        found.set(name, entryFromMetadata(metadata, name, st.size));
      } catch (e) {
        result.unreadable.push(name);
        this.warn({ code: 'SDA_LIBRARY_UNREADABLE_MODEL', message: `${file}: not cataloged, it cannot be read as a saved model: ${(e as Error).message}`, file });
      }
    }
    await this.transaction((tx) => {
      for (const e of tx.entries()) {
        if (!fs.existsSync(path.join(this.modelsDir, e.filePath))) {
          tx.delete(e.modelId);
          result.removed.push(e.modelId);
        }
      }
      const referenced = tx.fileNames();
      for (const [name, entry] of found) {
        if (referenced.has(name) || !fs.existsSync(path.join(this.modelsDir, name))) continue;
        const clash = entry.modelId === '' ? undefined : tx.get(entry.modelId);
        if (entry.modelId === '' || clash) {
          const id = randomUUID();
          if (clash) {
            this.warn({
              code: 'SDA_LIBRARY_DUPLICATE_ID',
              message: `${name} has the model_id ${entry.modelId} of ${clash.filePath}; cataloged under the new id ${id}`,
              file: path.join(this.modelsDir, name),
              modelId: id,
            });
          }
          entry.modelId = id;
        }
        tx.put(entry);
        result.added.push(entry.modelId);
      }
      // Temp files of dead writers (index temps and lib/torchfile's .sda temps).
      for (const name of fs.readdirSync(this.modelsDir)) {
        const pid = tempFileOwner(name);
        if (pid === undefined) continue;
        const file = path.join(this.modelsDir, name);
        let old = false;
        try {
          old = Date.now() - fs.statSync(file).mtimeMs > 24 * 3600_000;
        } catch {
          continue;
        }
        if (processAlive(pid) && !old) continue;
        fs.rmSync(file, { force: true });
        result.tempFilesRemoved.push(name);
      }
    });
    return result;
  }
}

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
