/**
 * Finding a model from what a user typed: a file path, or a model id, id prefix, name or part of a name
 * in a library.
 *
 * Rules, documented in docs/library.md:
 * - A query that looks like a path (a `/` or `\`, or ending in `.sda`, `.distill`, `.pt`) is only a path.
 * - Otherwise the catalog is searched step by step, and the first step that matches anything decides:
 *   exact id, id prefix (4+ characters, ignoring case), exact name, name ignoring case, part of the name
 *   ignoring case. One model at that step: that one. Several: AmbiguousModelError listing them.
 * - A bare query that is also an existing file: that file when no model matches, ambiguous when one does
 *   (a full id excepted: ids are the catalog's unique keys, the way out of any ambiguity).
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
  /** Try the last step, a unique part of a name ignoring case (default true). */
  nameParts?: boolean;
  /** Warnings of the library read (corrupt entries, missing index). */
  library?: ModelLibraryOptions;
}

/** The catalog step that found a model: `name-part` is a part of the name, ignoring case. */
export type MatchRule = 'id' | 'id-prefix' | 'name' | 'name-part';

export interface ResolvedModel {
  /** Absolute path of the model file. */
  path: string;
  /** The rule that found it (`name` covers the exact name and the name ignoring case). */
  via: 'path' | MatchRule;
  /** The catalog entry, when found through the library. */
  entry?: ModelEntry;
}

/** A library entry found by {@link matchModel}. */
export interface ModelMatch {
  entry: ModelEntry;
  via: MatchRule;
}

/** Options of {@link matchModel}. */
export interface MatchModelOptions {
  /** A file the query also names, which makes any match but a full id ambiguous. */
  alsoFile?: string;
  /** Try the last step, a unique part of a name ignoring case (default true). */
  nameParts?: boolean;
}

type Step = 'id' | 'id-prefix' | 'name' | 'name-case' | 'name-part';

/** The lookup order: each step's test, given the query and the query in lower case. */
const STEPS: readonly [Step, (e: ModelEntry, query: string, lower: string) => boolean][] = [
  ['id', (e, q) => e.modelId === q],
  ['id-prefix', (e, q, lower) => q.length >= MIN_ID_PREFIX && e.modelId.toLowerCase().startsWith(lower)],
  ['name', (e, q) => e.name === q],
  ['name-case', (e, _q, lower) => e.name.toLowerCase() === lower],
  ['name-part', (e, _q, lower) => e.name.toLowerCase().includes(lower)],
];

/** Whether a query can only be meant as a path. */
export function looksLikePath(query: string): boolean {
  const lower = query.toLowerCase();
  return query.includes('/') || query.includes('\\') || MODEL_EXTENSIONS.some((x) => lower.endsWith(x)) || lower.endsWith('.pt');
}

function candidate(modelsDir: string, e: ModelEntry, match: string): ModelCandidate {
  return { modelId: e.modelId, name: e.name, path: path.join(modelsDir, e.filePath), match };
}

/**
 * The entry `query` names in `entries` (see the rules above); undefined when none. The catalog's order
 * does not matter: candidates are listed by id. Errors: AmbiguousModelError.
 */
export function matchModel(entries: readonly ModelEntry[], query: string, modelsDir: string, options: MatchModelOptions = {}): ModelMatch | undefined {
  const lower = query.toLowerCase();
  for (const [step, test] of STEPS) {
    if (step === 'name-part' && options.nameParts === false) break;
    const found = entries.filter((e) => test(e, query, lower));
    if (found.length === 0) continue;
    if (found.length === 1 && (step === 'id' || !options.alsoFile)) {
      return { entry: found[0]!, via: step === 'name-case' ? 'name' : step };
    }
    const list = [...found].sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0)).map((e) => candidate(modelsDir, e, step));
    throw new AmbiguousModelError(query, options.alsoFile ? [{ path: options.alsoFile, match: 'path' }, ...list] : list);
  }
  return undefined;
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
 * prefix, name or part of a name (in that order). Reads only (the library is not changed, a missing
 * folder is not created).
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
  const found = matchModel(await library.listAll(), query, library.modelsDir, { alsoFile: file, nameParts: options.nameParts });
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
