/**
 * `startUi(options)`: the local web interface's HTTP server (node:http). It listens on 127.0.0.1 and a
 * free port unless told otherwise, serves the page built at package build time and the JSON API, and
 * renders generation requests one at a time on the chosen device. Every request must carry this
 * server's Host (and Origin, when the browser sends one); every API call the random token of its URL.
 * A one-time link (`/open/<code>`, lib/ui/token.ts) hands the token to a browser opened from a command
 * line. Request headers, whole requests and request bodies are bounded in time (docs/limits.md).
 */
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { errorCodeOf } from '../error-codes';
import { InvalidArgumentError } from '../errors';
import { resolveModelsDir } from '../library/models-dir';
import { resolveDevice } from '../native/devices';
import { handleApi, sendJson, type ApiContext } from './api';
import { clipForLog, LOG_MESSAGE_MAX } from '../util/log-text';
import { httpStatusOf, UiError } from './errors';
import { UiModels } from './models';
import { presetsDirFor } from './presets';
import { RenderQueue } from './render-queue';
import { checkPageBuilt, serveStatic } from './static-files';
import { TakeStore } from './takes';
import { checkRequest, HostPolicy, isLoopbackHost, newToken, OneTimeLinks } from './token';
import { DEFAULT_MAX_UPLOAD_BYTES } from './uploads';

export interface UiOptions {
  /** The model library (default as `sda` and startWorker: $SDA_MODELS_DIR, else [paths] models of ./config.toml, else data/models). */
  modelsDir?: string;
  /** Where "Keep" writes a take's WAV and sidecar (default `./takes`). */
  outDir?: string;
  /** Where presets live (default: `presets/` beside the models folder, Distill's layout). */
  presetsDir?: string;
  /** Interface to listen on (default `127.0.0.1`; anything else is reachable by others on the network). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** Device generation runs on: `auto` (default), `cpu`, `cuda:N`, `mps`. */
  device?: string;
  /** Largest model file the page may upload, in bytes (default 512 MiB). */
  maxUploadBytes?: number;
  /**
   * Bytes the takes held in memory may hold together: Float32 samples and WAV (default 1 GiB); past it
   * the oldest are dropped, and the take list says so.
   */
  takesBudgetBytes?: number;
  /** The token the URL carries (default: 192 random bits); for tests and embedders that pass it on. */
  token?: string;
}

export interface UiHandle {
  /** `http://HOST:PORT/?token=...`: open it in a browser. */
  url: string;
  /**
   * A one-time link `http://HOST:PORT/open/<code>` without the token, for handing to another program (a
   * browser's command line, which other users can read): its first use within `validForMs` (default one
   * minute) redirects to the page with the token; any later use is refused (403).
   */
  openUrl(validForMs?: number): string;
  /** Stops listening, cancels queued and running renders and frees the loaded model. */
  close(): Promise<void>;
}

/** Time for a request's headers to arrive. */
export const HEADERS_TIMEOUT_MS = 30_000;
/** Time for a whole request to arrive, body included (30 minutes: a 512 MiB upload at 300 kB/s). */
export const REQUEST_TIMEOUT_MS = 30 * 60_000;

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return net.isIPv6(host) ? `[${host}]` : host;
}

export async function startUi(options: UiOptions = {}): Promise<UiHandle> {
  checkPageBuilt();
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UiError('ERR_SDA_UI_ADDRESS', 400, `port must be 0-65535, got ${port}`);
  const device = resolveDevice(options.device ?? 'auto').id;
  const { dir: modelsDir } = resolveModelsDir(options.modelsDir);
  const token = options.token ?? newToken();
  const models = new UiModels(modelsDir, device);
  const budget = options.takesBudgetBytes;
  if (budget !== undefined && !(Number.isSafeInteger(budget) && budget > 0)) throw new InvalidArgumentError(`takesBudgetBytes must be a positive integer; got ${budget}`);
  const takes = new TakeStore(budget);
  const queue = new RenderQueue(
    async (req, signal, onProgress) => {
      const pipeline = await models.pipelineFor(req.file);
      return pipeline.generate(req.config, { signal, onProgress: (p) => onProgress(p.total > 0 ? p.done / p.total : 0) });
    },
    async (job, result) => {
      const r = job.request;
      const take = await takes.add(job.id, { modelId: r.modelId, modelName: r.modelName, bitDepth: r.bitDepth, sliderPositions: r.sliderPositions, result });
      return take.id;
    },
  );
  const ctx: ApiContext = {
    models,
    queue,
    takes,
    presetsDir: options.presetsDir ? path.resolve(options.presetsDir) : presetsDirFor(modelsDir),
    outDir: path.resolve(options.outDir ?? 'takes'),
    device,
    maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
  };
  let policy: HostPolicy | undefined;
  const links = new OneTimeLinks();

  const server = http.createServer((req, res) => {
    void (async () => {
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://x');
      } catch {
        url = new URL('http://x/');
      }
      const isApi = url.pathname.startsWith('/api/');
      try {
        checkRequest(req, url, policy!, token, isApi);
        const link = /^\/open\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
        if (link && req.method === 'GET') {
          if (!links.redeem(link[1]!)) throw new UiError('ERR_SDA_UI_FORBIDDEN', 403, 'this link was used already or has expired; open the URL sda ui printed');
          res.writeHead(302, { location: `/#token=${token}`, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
          res.end();
        } else if (isApi) {
          if (!(await handleApi(ctx, req, res, url))) throw new UiError('ERR_SDA_UI_NOT_FOUND', 404, 'no such API route');
        } else if (req.method !== 'GET' && req.method !== 'HEAD') {
          throw new UiError('ERR_SDA_UI_BAD_REQUEST', 405, 'only GET here');
        } else if (!serveStatic(url.pathname, res)) {
          throw new UiError('ERR_SDA_UI_NOT_FOUND', 404, 'not found');
        }
      } catch (e) {
        const status = httpStatusOf(e);
        const code = errorCodeOf(e);
        const message = clipForLog(String((e as Error)?.message ?? e), LOG_MESSAGE_MAX);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // A refused upload's unread body: answer, then drop the connection instead of reading it all.
        if (!req.complete) res.setHeader('connection', 'close');
        sendJson(res, status, { error: { code, message } });
        if (!req.complete) res.on('finish', () => req.destroy());
      }
    })();
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  // The whole request, upload included (bodies must also keep up MIN_BODY_BYTES_PER_SECOND, request-body.ts).
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new UiError('ERR_SDA_UI_ADDRESS', 500, `cannot listen on ${host}:${port}: ${(e as Error).message}`, { cause: e })));
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as net.AddressInfo).port;
  policy = new HostPolicy(host, bound);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${bound}/?token=${token}`,
    openUrl: (validForMs) => `http://${urlHost(host)}:${bound}/open/${links.issue(validForMs)}`,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((r) => server.close(() => r()));
        server.closeAllConnections();
        await queue.close();
        models.unload();
        await stopped;
      })();
      return closing;
    },
  };
}

