/** File names for saved models (SPEC 7), as the Python app picks them. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Most characters (code points) of a sanitised name, as in the Python app. */
export const MAX_NAME_CHARS = 100;
/** Most UTF-8 bytes of a sanitised name (beyond the Python app: keeps `name_NNN.distill` under 255 bytes). */
export const MAX_NAME_BYTES = 200;

/**
 * The file stem for a model name: characters other than letters, digits, `-`, `_` become `_` (letters and
 * digits in the Unicode sense, as Python's `\w`), runs of `_` collapse, `_` trimmed at both ends,
 * lower-cased, at most 100 characters (and 200 UTF-8 bytes), `untitled` when nothing is left.
 */
export function sanitizeFileName(name: string): string {
  let s = name.replace(/[^\p{L}\p{N}_-]/gu, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '').toLowerCase();
  let chars = Array.from(s);
  if (chars.length > MAX_NAME_CHARS) chars = chars.slice(0, MAX_NAME_CHARS);
  while (chars.length > 0 && Buffer.byteLength(chars.join(''), 'utf8') > MAX_NAME_BYTES) chars.pop();
  s = chars.join('');
  return s === '' ? 'untitled' : s;
}

/** Extensions of saved models (what ModelLibrary.repairIndex catalogs). */
export const MODEL_EXTENSIONS = ['.sda', '.distill'] as const;

/** Whether a file name has a saved model's extension. */
export function hasModelExtension(name: string): boolean {
  return MODEL_EXTENSIONS.some((x) => name.endsWith(x));
}

/** The extension of a saved model of `format`: `.sda` or `.distill`. */
export function modelExtension(format: 'sda_model' | 'distill_model'): string {
  return format === 'distill_model' ? '.distill' : '.sda';
}

/**
 * The first free file name `<stem><ext>`, `<stem>_1<ext>`, `<stem>_2<ext>`, ... in `dir`: free means no
 * such file on disk and not in `taken` (names the catalog still refers to).
 */
export function uniqueFileName(dir: string, stem: string, ext: string, taken: ReadonlySet<string> = new Set()): string {
  for (let i = 0; ; i++) {
    const name = i === 0 ? `${stem}${ext}` : `${stem}_${i}${ext}`;
    if (taken.has(name)) continue;
    if (!fs.existsSync(path.join(dir, name))) return name;
  }
}
