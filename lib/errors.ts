/**
 * Typed errors. Every error this package throws is an {@link SdaError} with a stable `code`, so callers
 * can branch on `err.code` or `instanceof` without parsing messages.
 */

/** Base class of every error thrown by small-dataset-audio. */
export class SdaError extends Error {
  /** Stable machine-readable code, e.g. `ERR_SDA_DEVICE_UNAVAILABLE`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
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
