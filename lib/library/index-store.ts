/**
 * The catalog file on disk for one models directory: reading it without a lock (cached while the file
 * is unchanged, never writing), loading it under the lock with recovery, and writing it (`.bak` copy, then
 * temp + fsync + rename). ModelLibrary holds the lock around loadLocked / write.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LibraryCorruptError } from '../errors';
import { atomicWriteFileSync } from './atomic';
import type { StoredEntry } from './entry';
import { withFsErrors } from '../util/fs-error';
import { keepAside, parseIndex, serializeIndex, statKey } from './index-file';

/** Something the library recovered from; delivered to `onWarning` (default: `process.emitWarning`). */
export interface LibraryWarning {
  code:
    | 'SDA_LIBRARY_CORRUPT_INDEX'
    | 'SDA_LIBRARY_INDEX_RESTORED'
    | 'SDA_LIBRARY_INDEX_MISSING'
    | 'SDA_LIBRARY_CORRUPT_ENTRY'
    | 'SDA_LIBRARY_UNREADABLE_MODEL'
    | 'SDA_LIBRARY_DUPLICATE_ID'
    | 'SDA_LIBRARY_TEMP_FILE_KEPT'
    | 'SDA_LIBRARY_CLEANUP_FAILED';
  message: string;
  /** The file concerned. */
  file?: string;
  /** The model concerned. */
  modelId?: string;
}

type Snapshot = { key: string; entries: Map<string, StoredEntry> };

export function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

export class IndexStore {
  readonly backupPath: string;
  private cache: Snapshot | undefined;

  constructor(
    readonly indexPath: string,
    private readonly warn: (w: LibraryWarning) => void,
  ) {
    this.backupPath = `${indexPath}.bak`;
  }

  /** Parses `bytes` of `file`, warning about corrupt entries the first time this version is seen. */
  private parse(bytes: Uint8Array, file: string, key: string): Map<string, StoredEntry> {
    const seen = this.cache?.key === key;
    return parseIndex(bytes, file, (id, reason) => {
      if (!seen) this.warn({ code: 'SDA_LIBRARY_CORRUPT_ENTRY', message: `${file}: skipping the corrupt entry ${JSON.stringify(id)}: ${reason}`, file, modelId: id });
    });
  }

  /** `file`'s bytes and version key, or undefined when it does not exist (nor its folder). */
  private readVersion(file: string): { bytes: Buffer; key: string } | undefined {
    for (let attempt = 0; ; attempt++) {
      let st: fs.BigIntStats;
      try {
        st = fs.statSync(file, { bigint: true });
      } catch (e) {
        if (isMissing(e)) return undefined;
        throw e;
      }
      const key = statKey(st);
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(file);
      } catch (e) {
        if (isMissing(e) && attempt < 3) continue; // replaced between stat and read
        throw e;
      }
      // The file may have been replaced between stat and read: only use what matches the stat.
      let after: string | undefined;
      try {
        after = statKey(fs.statSync(file, { bigint: true }));
      } catch (e) {
        if (!isMissing(e)) throw e;
      }
      if (after === key || attempt >= 3) return { bytes, key };
    }
  }

  // ---- reading (no lock, no writes) ------------------------------------------------------------------

  /**
   * The current entries, cached while the index is unchanged. A missing index reads as empty, or as its
   * `.bak` when there is one (with a warning; the next write restores it). Errors: LibraryCorruptError,
   * ModelVersionError, FileAccessError (file-system errors).
   */
  read(): Map<string, StoredEntry> {
    return withFsErrors('read', 'model library index', undefined, () => {
      const index = this.readVersion(this.indexPath);
      const file = index ? this.indexPath : this.backupPath;
      const version = index ?? this.readVersion(this.backupPath);
      if (!version) return new Map<string, StoredEntry>();
      const key = `${file}:${version.key}`;
      if (this.cache?.key === key) return this.cache.entries;
      const entries = this.parse(version.bytes, file, key);
      if (!index) {
        this.warn({
          code: 'SDA_LIBRARY_INDEX_MISSING',
          message: `${this.indexPath} is missing; read ${path.basename(this.backupPath)} instead (the next change or a repair restores it)`,
          file: this.indexPath,
        });
      }
      this.cache = { key, entries };
      return entries;
    });
  }

  // ---- writing (under the lock) ----------------------------------------------------------------------

  /**
   * Loads the index under the lock. A missing index is restored from a valid `.bak`. A corrupt index (or,
   * with none, a corrupt `.bak`) is refused unless `recover`: then it is kept aside and the catalog
   * restarts from the valid `.bak`, else empty.
   */
  loadLocked(recover: boolean): Map<string, StoredEntry> {
    const index = this.readVersion(this.indexPath);
    let why: string | undefined;
    if (index) {
      const key = `${this.indexPath}:${index.key}`;
      try {
        const entries = this.parse(index.bytes, this.indexPath, key);
        this.cache = { key, entries };
        return entries;
      } catch (e) {
        if (!(e instanceof LibraryCorruptError) || !recover) throw e;
        const aside = keepAside(this.indexPath);
        this.warn({ code: 'SDA_LIBRARY_CORRUPT_INDEX', message: `${this.indexPath} is corrupt (${e.reason}); it was kept as ${path.basename(aside)}`, file: this.indexPath });
        why = 'it was corrupt';
      }
    }
    const backup = this.readVersion(this.backupPath);
    if (!backup) {
      if (why) this.restore(new Map(), 'an empty catalog', why, 0o600);
      return new Map(); // a new library: nothing is written until a change
    }
    let entries: Map<string, StoredEntry>;
    try {
      entries = parseIndex(backup.bytes, this.backupPath);
    } catch (e) {
      if (!(e instanceof LibraryCorruptError) || !recover) throw e;
      const aside = keepAside(this.backupPath);
      this.warn({ code: 'SDA_LIBRARY_CORRUPT_INDEX', message: `${this.backupPath} is corrupt (${e.reason}); it was kept as ${path.basename(aside)}`, file: this.backupPath });
      this.restore(new Map(), `an empty catalog (${path.basename(this.backupPath)} is corrupt too)`, why ?? 'it was missing', 0o600);
      return new Map();
    }
    this.restore(entries, path.basename(this.backupPath), why ?? 'it was missing', fs.statSync(this.backupPath).mode & 0o777);
    return entries;
  }

  private restore(entries: Map<string, StoredEntry>, from: string, why: string, mode: number): void {
    this.write(entries, false, mode);
    this.warn({ code: 'SDA_LIBRARY_INDEX_RESTORED', message: `${this.indexPath} was restarted from ${from} (${why})`, file: this.indexPath });
  }

  /** Writes the index (lock held): `.bak` copy of the old one, then temp + fsync + rename. */
  write(entries: Map<string, StoredEntry>, backup = true, newMode = 0o600): void {
    let mode = newMode;
    if (backup) {
      try {
        const old = fs.readFileSync(this.indexPath);
        mode = fs.statSync(this.indexPath).mode & 0o777;
        atomicWriteFileSync(this.backupPath, old, mode);
      } catch (e) {
        if (!isMissing(e)) throw e;
      }
    }
    atomicWriteFileSync(this.indexPath, serializeIndex(entries.values()), mode);
    const st = fs.statSync(this.indexPath, { bigint: true });
    this.cache = { key: `${this.indexPath}:${statKey(st)}`, entries };
  }
}
