/**
 * Node file-system failures as {@link FileAccessError}s that name the path and say what went wrong in
 * words (`cannot read model file /x/nope.sda: no such file (ENOENT)`), the original error as `cause`.
 * For reads, writes and folder creation alike.
 */
import { FileAccessError, SdaError } from '../errors';

/** What was being done: `cannot <verb> <what> <path>`. */
export type FsVerb = 'read' | 'write' | 'create' | 'delete' | 'rename' | 'open' | 'list' | 'create folder';

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'it already exists',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EBUSY: 'the resource is busy',
  EIO: 'input/output error',
  EXDEV: 'across file systems',
  ENOTEMPTY: 'the directory is not empty',
  EINVAL: 'invalid argument',
  EFBIG: 'the file is too large',
};

// Duck-typed, not `instanceof Error`: Node's errors may come from another realm (vm contexts, test runners).
export function isNodeFsError(e: unknown): e is NodeJS.ErrnoException {
  const x = e as NodeJS.ErrnoException | null;
  return typeof x === 'object' && x !== null && typeof x.code === 'string' && typeof x.syscall === 'string';
}

/**
 * `e` as a FileAccessError when it is a Node file-system error (the path defaults to the error's own);
 * SdaErrors and anything else are returned unchanged. `what` names the file's role, e.g. `model file`.
 */
export function fileAccessError(e: unknown, verb: FsVerb, what: string, file?: string): unknown {
  if (e instanceof SdaError || !isNodeFsError(e)) return e;
  const at = file ?? e.path ?? '';
  return new FileAccessError(`cannot ${verb} ${what} ${at}: ${fsErrorText(e)}`, at, e.code, { cause: e });
}

/** What went wrong, in words, with the system's code: `no such file (ENOENT)`. */
export function fsErrorText(e: NodeJS.ErrnoException): string {
  const code = e.code as string;
  return `${ERRNO_TEXT[code] ?? (/^[A-Z0-9_]+: ([^,]+)/.exec(e.message)?.[1] ?? e.message)} (${code})`;
}

/** Runs `fn`, turning its file-system errors into FileAccessErrors (see {@link fileAccessError}). */
export function withFsErrors<T>(verb: FsVerb, what: string, file: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fileAccessError(e, verb, what, file);
  }
}

/** {@link withFsErrors} for async work. */
export async function withFsErrorsAsync<T>(verb: FsVerb, what: string, file: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fileAccessError(e, verb, what, file);
  }
}
