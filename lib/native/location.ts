/**
 * Where LibTorch was found at set-up time: the JSON that scripts/locate-libtorch.js writes, read back
 * so `require` never searches again.
 */
import * as fs from 'fs';
import * as path from 'path';
import { LibtorchNotFoundError } from '../errors';
import { packageRoot } from '../package-info';

/**
 * How LibTorch was found: `env` ($LIBTORCH), `local` (the package's ./libtorch), `python` (a
 * pip-installed torch), `cache` (the user cache shared by every project: README, "How LibTorch is found").
 */
export type LibtorchSource = 'env' | 'local' | 'python' | 'cache';

export interface LibtorchLocation {
  schema: number;
  /** e.g. `2.13.0`, from the headers the addon compiles against. */
  version: string;
  /** The LibTorch root (holds include/, lib/, share/cmake/Torch). */
  root: string;
  includeDirs: string[];
  libDir: string;
  cmakeDir: string;
  /** Shared libraries preloaded before the addon, in dependency order. */
  libraries: string[];
  cudaBuild: boolean;
  foundBy: LibtorchSource;
  locatedAt: string;
}

export const LOCATION_FILE = 'libtorch-location.json';

export function locationFile(root: string = packageRoot()): string {
  return path.join(root, LOCATION_FILE);
}

/** Reads the recorded location; a typed error explains how to fix a missing or broken record. */
export function readLocation(root: string = packageRoot()): LibtorchLocation {
  const file = locationFile(root);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new LibtorchNotFoundError(
      `LibTorch has not been located for this installation (${file} is missing). ` +
        'Run `npm rebuild small-dataset-audio` (or `npm ci` in a clone); set LIBTORCH to use your own LibTorch.',
    );
  }
  let loc: LibtorchLocation;
  try {
    loc = JSON.parse(text) as LibtorchLocation;
  } catch (cause) {
    throw new LibtorchNotFoundError(`${file} is not valid JSON; run \`npm rebuild small-dataset-audio\`.`, { cause });
  }
  if (typeof loc.version !== 'string' || !Array.isArray(loc.libraries) || typeof loc.root !== 'string') {
    throw new LibtorchNotFoundError(`${file} is incomplete; run \`npm rebuild small-dataset-audio\`.`);
  }
  const missing = loc.libraries.filter((lib) => !fs.existsSync(lib));
  if (missing.length > 0) {
    throw new LibtorchNotFoundError(
      `The LibTorch recorded in ${file} (${loc.root}) has gone: missing ${missing.join(', ')}. ` +
        'Run `npm rebuild small-dataset-audio` to locate it again.',
    );
  }
  return loc;
}
