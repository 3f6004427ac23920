/** Errors of the `sda` command itself, with the exit code they end the command with. */
import { OutputExistsError, SdaError } from '../errors';
import { EXIT_FAILURE, EXIT_USAGE } from './exit-codes';

/** A failure of a command (exit 1) or bad usage (exit 2) that is not an error of the library. */
export class CliError extends SdaError {
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode: number = EXIT_FAILURE) {
    super(code, message);
    this.exitCode = exitCode;
  }
}

/** A model asked for by id, name or path that is not there (exit 1). */
export function modelNotFound(message: string): CliError {
  return new CliError('ERR_SDA_MODEL_NOT_FOUND', message, EXIT_FAILURE);
}

/** Bad usage found after parsing (exit 2). */
export function usageError(message: string): CliError {
  return new CliError('ERR_SDA_USAGE', message, EXIT_USAGE);
}

/**
 * An output that exists and `--no-clobber` forbids replacing (exit 1: a file problem, not bad usage): the
 * library's own error (export with `overwrite: false`), with the message in the CLI's terms.
 */
export function outputExists(file: string): OutputExistsError {
  return new OutputExistsError(file, `${file} already exists and --no-clobber forbids replacing it`);
}
