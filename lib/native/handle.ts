/** The one dispose pattern of the native wrappers (ConvVae, Spectrogram). */
import { DisposedError } from '../errors';

/**
 * Each handle's noun, for DisposedError. Kept here rather than in a `#noun` field: an ES private field puts
 * `#private` in the published .d.ts, which TypeScript 5.x refuses for a consumer's default target (ES5).
 */
const nouns = new WeakMap<object, string>();

/**
 * Holds a native object until dispose(): calls already running finish first (the native side keeps its
 * object alive for them), later calls throw DisposedError naming what was disposed.
 */
export abstract class NativeHandle<T extends { dispose(): void }> {
  /** The native object; null once disposed (tests read it to reach the raw binding). */
  protected handle: T | null;

  protected constructor(handle: T, noun: string) {
    this.handle = handle;
    nouns.set(this, noun);
  }

  get disposed(): boolean {
    return this.handle === null;
  }

  /** Frees native and device memory. Calls already running finish first; later calls throw DisposedError. */
  dispose(): void {
    this.handle?.dispose();
    this.handle = null;
  }

  /** `using x = ...` disposes at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** `await using x = ...` disposes at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }

  /** The native object, or DisposedError for `what` (a method name). */
  protected live(what: string): T {
    if (!this.handle) throw new DisposedError(`${what}: this ${nouns.get(this)} has been disposed`);
    return this.handle;
  }
}
