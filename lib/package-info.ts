/** Facts about this installed package (its root folder and version). */
import * as fs from 'fs';
import * as path from 'path';

// The nearest folder above this file with our package.json: lib/ (sources under ts-jest or tsx), dist/
// (the published build) and dist-bench/lib/ (compiled benches) all resolve to the package root.
function findRoot(start: string): string {
  for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'small-dataset-audio') return dir;
    } catch {
      // no package.json here: keep going up
    }
  }
  return path.resolve(start, '..');
}

const ROOT = findRoot(__dirname);

export function packageRoot(): string {
  return ROOT;
}

let cachedVersion: string | undefined;

export function packageVersion(): string {
  cachedVersion ??= (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}
