/**
 * Finding a model from what the user typed: a file path, a model id (or a unique id prefix of at least
 * 4 characters), or a model name (exact, then case-insensitive) in the library; nothing at all means the
 * demo model shipped in the package.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ModelLibrary, type LibraryWarning } from '../library/library';
import type { ModelEntry } from '../library/entry';
import { MODEL_EXTENSIONS } from '../library/library';
import { packageRoot } from '../package-info';
import { modelNotFound, CliError } from './cli-error';

/** The demo model shipped in the package (made by scripts/make_demo_model.py). */
export function demoModelPath(): string {
  return path.join(packageRoot(), 'assets', 'demo', 'demo.sda');
}

export interface ResolvedModel {
  /** Absolute path of the `.sda` / `.distill` file. */
  path: string;
  via: 'demo' | 'path' | 'id' | 'name';
  /** The catalog entry, when found through the library. */
  entry?: ModelEntry;
}

/** Prints library recoveries as one `sda: warning:` line each on stderr. */
export function cliWarning(w: LibraryWarning): void {
  process.stderr.write(`sda: warning: ${w.message}\n`);
}

/** The library of `dir`, or undefined when the folder does not exist (read-only commands never create it). */
export function openLibrary(dir: string): ModelLibrary | undefined {
  if (!fs.existsSync(dir)) return undefined;
  return new ModelLibrary(dir, { onWarning: cliWarning });
}

function looksLikePath(spec: string): boolean {
  return spec.includes('/') || spec.includes('\\') || MODEL_EXTENSIONS.some((x) => spec.toLowerCase().endsWith(x)) || spec.endsWith('.pt');
}

/** The library entry for an id, id prefix or name; undefined when none; CliError when ambiguous. */
export function findEntry(entries: ModelEntry[], spec: string): { entry: ModelEntry; via: 'id' | 'name' } | undefined {
  const byId = entries.find((e) => e.modelId === spec);
  if (byId) return { entry: byId, via: 'id' };
  const pick = (list: ModelEntry[], via: 'id' | 'name', what: string) => {
    if (list.length === 1) return { entry: list[0]!, via };
    if (list.length > 1) {
      throw new CliError('ERR_SDA_AMBIGUOUS_MODEL', `${JSON.stringify(spec)} matches ${list.length} models by ${what} (${list.map((e) => e.modelId).join(', ')}); give the model id`);
    }
    return undefined;
  };
  return (
    pick(entries.filter((e) => e.name === spec), 'name', 'name') ??
    pick(entries.filter((e) => e.name.toLowerCase() === spec.toLowerCase()), 'name', 'name') ??
    (spec.length >= 4 ? pick(entries.filter((e) => e.modelId.startsWith(spec)), 'id', 'id prefix') : undefined)
  );
}

/**
 * Resolves a model argument. `undefined` is the demo model; a path to an existing file is that file;
 * otherwise the library in `modelsDir` is searched (id, id prefix, name). `demo` finds the demo model
 * when the library has no model by that name.
 */
export async function resolveModel(spec: string | undefined, modelsDir: string): Promise<ResolvedModel> {
  if (spec === undefined) return demo();
  const asPath = path.resolve(spec);
  if (fs.existsSync(asPath) && fs.statSync(asPath).isFile()) return { path: asPath, via: 'path' };
  if (looksLikePath(spec)) throw modelNotFound(`no model file ${asPath}`);
  const library = openLibrary(modelsDir);
  const found = library ? findEntry(await library.listAll(), spec) : undefined;
  if (found) {
    const file = path.join(modelsDir, found.entry.filePath);
    if (!fs.existsSync(file)) {
      throw modelNotFound(`model ${JSON.stringify(found.entry.name)} (${found.entry.modelId}) is cataloged but its file ${file} is gone; run \`sda model repair\``);
    }
    return { path: file, via: found.via, entry: found.entry };
  }
  if (spec === 'demo') return demo();
  throw modelNotFound(`no model ${JSON.stringify(spec)}: not a file, and no model with that id or name in ${modelsDir}${library ? '' : ' (the folder does not exist)'}; see \`sda model list\``);
}

function demo(): ResolvedModel {
  const file = demoModelPath();
  if (!fs.existsSync(file)) throw modelNotFound(`the demo model ${file} is missing from this installation; reinstall small-dataset-audio or name a model`);
  return { path: file, via: 'demo' };
}
