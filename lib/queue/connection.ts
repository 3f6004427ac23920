/**
 * Where the queue lives: a `redis://[user:password@]HOST[:PORT][/DB]` URL (the form `sda worker --queue`
 * and `sda batch --queue` take) or BullMQ's own connection options. The URL is parsed here rather than
 * handed to the client so that a typo is refused at once with a message, instead of a client retrying
 * a host that does not exist forever.
 */
import { InvalidArgumentError } from '../errors';

/** How to reach Redis: host, port, database, credentials (a subset of ioredis' options). */
export interface QueueConnection {
  host: string;
  port: number;
  /** The Redis database number (default 0). */
  db?: number;
  username?: string;
  password?: string;
}

/** The default queue name (`--queue-name`). */
export const DEFAULT_QUEUE_NAME = 'sda';

/** Parses `redis://[user:password@]HOST[:PORT][/DB]` (`rediss://`, Redis over TLS, is not supported yet). */
export function parseQueueUrl(url: string): QueueConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidArgumentError(`the queue must be a redis://HOST:PORT/DB URL; got ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'redis:') throw new InvalidArgumentError(`the queue must be a redis://HOST:PORT/DB URL; got ${JSON.stringify(url)}`);
  if (u.hostname === '') throw new InvalidArgumentError(`the queue URL ${JSON.stringify(url)} names no host`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^(0|[1-9][0-9]{0,3})$/.test(dbText)) {
    throw new InvalidArgumentError(`the database of the queue URL must be a number (redis://HOST:PORT/0); got ${JSON.stringify(dbText)}`);
  }
  const c: QueueConnection = { host: u.hostname.replace(/^\[|\]$/g, ''), port, db: dbText === '' ? 0 : Number(dbText) };
  if (u.username) c.username = decodeURIComponent(u.username);
  if (u.password) c.password = decodeURIComponent(u.password);
  return c;
}

/** The connection from a URL or options (checked either way). */
export function toConnection(connection: string | QueueConnection): QueueConnection {
  if (typeof connection === 'string') return parseQueueUrl(connection);
  if (connection === null || typeof connection !== 'object' || typeof connection.host !== 'string' || !Number.isInteger(connection.port)) {
    throw new InvalidArgumentError('connection must be a redis:// URL or { host, port, db? }');
  }
  return connection;
}

/** The URL of a connection for messages, without the password. */
export function describeConnection(c: QueueConnection): string {
  return `redis://${c.host}:${c.port}/${c.db ?? 0}`;
}
