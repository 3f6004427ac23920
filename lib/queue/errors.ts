/**
 * Errors of the job queue. A Redis that cannot be reached (or a URL that names none) is the one failure
 * the queue adds; job failures keep the codes of the generation that failed (ERR_SDA_MODEL_NOT_FOUND, ...).
 */
import { SdaError } from '../errors';

/** Redis could not be reached, or answered with an error, or a queue URL is not a redis:// URL. */
export class QueueError extends SdaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SDA_QUEUE', message, options);
  }
}
