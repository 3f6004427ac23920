/**
 * The one table of error codes: for each, what it means, the `sda` command's exit code, the HTTP status
 * the UI server answers with, and whether a queued job failing with it is tried again. The CLI, the UI
 * server and the queue read their policies from here (docs/vocabulary.md lists the table).
 */

interface CodePolicy {
  /** Exit code of `sda` when a command ends with this error: 2 bad usage, 1 anything else. */
  readonly exit: 1 | 2;
  /** HTTP status of the UI server's answer (a UiError may give its own). */
  readonly http: number;
  /** A queued job that fails with it is tried again (false: the job itself is wrong). */
  readonly retry: boolean;
  readonly what: string;
}

const usage = { exit: 2, http: 400, retry: false } as const;
const badInput = { exit: 1, http: 400, retry: false } as const;
const failure = { exit: 1, http: 500, retry: true } as const;

export const ERROR_CODES = Object.freeze({
  ERR_SDA_INVALID_ARGUMENT: { ...usage, what: 'an argument or option has a bad value' },
  ERR_SDA_USAGE: { ...usage, what: 'a command line that cannot be run (found after parsing)' },
  ERR_SDA_BAD_JOB: { ...badInput, what: 'a job (from a jobs file or the queue) that cannot be run as given' },
  ERR_SDA_MODEL_NOT_FOUND: { ...badInput, http: 404, what: 'a model looked up by id, name or path is not there' },
  ERR_SDA_AMBIGUOUS_MODEL: { ...badInput, what: 'a lookup matched more than one model' },
  ERR_SDA_MODEL_FORMAT: { ...badInput, what: 'a file is not a saved model this package can use' },
  ERR_SDA_MODEL_VERSION: { ...badInput, what: 'a file written by a newer format version' },
  ERR_SDA_TORCH_FILE: { ...failure, http: 400, retry: false, what: 'a torch.save file that is damaged or past a safety limit' },
  ERR_SDA_OUTPUT_EXISTS: { ...badInput, http: 409, what: 'an output exists and may not be replaced' },
  ERR_SDA_MODEL_EXISTS: { ...failure, http: 409, what: 'the library already has a model with this id' },
  ERR_SDA_ABORTED: { ...failure, http: 499, what: 'work stopped by an AbortSignal' },
  ERR_SDA_INTERRUPTED: { ...failure, what: 'the command was stopped (Ctrl-C, SIGTERM, closed output); it exits 130, 143 or 141' },
  ERR_SDA_FILE: { ...failure, what: 'a file or folder could not be read, written or created' },
  ERR_SDA_CONFIG: { ...failure, what: 'a settings file (config.toml) cannot be used' },
  ERR_SDA_LIBRARY: { ...failure, what: 'the model library could not be read or changed' },
  ERR_SDA_LIBRARY_CORRUPT: { ...failure, what: "the library's index cannot be parsed (sda model repair)" },
  ERR_SDA_LIBRARY_LOCK_TIMEOUT: { ...failure, what: "the library's lock is held by another live process" },
  ERR_SDA_HRTF: { ...failure, what: 'an HRTF (SOFA) file cannot be used' },
  ERR_SDA_ENCODE: { ...failure, what: 'an audio encoder failed' },
  ERR_SDA_NON_FINITE_AUDIO: { ...failure, retry: false, what: 'audio to be written holds NaN or infinite samples; nothing was written' },
  ERR_SDA_DEVICE_UNAVAILABLE: { ...failure, what: 'a device this machine or LibTorch build does not have' },
  ERR_SDA_DISPOSED: { ...failure, what: 'a model or spectrogram used after dispose()' },
  ERR_SDA_NATIVE: { ...failure, what: 'LibTorch or the native code failed' },
  ERR_SDA_ADDON_LOAD: { ...failure, what: 'the native addon could not be loaded' },
  ERR_SDA_LIBTORCH_NOT_FOUND: { ...failure, what: 'LibTorch was not located, or its recorded location has gone' },
  ERR_SDA_LIBTORCH_VERSION_MISMATCH: { ...failure, what: 'the addon was built against another LibTorch version' },
  ERR_SDA_QUEUE: { ...failure, what: 'Redis could not be reached or refused, or a job failed outside our code' },
  ERR_SDA_UI_FORBIDDEN: { ...failure, http: 403, what: 'no or wrong token, or a foreign Host or Origin' },
  ERR_SDA_UI_NOT_FOUND: { ...failure, http: 404, what: 'no such route, model, take, job or preset' },
  ERR_SDA_UI_BAD_REQUEST: { ...failure, http: 400, what: 'a body or parameter the API does not accept' },
  ERR_SDA_UI_TOO_LARGE: { ...failure, http: 413, what: 'an upload or JSON body over its limit' },
  ERR_SDA_UI_BUSY: { ...failure, http: 503, what: 'the render queue is full (requests or seconds of audio waiting)' },
  ERR_SDA_UI_TIMEOUT: { ...failure, http: 408, what: 'a request body arrived too slowly' },
  ERR_SDA_UI_PRESETS: { ...failure, what: 'a presets.json that cannot be read or written' },
  ERR_SDA_UI_ADDRESS: { ...failure, what: 'the server could not listen where asked' },
  ERR_SDA_INTERNAL: { ...failure, what: 'an error that is not ours (a bug): reported with this code' },
} satisfies Record<`ERR_SDA_${string}`, CodePolicy>);

/** Every code an SdaError can carry. */
export type SdaErrorCode = keyof typeof ERROR_CODES;

function policyOf(err: unknown): CodePolicy {
  return ERROR_CODES[errorCodeOf(err)];
}

/** The error's code; `ERR_SDA_INTERNAL` for anything that is not one of ours. */
export function errorCodeOf(err: unknown): SdaErrorCode {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code) && err instanceof Error ? (code as SdaErrorCode) : 'ERR_SDA_INTERNAL';
}

/** The `sda` command's exit code for a command that ends with `err`. */
export function exitCodeOf(err: unknown): number {
  return policyOf(err).exit;
}

/** The HTTP status for `err` (the table's; a UiError carries its own). */
export function httpStatusOf(err: unknown): number {
  return policyOf(err).http;
}

/** Whether a queued job that failed with `err` is tried again. */
export function isRetryable(err: unknown): boolean {
  return policyOf(err).retry;
}
