/**
 * Native errors re-thrown at the JS call site: the addon's errors carry a `code` (native/bridge.h) and the
 * native message but no useful JS stack (async work finishes on another thread), so the stack captured
 * where the caller called us replaces it, and the code picks the typed error class.
 */
import { DeviceUnavailableError, DisposedError, InvalidArgumentError, NativeError, SdaError } from '../errors';

function typed(err: unknown, callSite: Error): SdaError {
  if (err instanceof SdaError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  let out: SdaError;
  switch (e?.code) {
    case 'ERR_SDA_DEVICE_UNAVAILABLE':
      out = new DeviceUnavailableError(message, [], { cause: err });
      break;
    case 'ERR_SDA_DISPOSED':
      out = new DisposedError(message);
      break;
    case 'ERR_SDA_INVALID_ARGUMENT':
      out = new InvalidArgumentError(message, { cause: err });
      break;
    default:
      out = new NativeError(message, { cause: err });
  }
  const frames = (callSite.stack ?? '').split('\n').slice(1).join('\n');
  out.stack = `${out.name}: ${message}\n${frames}`;
  return out;
}

/** Awaits a native async call; failures become typed errors with the caller's stack. */
export async function callNativeAsync<T>(start: () => Promise<T>): Promise<T> {
  const callSite = new Error();
  Error.captureStackTrace(callSite, callNativeAsync);
  try {
    return await start();
  } catch (err) {
    throw typed(err, callSite);
  }
}

/** Runs a native sync call; failures become typed errors with the caller's stack. */
export function callNativeSync<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const callSite = new Error();
    Error.captureStackTrace(callSite, callNativeSync);
    throw typed(err, callSite);
  }
}
