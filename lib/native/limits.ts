/**
 * The one table of the native layer's limits. The TypeScript wrappers check arguments against it first,
 * with precise messages; the C++ side checks the same numbers again (a caller of the raw binding gets no
 * further): native/native_limits.h is generated from this table by `npm run gen:limits`, and test/11 fails when
 * the two differ.
 */
import { InvalidArgumentError } from '../errors';

export interface Range {
  readonly min: number;
  readonly max: number;
  /** What the range bounds, for the generated header. */
  readonly doc: string;
}

export const NATIVE_LIMITS = Object.freeze({
  threads: { min: 1, max: 1024, doc: 'LibTorch intra-op threads (setNumThreads)' },
  griffinLimIterations: { min: 0, max: 10000, doc: 'Griffin-Lim iterations (nIter)' },
  stopWindow: { min: 1, max: 10000, doc: "Griffin-Lim stopping rule's window" },
  stopMinIterations: { min: 0, max: 10000, doc: "Griffin-Lim stopping rule's iterations always run" },
  batch: { min: 1, max: 65536, doc: 'latents or mels in one decode or encode' },
  convVaeSize: { min: 1, max: 65536, doc: "a ConvVAE's latentDim, nMels and frames (far above any trained model)" },
  matmulSize: { min: 1, max: 4096, doc: "deviceMatmul's matrix size n" },
  sampleRate: { min: 1, max: 1 << 22, doc: 'sample rates of a spectrogram config and of resampling' },
} satisfies Record<string, Range>);

export type NativeLimit = keyof typeof NATIVE_LIMITS;

/** Throws InvalidArgumentError `<name> must be an integer from min to max; got v` unless `v` is one. */
export function checkLimit(limit: NativeLimit, v: number, name: string): void {
  const { min, max } = NATIVE_LIMITS[limit];
  if (!(Number.isInteger(v) && v >= min && v <= max)) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}; got ${v}`);
  }
}
