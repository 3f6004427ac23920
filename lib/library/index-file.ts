/**
 * The catalog file `model_library.json` itself: parsing (with the reason when it cannot be used),
 * the Python app's exact bytes, and keeping a corrupt file aside.
 */
import * as fs from 'node:fs';
import { LibraryCorruptError, ModelVersionError } from '../errors';
import { fsyncDir } from '../util/atomic-file';
import { storedEntryFromJson, storedEntryToJson, type StoredEntry } from './entry';
import { JsonInt, PyJsonSyntaxError, pyJsonDumps, pyJsonParse, type PyJson } from './py-json';
import * as path from 'node:path';

/** The catalog's file name in a models directory. */
export const INDEX_FILE = 'model_library.json';
/** The catalog format version this package reads and writes. */
export const INDEX_VERSION = 1;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Identifies one version of a file (a rename over it or a rewrite changes it). */
export function statKey(st: fs.BigIntStats): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/**
 * The entries of an index text. Errors: LibraryCorruptError (bad UTF-8 or JSON, wrong structure),
 * ModelVersionError (a newer catalog). A corrupt single entry is skipped and reported to `onBadEntry`.
 */
export function parseIndex(bytes: Uint8Array, file: string, onBadEntry?: (id: string, reason: string) => void): Map<string, StoredEntry> {
  let doc: PyJson;
  try {
    doc = pyJsonParse(utf8.decode(bytes));
  } catch (e) {
    throw new LibraryCorruptError(file, e instanceof PyJsonSyntaxError ? `invalid JSON (${e.message})` : 'not UTF-8 text');
  }
  if (!(doc instanceof Map)) throw new LibraryCorruptError(file, 'the top level is not an object');
  const version = doc.get('version');
  if (version instanceof JsonInt && version.value > BigInt(INDEX_VERSION)) {
    throw new ModelVersionError('model library index', Number(version.value), INDEX_VERSION, file);
  }
  const models = doc.get('models') ?? new Map<string, PyJson>();
  if (!(models instanceof Map)) throw new LibraryCorruptError(file, '"models" is not an object');
  const out = new Map<string, StoredEntry>();
  for (const [id, raw] of models) {
    const s = storedEntryFromJson(id, raw);
    if (typeof s === 'string') onBadEntry?.(id, s);
    else out.set(id, s);
  }
  return out;
}

/** The exact bytes the Python app writes for these entries. */
export function serializeIndex(entries: Iterable<StoredEntry>): string {
  const models = new Map<string, PyJson>();
  for (const s of entries) models.set(s.entry.modelId, storedEntryToJson(s));
  return pyJsonDumps(new Map<string, PyJson>([['version', new JsonInt(BigInt(INDEX_VERSION))], ['models', models]]));
}

/** Renames `file` to `<file>.corrupt-<UTC time>-<pid>` (a new name, never over another). Returns it. */
export function keepAside(file: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  let aside = `${file}.corrupt-${stamp}-${process.pid}`;
  for (let i = 1; fs.existsSync(aside); i++) aside = `${file}.corrupt-${stamp}-${process.pid}-${i}`;
  fs.renameSync(file, aside);
  fsyncDir(path.dirname(file));
  return aside;
}
