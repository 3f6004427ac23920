/**
 * File-system failures of library operations (EACCES on the lock, EPERM on a temp file, ENOENT, ENOTDIR,
 * ...) as typed errors: a LibraryError naming the path, with the original error as `cause`.
 */
import { LibraryError, SdaError } from '../errors';
import { fsErrorText, isNodeFsError } from '../util/fs-error';

/**
 * `e` as a LibraryError when it is a Node file-system error (described as lib/util/fs-error.ts describes
 * every one); anything else is returned unchanged.
 */
export function libraryFsError(e: unknown, action: string, file?: string): unknown {
  if (e instanceof SdaError || !isNodeFsError(e)) return e;
  return new LibraryError(`cannot ${action}: ${fsErrorText(e)}`, e.path ?? file, { cause: e });
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
