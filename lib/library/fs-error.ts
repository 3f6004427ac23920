/**
 * File-system failures of library operations (EACCES on the lock, EPERM on a temp file, ENOENT, ENOTDIR,
 * ...) as typed errors: a LibraryError naming the path, with the original error as `cause`.
 */
import { LibraryError, SdaError } from '../errors';

// Not `instanceof Error`: Node's own errors can come from another realm (vm contexts, test runners).
function isErrno(e: unknown): e is NodeJS.ErrnoException {
  const x = e as NodeJS.ErrnoException | null;
  return typeof x === 'object' && x !== null && typeof x.code === 'string' && typeof x.syscall === 'string' && typeof x.message === 'string';
}

/** `e` as a LibraryError when it is a Node file-system error; anything else is returned unchanged. */
export function libraryFsError(e: unknown, action: string, file?: string): unknown {
  if (e instanceof SdaError || !isErrno(e)) return e;
  // Node's message is "CODE: description, syscall 'path'": keep the description only.
  const what = /^[A-Z0-9_]+: ([^,]+)/.exec(e.message)?.[1] ?? e.message;
  return new LibraryError(`cannot ${action}: ${e.code} (${what})`, e.path ?? file, { cause: e });
}

/** Runs `fn`, turning its file-system errors into LibraryErrors (see {@link libraryFsError}). */
export function fsGuard<T>(action: string, file: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw libraryFsError(e, action, file);
  }
}

/** {@link fsGuard} for async work. */
export async function fsGuardAsync<T>(action: string, file: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw libraryFsError(e, action, file);
  }
}
