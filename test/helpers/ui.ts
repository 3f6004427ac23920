/** The UI tests' shared set-up: a writable library of the genuine models, and raw HTTP requests. */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
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

/**
 * `sda ui --open` with a stand-in `xdg-open` first on PATH that records its whole command line (and its
 * environment and its parent's command line, as another user's `ps` would see them). Resolves to the
 * URL printed and what the opener recorded; `stop()` ends the server.
 */
export async function uiWithRecordingOpener(cli: string, args: string[]): Promise<{ url: string; recorded: string[]; stop(): void }> {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-ui-open-'));
  const seen = path.join(bin, 'opened.txt');
  fs.writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\n{ printf '%s\\n' "$0" "$@"; env; cat /proc/$PPID/cmdline; } > "${seen}.tmp" && mv "${seen}.tmp" "${seen}"\n`, { mode: 0o755 });
  const child = spawn(process.execPath, [cli, 'ui', ...args, '--open'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  const stop = () => {
    child.kill('SIGTERM');
    fs.rmSync(bin, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
    });
    // The opener runs detached: wait for the file it writes (renamed into place, so complete when seen).
    while (!fs.existsSync(seen)) await new Promise((r) => setTimeout(r, 20));
    return { url, recorded: fs.readFileSync(seen, 'utf8').split('\n'), stop };
  } catch (e) {
    stop();
    throw e;
  }
}
