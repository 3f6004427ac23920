/** The `sda` command line: one commander program, one module per command under ./commands. */
import { Command, CommanderError } from 'commander';
import { InvalidArgumentError, SdaError } from '../errors';
import { packageVersion } from '../package-info';
import { registerDoctor } from './commands/doctor';
import { EXIT_FAILURE, EXIT_USAGE } from './exit-codes';

export function buildProgram(): Command {
  const program = new Command('sda')
    .description('Generate audio from small_dataset_audio (.sda) models and manage model libraries.')
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'print stack traces on errors')
    .exitOverride()
    .addHelpText('after', '\nExit codes: 0 success, 1 failure, 2 bad usage.');
  registerDoctor(program);
  return program;
}

/** Runs the CLI; resolves to the exit code. Errors print one line (with a stack only under --debug). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its one-line message (or the help/version text).
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const code = err instanceof InvalidArgumentError ? EXIT_USAGE : EXIT_FAILURE;
    const label = err instanceof SdaError ? err.code : 'error';
    process.stderr.write(`sda: ${label}: ${(err as Error)?.message ?? String(err)}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return code;
  }
}
