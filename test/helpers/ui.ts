/** The UI tests' shared set-up: a writable library of the genuine models, and raw HTTP requests. */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { ModelLibrary } from '../../lib';
import { copyGenuineLibrary } from './cli';

/**
 * `<tmp>/models` holding the three genuine models, all cataloged (the trained fixture's own catalog
 * entry, the other two added by repairIndex as the app's `repair` would), with `<tmp>/presets` beside it.
 */
export async function genuineUiLibrary(): Promise<{ root: string; modelsDir: string }> {
  const copied = copyGenuineLibrary();
  const root = fs.mkdtempSync(path.join(path.dirname(copied), 'sda-ui-'));
  const modelsDir = path.join(root, 'models');
  fs.renameSync(copied, modelsDir);
  await new ModelLibrary(modelsDir).repairIndex();
  return { root, modelsDir };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json(): { error?: { code: string; message: string } } & Record<string, unknown>;
}

/** One request with exactly the headers given (fetch would not let a test set Host). */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; chunked?: boolean } = {},
): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: options.method ?? 'GET', headers: options.headers, setHost: !options.headers?.host });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
      res.on('error', reject);
    });
    // A server refusing an upload answers and closes before the body is sent: the answer is what counts.
    req.on('error', reject);
    if (options.body !== undefined) {
      if (options.chunked) {
        const b = Buffer.from(options.body);
        const step = 64 * 1024;
        for (let i = 0; i < b.length; i += step) req.write(b.subarray(i, i + step));
      } else req.write(options.body);
    }
    req.end();
  });
}

/** The token and origin of a UI URL. */
export function parseUiUrl(url: string): { origin: string; token: string; hostPort: string } {
  const u = new URL(url);
  return { origin: u.origin, token: u.searchParams.get('token')!, hostPort: u.host };
}
