/** Errors of the `sda` command itself, with the exit code they end the command with. */
import { ERROR_CODES, type SdaErrorCode } from '../error-codes';
import { ModelNotFoundError, OutputExistsError, SdaError } from '../errors';

/** A failure of a command that is not an error of the library; it exits with its code's exit code. */
export class CliError extends SdaError {
  readonly exitCode: number;

  constructor(code: SdaErrorCode, message: string) {
    super(code, message);
    this.exitCode = ERROR_CODES[code].exit;
  }
}

/** A model, checkpoint or folder asked for by id, name or path that is not there (exit 1). */
export function modelNotFound(query: string, message: string): ModelNotFoundError {
  return new ModelNotFoundError(query, message);
}

/** Bad usage found after parsing (exit 2). */
export function usageError(message: string): CliError {
  return new CliError('ERR_SDA_USAGE', message);
}

/**
 * An output that exists and `--no-clobber` forbids replacing (exit 1: a file problem, not bad usage): the
 * library's own error (export with `overwrite: false`), with the message in the CLI's terms.
 */
export function outputExists(file: string): OutputExistsError {
  return new OutputExistsError(file, `${file} already exists and --no-clobber forbids replacing it`);
}
