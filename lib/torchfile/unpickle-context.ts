/**
 * What the unpickler's helpers (pickle-globals.ts, pickle-text.ts) may ask of the unpickler running them:
 * its options, its allocation budget and its error reporting.
 */
import type { PyValue } from './values';

/** Limits that keep reading bounded. */
export interface UnpickleLimits {
  /** Deepest nesting of containers (and of MARKs). */
  maxDepth: number;
  /** Most memo entries. */
  maxMemo: number;
  /** Largest int in bytes (LONG1/LONG4) or decimal digits / 2 (text LONG). */
  maxIntBytes: number;
}

/** Shared allocation budget (bytes) for one file read. */
export interface Budget {
  left: number;
}

export interface UnpickleOptions {
  /** Record name for errors. */
  record: string;
  limits: UnpickleLimits;
  budget: Budget;
  /**
   * Charge the bytes a non-contiguous tensor view will copy when its elements are read (`bytes()`,
   * `toTypedArray()`): a stride-0 or overlapping view can copy far more than its storage holds. Off when
   * storages are not read (`storages: 'skip'`), since nothing will be copied then.
   */
  chargeViewCopies?: boolean;
  /** Turns a persistent id into a value (a storage); may throw TorchFileError. */
  persistentLoad: (pid: PyValue, offset: number) => PyValue;
}

/** The running unpickler, as its helpers see it. */
export interface UnpickleContext {
  readonly opts: UnpickleOptions;
  /** Throws TorchFileError naming the record and the offset of the opcode being run. */
  fail(reason: string): never;
  /** Takes `n` bytes from the read's allocation budget (TorchFileError when it runs out). */
  charge(n: number): void;
  /** Records `container`'s nesting depth from its children (TorchFileError past the depth limit). */
  nest(container: object, children: Iterable<PyValue>): void;
}
