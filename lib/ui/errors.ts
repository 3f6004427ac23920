/**
 * The UI server's refusals. Each is an SdaError with a stable code and the HTTP status it is sent with,
 * so the page (and scripts driving the API) can branch on `code` rather than on messages.
 */
import { httpStatusOf as tableStatus, type SdaErrorCode } from '../error-codes';
import { SdaError } from '../errors';

/** The UI server's own codes (ERROR_CODES: ERR_SDA_UI_*). */
export type UiErrorCode = Extract<SdaErrorCode, `ERR_SDA_UI_${string}`>;

export class UiError extends SdaError {
  /** The HTTP status the error is sent with. */
  readonly status: number;
  constructor(code: UiErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'UiError';
    this.status = status;
  }
}

/** HTTP status for any error the API passes on: ours carry one; the package's errors map by code (ERROR_CODES). */
export function httpStatusOf(err: unknown): number {
  return err instanceof UiError ? err.status : tableStatus(err);
}

/** Longest value from outside (an id, a name, a path from a catalog) quoted in a message the UI writes. */
export const MAX_QUOTED_CHARS = 200;
/** Longest error message the server answers with (its values quoted within MAX_QUOTED_CHARS). */
export const MAX_MESSAGE_CHARS = 1000;

/** `text` cut to `max` characters, an ellipsis marking the cut (so one value cannot flood a line). */
export function clipText(text: string, max = MAX_QUOTED_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}\u2026`;
}
