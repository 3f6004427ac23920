/**
 * Where the model library is: `--models-dir`, else `SDA_MODELS_DIR`, else (like the Python app) the
 * `[paths] models` entry of a `config.toml` in the current folder, else `data/models`. Relative paths
 * are taken from the current folder, as the app takes them from its project folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from '../errors';

export const DEFAULT_MODELS_DIR = 'data/models';
export const CONFIG_FILE = 'config.toml';

export type ModelsDirSource = 'option' | 'env' | 'config' | 'default';

export interface ResolvedModelsDir {
  /** Absolute path (it may not exist yet). */
  dir: string;
  source: ModelsDirSource;
}

/** The models directory for a command, and where the setting came from. */
export function resolveModelsDir(option?: string, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): ResolvedModelsDir {
  if (option !== undefined && option !== '') return { dir: path.resolve(cwd, option), source: 'option' };
  const fromEnv = env.SDA_MODELS_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return { dir: path.resolve(cwd, fromEnv), source: 'env' };
  const configured = modelsDirFromConfig(cwd);
  if (configured !== undefined) return { dir: path.resolve(cwd, configured), source: 'config' };
  return { dir: path.resolve(cwd, DEFAULT_MODELS_DIR), source: 'default' };
}

/** `[paths] models` of `<cwd>/config.toml`; undefined when there is no file or no such entry. */
export function modelsDirFromConfig(cwd: string): string | undefined {
  const file = path.join(cwd, CONFIG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    // A broken settings file is a file problem (exit 1), not bad usage: say where, as an editor would.
    const e = err as { message?: unknown; line?: unknown; column?: unknown };
    const first = String(e.message ?? err).split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    const place = { line: typeof e.line === 'number' ? e.line : undefined, column: typeof e.column === 'number' ? e.column : undefined };
    throw new ConfigError(file, `not valid TOML: ${first}`, place, { cause: err });
  }
  const paths = doc.paths;
  if (paths === undefined) return undefined;
  if (paths === null || typeof paths !== 'object' || Array.isArray(paths)) throw new ConfigError(file, '[paths] must be a table', { line: lineOf(text, /^\s*paths\s*=/m) });
  const models = (paths as Record<string, unknown>).models;
  if (models === undefined) return undefined;
  if (typeof models !== 'string' || models === '') {
    throw new ConfigError(file, '[paths] models must be a non-empty string', { line: lineOf(text, /^\s*models\s*=/m) });
  }
  return models;
}

/** The 1-based line of the first match of `re` in `text` (a setting's line, for the message); undefined when none. */
function lineOf(text: string, re: RegExp): number | undefined {
  const m = re.exec(text);
  return m ? text.slice(0, m.index).split('\n').length : undefined;
}
