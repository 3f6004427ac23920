/**
 * The page's files, built at package build time (scripts/build-ui.js: ui/ -> dist/ui/page) and served
 * from there with a Content-Security-Policy that allows nothing but this server: the page works offline
 * and cannot load or send anything elsewhere.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ServerResponse } from 'http';
import { packageRoot } from '../package-info';
import { UiError } from './errors';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function pageDir(): string {
  return path.join(packageRoot(), 'dist', 'ui', 'page');
}

/** Fails early, with the fix, when the page was not built (a clone without `npm run compile`). */
export function checkPageBuilt(dir = pageDir()): void {
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new UiError('ERR_SDA_UI_NOT_FOUND', 500, `the page is not built (${dir} has no index.html); run npm run compile`);
  }
}

/** Serves `/` and the built files by name (no sub-folders, so no path can leave the folder). */
export function serveStatic(pathname: string, res: ServerResponse, dir = pageDir()): boolean {
  const name = pathname === '/' ? 'index.html' : pathname.slice(1);
  if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) return false;
  const type = TYPES[path.extname(name)];
  if (!type) return false;
  let body: Buffer;
  try {
    body = fs.readFileSync(path.join(dir, name));
  } catch {
    return false;
  }
  res.writeHead(200, {
    'content-type': type,
    'content-length': body.length,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  });
  res.end(body);
  return true;
}
