/** Facts about this installed package (its root folder and version). */
import * as fs from 'fs';
import * as path from 'path';

// Compiled files live in dist/<dir>/ and sources in lib/<dir>/: the package root is one level up.
const ROOT = path.resolve(__dirname, '..');

export function packageRoot(): string {
  return ROOT;
}

let cachedVersion: string | undefined;

export function packageVersion(): string {
  cachedVersion ??= (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}
