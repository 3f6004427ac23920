/**
 * Who may drive the UI server. A random token in the URL (as notebook servers do) proves the caller was
 * shown the URL; the Host check stops DNS rebinding (a foreign name resolving to 127.0.0.1 still sends its
 * own name as Host); the Origin check stops other websites open in the same browser (CSRF), since a
 * browser always sends Origin on cross-origin requests and on every POST/PUT/DELETE.
 */
import * as crypto from 'crypto';
import * as net from 'net';
import type { IncomingMessage } from 'http';
import { UiError } from './errors';

/** 192 random bits, URL-safe. */
export function newToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

/** Constant-time comparison (hashes first, so lengths leak nothing either). */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (typeof given !== 'string' || given === '') return false;
  const a = crypto.createHash('sha256').update(expected).digest();
  const b = crypto.createHash('sha256').update(given).digest();
  return crypto.timingSafeEqual(a, b);
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** The `host:port` values a request's Host header may carry for a server bound to `host`, `port`. */
export class HostPolicy {
  private readonly names: Set<string>;
  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    const bound = net.isIPv6(host) ? `[${host}]` : host;
    this.names = new Set([...LOOPBACK_NAMES, bound].map((n) => `${n}:${port}`.toLowerCase()));
  }

  /**
   * Whether `hostHeader` names this server. On a wildcard bind any IP literal is accepted (the machine's
   * addresses are not known in advance); names other than localhost never are, which is what defeats
   * DNS rebinding.
   */
  allows(hostHeader: string | undefined): boolean {
    if (typeof hostHeader !== 'string') return false;
    const h = hostHeader.toLowerCase();
    if (this.names.has(h)) return true;
    if (!isWildcard(this.host)) return false;
    const m = /^(\[[0-9a-f:.]+\]|[0-9.]+):(\d+)$/.exec(h);
    if (!m || Number(m[2]) !== this.port) return false;
    const ip = m[1]!.replace(/^\[|\]$/g, '');
    return net.isIP(ip) !== 0;
  }

  /** Origin is `http://` + an allowed host (the page never sends `null`; sandboxed frames and files do). */
  allowsOrigin(origin: string): boolean {
    const m = /^http:\/\/([^/]+)$/i.exec(origin);
    return m !== null && this.allows(m[1]);
  }
}

/**
 * Refuses a request whose Host or Origin is foreign (all routes), or, for the API, whose token is missing
 * or wrong. The token comes in the `X-Sda-Token` header (fetch calls) or the `token` query parameter
 * (links, `<audio src>`), never in a cookie, so a browser never attaches it to another site's request.
 */
export function checkRequest(req: IncomingMessage, url: URL, policy: HostPolicy, token: string, needToken: boolean): void {
  if (!policy.allows(req.headers.host)) throw new UiError('ERR_SDA_UI_FORBIDDEN', 403, 'foreign Host header');
  const origin = req.headers.origin;
  if (origin !== undefined && !policy.allowsOrigin(origin)) throw new UiError('ERR_SDA_UI_FORBIDDEN', 403, 'foreign Origin');
  if (!needToken) return;
  const header = req.headers['x-sda-token'];
  const given = typeof header === 'string' ? header : (url.searchParams.get('token') ?? undefined);
  if (!tokenMatches(token, given)) throw new UiError('ERR_SDA_UI_FORBIDDEN', 403, 'missing or wrong token (open the URL sda ui printed)');
}

/** How long a link from {@link OneTimeLinks.issue} may be used (one minute), unless told otherwise. */
export const ONE_TIME_LINK_MS = 60_000;

/**
 * One-time links `/open/<code>` for opening the page from a command line (`sda ui --open`) without the
 * token in any process's arguments: the code is random, used once, and expires. The server answers the
 * first use with a redirect to the page carrying the token in the URL's fragment (never sent to a
 * server, and the page moves it to the tab's storage).
 */
export class OneTimeLinks {
  private readonly codes = new Map<string, number>();

  /** A new code, valid for `validForMs`. */
  issue(validForMs = ONE_TIME_LINK_MS): string {
    const code = newToken();
    this.codes.set(code, Date.now() + validForMs);
    return code;
  }

  /** Whether `code` was issued, is unused and has not expired; it is used up either way. */
  redeem(code: string): boolean {
    const now = Date.now();
    for (const [c, until] of this.codes) if (until < now) this.codes.delete(c);
    const until = this.codes.get(code);
    this.codes.delete(code);
    return until !== undefined && until >= now;
  }
}
