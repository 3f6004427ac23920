import * as path from 'path';

/** The repository (package) root. */
export const ROOT = path.resolve(__dirname, '../..');
/** Genuine files written by the Python app, carried in the repository (read-only; see its MANIFEST.md). */
export const GENUINE = path.join(ROOT, 'test/fixtures/genuine');
/** The compiled CLI (built by `npm run compile`, which `npm test` runs first). */
export const CLI = path.join(ROOT, 'dist/cli/sda.js');
