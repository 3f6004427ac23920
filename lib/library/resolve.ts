/**
 * Finding a model from what a user typed: a file path, or a model id, id prefix or name in a library.
 *
 * Rules, documented in docs/library.md:
 * - A query that looks like a path (a `/` or `\`, or ending in `.sda`, `.distill`, `.pt`) is only a path.
 * - A full model id selects that model: ids are the catalog's unique keys, and the way out of an
 *   ambiguity, so no other rule can override one.
 * - Otherwise every model matching by any rule counts: exact name, name ignoring case, id prefix (4+
 *   characters, ignoring case), and a bare query that is also an existing file. One model: that one. More than one:
 *   AmbiguousModelError listing them all, so a name never silently wins over an id prefix or a file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AmbiguousModelError, InvalidArgumentError, ModelNotFoundError, type ModelCandidate } from '../errors';
import type { ModelEntry } from './entry';
import { MODEL_EXTENSIONS } from './file-name';
import { ModelLibrary, type ModelLibraryOptions } from './library';

/** An id prefix shorter than this is never matched (too likely to hit many models). */
export const MIN_ID_PREFIX = 4;

export interface ResolveModelOptions {
  /** The library to search. A missing folder is an empty library (nothing is created). */
  modelsDir: string;
  /** Accept a path to a model file (default true). */
  files?: boolean;
  /** Warnings of the library read (corrupt entries, missing index). */
  library?: ModelLibraryOptions;
}

export interface ResolvedModel {
  /** Absolute path of the model file. */
  path: string;
  /** The rule that found it. */
  via: 'path' | 'id' | 'name' | 'id-prefix';
  /** The catalog entry, when found through the library. */
  entry?: ModelEntry;
}

/** A library entry found by {@link matchModel}. */
export interface ModelMatch {
  entry: ModelEntry;
  via: 'id' | 'name' | 'id-prefix';
}

type Rule = 'id' | 'name' | 'name-case' | 'id-prefix';
const RULE_ORDER: readonly Rule[] = ['id', 'name', 'name-case', 'id-prefix'];

/** Whether a query can only be meant as a path. */
export function looksLikePath(query: string): boolean {
  const lower = query.toLowerCase();
  return query.includes('/') || query.includes('\\') || MODEL_EXTENSIONS.some((x) => lower.endsWith(x)) || lower.endsWith('.pt');
}

/** Every entry `query` matches and the best rule for each (exact name before name-case before prefix). */
function candidates(entries: readonly ModelEntry[], query: string): Map<ModelEntry, Rule> {
  const out = new Map<ModelEntry, Rule>();
  const lower = query.toLowerCase();
  for (const e of entries) {
    if (e.name === query) out.set(e, 'name');
    else if (e.name.toLowerCase() === lower) out.set(e, 'name-case');
    else if (query.length >= MIN_ID_PREFIX && e.modelId.toLowerCase().startsWith(lower)) out.set(e, 'id-prefix');
  }
  return out;
}

function candidate(modelsDir: string, e: ModelEntry, match: string): ModelCandidate {
  return { modelId: e.modelId, name: e.name, path: path.join(modelsDir, e.filePath), match };
}

/**
 * The entry `query` names in `entries` (see the rules above); undefined when none. `alsoFile`: a file the
 * query also names, which makes any library match ambiguous. Errors: AmbiguousModelError.
 */
export function matchModel(entries: readonly ModelEntry[], query: string, modelsDir: string, alsoFile?: string): ModelMatch | undefined {
  const byId = entries.find((e) => e.modelId === query);
  if (byId) return { entry: byId, via: 'id' };
  const found = candidates(entries, query);
  // Listed by rule (closest match first), then id, whatever the catalog's order.
  const list = [...found]
    .sort(([a, ra], [b, rb]) => RULE_ORDER.indexOf(ra) - RULE_ORDER.indexOf(rb) || (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0))
    .map(([e, rule]) => candidate(modelsDir, e, rule));
  if (alsoFile && list.length > 0) throw new AmbiguousModelError(query, [{ path: alsoFile, match: 'path' }, ...list]);
  if (list.length > 1) throw new AmbiguousModelError(query, list);
  const [one] = found;
  if (!one) return undefined;
  return { entry: one[0], via: one[1] === 'id-prefix' ? 'id-prefix' : 'name' };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The model `query` names: a model file, or a model of the library in `options.modelsDir` by id, id
 * prefix or name. Reads only (the library is not changed, a missing folder is not created).
 * Errors: ModelNotFoundError (nothing matches, or the cataloged file is gone), AmbiguousModelError
 * (several models match; `candidates` lists them), LibraryCorruptError, InvalidArgumentError.
 */
export async function resolveModel(query: string, options: ResolveModelOptions): Promise<ResolvedModel> {
  if (typeof query !== 'string' || query === '') throw new InvalidArgumentError('the model to look up must be a non-empty string');
  if (!options || typeof options.modelsDir !== 'string' || options.modelsDir === '') throw new InvalidArgumentError('resolveModel needs modelsDir');
  const files = options.files ?? true;
  const asPath = path.resolve(query);
  const file = files && isFile(asPath) ? asPath : undefined;
  if (files && looksLikePath(query)) {
    if (file) return { path: file, via: 'path' };
    throw new ModelNotFoundError(query, `no model file ${asPath}`);
  }
  const library = new ModelLibrary(options.modelsDir, options.library);
  const found = matchModel(await library.listAll(), query, library.modelsDir, file);
  if (!found) {
    if (file) return { path: file, via: 'path' };
    const missing = fs.existsSync(library.modelsDir) ? '' : ' (the folder does not exist)';
    throw new ModelNotFoundError(query, `no model ${JSON.stringify(query)}${files ? ': not a file, and' : ':'} no model with that id or name in ${library.modelsDir}${missing}`);
  }
  const modelFile = path.join(library.modelsDir, found.entry.filePath);
  if (!fs.existsSync(modelFile)) {
    throw new ModelNotFoundError(
      query,
      `model ${JSON.stringify(found.entry.name)} (${found.entry.modelId}) is cataloged but its file ${modelFile} is gone; run \`sda model repair\``,
    );
  }
  return { path: modelFile, via: found.via, entry: found.entry };
}
