/** The saved-model container (SPEC 1): markers and the format version this package reads and writes. */

import type { ConvVaeFormat } from '../native/config-types';

/** `sda_model` (the `.sda` app) or `distill_model` (its successor, `.distill`): also the network it runs. */
export type ModelFormat = ConvVaeFormat;

export const MODEL_FORMATS: readonly ModelFormat[] = ['sda_model', 'distill_model'];

/** The newest `version` this package reads; larger ones are refused with a ModelVersionError. */
export const MODEL_FORMAT_VERSION = 1;

/** `latent_dim` when a file has none. */
export const DEFAULT_LATENT_DIM = 64;

/** Griffin-Lim iterations per format (SPEC 1). */
export function griffinLimIterations(format: ModelFormat): number {
  return format === 'distill_model' ? 128 : 64;
}
