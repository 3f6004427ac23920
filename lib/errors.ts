/**
 * Typed errors. Every error this package throws is an {@link SdaError} with a stable `code`, so callers
 * can branch on `err.code` or `instanceof` without parsing messages. The codes, with their exit codes,
 * HTTP statuses and retry rule, are one table: ./error-codes.ts.
 */
import type { SdaErrorCode } from './error-codes';

/** Base class of every error thrown by small-dataset-audio. */
export class SdaError extends Error {
  /** Stable machine-readable code, e.g. `ERR_SDA_DEVICE_UNAVAILABLE` (ERROR_CODES lists them). */
  readonly code: SdaErrorCode;

  constructor(code: SdaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An argument or option has a bad value; the message names what is allowed. */
export class InvalidArgumentError extends SdaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SDA_INVALID_ARGUMENT', message, options);
  }
}

/**
 * A job (a line of a jobs file, a job from the queue) that cannot be run as given: not a job object, an
 * unknown key, invalid options, an output name that is not a plain file name in the output folder.
 * Another try cannot fix it, so the queue fails it at once.
 */
export class BadJobError extends SdaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SDA_BAD_JOB', message, options);
  }
}

/** A device was asked for that this machine or this LibTorch build does not have. */
export class DeviceUnavailableError extends SdaError {
  /** The devices that are available, e.g. `['cpu']`. */
  readonly available: string[];

  constructor(message: string, available: string[], options?: { cause?: unknown }) {
    super('ERR_SDA_DEVICE_UNAVAILABLE', message, options);
    this.available = available;
  }
}

/** LibTorch was not located at set-up time (or its recorded location has gone). */
export class LibtorchNotFoundError extends SdaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SDA_LIBTORCH_NOT_FOUND', message, options);
  }
}

/** The addon was compiled against a different LibTorch version than the one located. */
export class LibtorchVersionMismatchError extends SdaError {
  readonly builtAgainst: string;
  readonly located: string;

  constructor(builtAgainst: string, located: string, addonPath: string, libtorchRoot: string) {
    super(
      'ERR_SDA_LIBTORCH_VERSION_MISMATCH',
      `The native addon ${addonPath} was built against LibTorch ${builtAgainst}, but the located LibTorch ` +
        `at ${libtorchRoot} is ${located}. Rebuild it: \`npm rebuild small-dataset-audio --build-from-source\`.`,
    );
    this.builtAgainst = builtAgainst;
    this.located = located;
  }
}

/** The native addon could not be loaded. */
export class AddonLoadError extends SdaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SDA_ADDON_LOAD', message, options);
  }
}

/** LibTorch or the native code failed; the message is the native one. */
export class NativeError extends SdaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SDA_NATIVE', message, options);
  }
}

/** A file is not a saved model this package can use (wrong marker, missing or mis-shaped weights, ...). */
export class ModelFormatError extends SdaError {
  /** The file, when the model came from one. */
  readonly file: string | undefined;
  /** The dict or state-dict key at fault, when there is one. */
  readonly key: string | undefined;

  constructor(message: string, details: { file?: string; key?: string } = {}, options?: { cause?: unknown }) {
    super('ERR_SDA_MODEL_FORMAT', details.file ? `${details.file}: ${message}` : message, options);
    this.file = details.file;
    this.key = details.key;
  }
}

/** A file was written by a newer version of the format than this package reads: update the package. */
export class ModelVersionError extends SdaError {
  readonly found: number;
  readonly supported: number;

  constructor(what: string, found: number, supported: number, file?: string) {
    super(
      'ERR_SDA_MODEL_VERSION',
      `${file ? `${file}: ` : ''}${what} version ${found} is newer than this package reads (version ${supported}); ` +
        'update small-dataset-audio to use it.',
    );
    this.found = found;
    this.supported = supported;
  }
}

/**
 * A file or folder could not be read, written or created (missing, a directory, no permission, disk
 * full, ...). `path` is the file at fault, `errno` the system's code (`ENOENT`, `EISDIR`, `EACCES`, ...),
 * `cause` the original error.
 */
export class FileAccessError extends SdaError {
  readonly path: string;
  readonly errno: string | undefined;

  constructor(message: string, path: string, errno: string | undefined, options?: { cause?: unknown }) {
    super('ERR_SDA_FILE', message, options);
    this.path = path;
    this.errno = errno;
  }
}

/** export() with `overwrite: false` (the CLI's `--no-clobber`) found a file where it would write. */
export class OutputExistsError extends SdaError {
  /** The file that is already there. */
  readonly path: string;

  constructor(path: string, message = `${path} already exists and overwrite is false`) {
    super('ERR_SDA_OUTPUT_EXISTS', message);
    this.path = path;
  }
}

/**
 * A settings file (the Python app's `config.toml`) cannot be used: not valid TOML, or a setting of the
 * wrong type. The message starts with `file:line:column` when the place is known.
 */
export class ConfigError extends SdaError {
  readonly file: string;
  /** 1-based line of the problem, when known. */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(file: string, problem: string, place: { line?: number; column?: number } = {}, options?: { cause?: unknown }) {
    const at = place.line === undefined ? file : `${file}:${place.line}${place.column === undefined ? '' : `:${place.column}`}`;
    super('ERR_SDA_CONFIG', `${at}: ${problem}`, options);
    this.file = file;
    this.line = place.line;
    this.column = place.column;
  }
}

/** A model (or other native resource) was used after dispose(). */
export class DisposedError extends SdaError {
  constructor(message: string) {
    super('ERR_SDA_DISPOSED', message);
  }
}

/** The model library (catalog `model_library.json`) could not be read or changed. */
export class LibraryError extends SdaError {
  /** The file at fault, when there is one. */
  readonly file: string | undefined;

  constructor(message: string, file?: string, options?: { cause?: unknown }, code: SdaErrorCode = 'ERR_SDA_LIBRARY') {
    super(code, file ? `${file}: ${message}` : message, options);
    this.file = file;
  }
}

/**
 * The catalog (or, with no catalog, its `.bak`) cannot be parsed. Reads and ordinary writes refuse it and
 * leave the file as it is; `repairIndex()` (`sda model repair`) keeps it aside and rebuilds the catalog.
 */
export class LibraryCorruptError extends LibraryError {
  /** What is wrong with the file (bad JSON, not UTF-8, wrong structure). */
  readonly reason: string;

  constructor(file: string, reason: string) {
    super(`the model library index is corrupt (${reason}); run \`sda model repair\` (ModelLibrary.repairIndex()) to keep it aside and rebuild the catalog`, file, undefined, 'ERR_SDA_LIBRARY_CORRUPT');
    this.reason = reason;
  }
}

/** A model looked up by id, id prefix, name or path is not there. */
export class ModelNotFoundError extends SdaError {
  /** What was looked up. */
  readonly query: string;

  constructor(query: string, message: string) {
    super('ERR_SDA_MODEL_NOT_FOUND', message);
    this.query = query;
  }
}

/** A model that a lookup could mean. */
export interface ModelCandidate {
  /** The catalog id; undefined for a file that is not a cataloged model. */
  modelId?: string;
  name?: string;
  /** The model's file. */
  path: string;
  /**
   * The rule that matched: `path`, `id`, `id-prefix`, `name`, `name-case` (case-insensitive name) or
   * `name-part` (part of the name, ignoring case).
   */
  match: string;
}

const RULE_TEXT: Record<string, string> = { path: 'file', id: 'id', name: 'name', 'name-case': 'name (ignoring case)', 'name-part': 'part of the name', 'id-prefix': 'id prefix' };

/** A lookup matched more than one model; `candidates` lists them (give the full model id instead). */
export class AmbiguousModelError extends SdaError {
  readonly query: string;
  readonly candidates: readonly ModelCandidate[];

  constructor(query: string, candidates: readonly ModelCandidate[]) {
    const rules = [...new Set(candidates.map((c) => RULE_TEXT[c.match] ?? c.match))].join(' or ');
    const list = candidates.map((c) => (c.modelId ? `${c.modelId} ${JSON.stringify(c.name)}` : `the file ${c.path}`)).join(', ');
    super('ERR_SDA_AMBIGUOUS_MODEL', `${JSON.stringify(query)} matches ${candidates.length} models by ${rules} (${list}); give the full model id`);
    this.query = query;
    this.candidates = candidates;
  }
}

/** A model with this id is already cataloged (saveModel without `replace: true`). */
export class ModelExistsError extends LibraryError {
  readonly modelId: string;

  constructor(modelId: string, file: string) {
    super(`the library already has the model ${modelId} (${file}); pass replace: true to replace it`, undefined, undefined, 'ERR_SDA_MODEL_EXISTS');
    this.modelId = modelId;
  }
}

/** The library's lock could not be taken in time (another process holds it and is alive). */
export class LibraryLockTimeoutError extends SdaError {
  /** The lock file. */
  readonly lockFile: string;
  /** What the lock file says about its holder, when it could be read. */
  readonly holder: string | undefined;

  constructor(lockFile: string, waitedMs: number, holder?: string) {
    super(
      'ERR_SDA_LIBRARY_LOCK_TIMEOUT',
      `could not lock the model library within ${waitedMs} ms: ${lockFile} is held${holder ? ` by ${holder}` : ''}. ` +
        'If no other program is using this models directory, delete the lock file.',
    );
    this.lockFile = lockFile;
    this.holder = holder;
  }
}

/** Work was stopped by an AbortSignal. */
export class AbortedError extends SdaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SDA_ABORTED', message, options);
  }
}

/**
 * An HRTF file for binaural output cannot be used: not an HDF5/SOFA file, no `Data.IR`, sizes past the
 * limits, ... `path` is the file.
 */
export class HrtfError extends SdaError {
  readonly path: string;

  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super('ERR_SDA_HRTF', `${path}: ${problem}`, options);
    this.path = path;
  }
}

/**
 * An audio encoder (FLAC, Ogg Vorbis, MP3) failed or wrote something we could not use, or its worker
 * thread died. The message says which encoder and what happened.
 */
export class EncodeError extends SdaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SDA_ENCODE', message, options);
  }
}

/**
 * Audio about to be written holds a NaN or an infinite sample (from a damaged model or HRTF, or a result
 * built by hand); nothing was written. A float WAV would carry it, an integer format would turn it into
 * silence or a full-scale click. `channel` and `index` locate the first such sample.
 */
export class NonFiniteAudioError extends SdaError {
  readonly channel: number;
  readonly index: number;

  constructor(channel: number, index: number, value: number) {
    super('ERR_SDA_NON_FINITE_AUDIO', `the audio holds ${String(value)} at channel ${channel}, sample ${index}; nothing was written`);
    this.channel = channel;
    this.index = index;
  }
}
