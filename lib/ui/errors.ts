/**
 * The UI server's refusals. Each is an SdaError with a stable code and the HTTP status it is sent with,
 * so the page (and scripts driving the API) can branch on `code` rather than on messages.
 */
import { SdaError } from '../errors';

export type UiErrorCode =
  | 'ERR_SDA_UI_FORBIDDEN' // no or wrong token, foreign Host or Origin
  | 'ERR_SDA_UI_NOT_FOUND' // no such route, model, take, job or preset
  | 'ERR_SDA_UI_BAD_REQUEST' // a body or parameter the API does not accept
  | 'ERR_SDA_UI_TOO_LARGE' // an upload or JSON body over its limit
  | 'ERR_SDA_UI_PRESETS' // a presets.json that cannot be read or written
  | 'ERR_SDA_UI_ADDRESS'; // the server could not listen where asked

export class UiError extends SdaError {
  /** The HTTP status the error is sent with. */
  readonly status: number;
  constructor(code: UiErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'UiError';
    this.status = status;
  }
}

/** HTTP status for any error the API passes on: ours carry one; the package's typed errors map by kind. */
export function httpStatusOf(err: unknown): number {
  if (err instanceof UiError) return err.status;
  if (!(err instanceof SdaError)) return 500;
  switch (err.code) {
    case 'ERR_SDA_MODEL_NOT_FOUND':
      return 404;
    case 'ERR_SDA_MODEL_EXISTS':
    case 'ERR_SDA_OUTPUT_EXISTS':
      return 409;
    case 'ERR_SDA_ABORTED':
      return 499;
    case 'ERR_SDA_INVALID_ARGUMENT':
    case 'ERR_SDA_TORCH_FILE':
    case 'ERR_SDA_MODEL_FORMAT':
    case 'ERR_SDA_MODEL_VERSION':
      return 400;
    default:
      return 500;
  }
}
