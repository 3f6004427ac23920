/** The `sda` command line: one commander program, one module per command under ./commands. */
import { Command, CommanderError } from 'commander';
import { errorCodeOf, exitCodeOf } from '../error-codes';
import { packageVersion } from '../package-info';
import { registerBatch } from './commands/batch';
import { registerConvert } from './commands/convert';
import { registerDoctor } from './commands/doctor';
import { registerGenerate } from './commands/generate';
import { registerInspect } from './commands/inspect';
import { registerModel } from './commands/model';
import { registerSetupLibtorch } from './commands/setup-libtorch';
import { registerWorker } from './commands/worker';
import { registerUi } from './commands/ui';
import { escapeForTerminal } from './escape';
import { EXIT_USAGE } from './exit-codes';
import { RENAMED_FLAGS } from './gen-options';
import { stopOutcome } from './stop';
import { fileAccessError, isNodeFsError } from '../util/fs-error';

export function buildProgram(): Command {
  const program = new Command('sda')
    .description('Generate audio from small_dataset_audio (.sda) models and manage model libraries.')
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'print stack traces on errors')
    .exitOverride()
    // Set before the commands are added, which inherit it.
    .configureOutput({ outputError: (text, write) => write(oneLineUsageError(text)) })
    .addHelpText(
      'after',
      `
Examples:
  $ sda generate --duration 3 --out out          # the demo model shipped in the package
  $ sda generate "My Model" --seed 42 --count 4
  $ sda batch jobs.jsonl --out renders
  $ sda worker --queue redis://host:6379/0 --out /mnt/renders   # render queued jobs (sda batch --queue)
  $ sda ui --open                                # explore, play and manage models in the browser
  $ sda model list
  $ sda convert checkpoint_epoch0040.pt --name "Rain pads"
  $ sda inspect model.sda
  $ sda doctor
  $ sda setup-libtorch                            # LibTorch for a source build

Run \`sda <command> --help\` for the options and examples of each command.
Exit codes: 0 success, 1 failure, 2 bad usage; 130 stopped by Ctrl-C, 143 by SIGTERM, 141 stdout closed.`,
    );
  registerGenerate(program);
  registerBatch(program);
  registerWorker(program);
  registerModel(program);
  registerConvert(program);
  registerInspect(program);
  registerDoctor(program);
  registerSetupLibtorch(program);
  registerUi(program);
  return program;
}

/**
 * Commander's usage errors as one line: an unknown option gets its hint on the same line, and a flag
 * renamed in 0.2.0 is named with its new spelling rather than commander's closest guess by spelling.
 */
export function oneLineUsageError(text: string): string {
  const unknown = /^error: unknown option '([^']+)'/.exec(text);
  if (!unknown) return text;
  const renamed = RENAMED_FLAGS[unknown[1]!];
  const guess = /\(Did you mean ([^?]+)\?\)/.exec(text);
  const hint = renamed ? ` (renamed ${renamed} in 0.2.0)` : guess ? ` (did you mean ${guess[1]}?)` : '';
  return `${unknown[0]}${hint}\n`;
}

/** Runs the CLI; resolves to the exit code. Errors print one line (with a stack only under --debug). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return stopOutcome() ?? (typeof process.exitCode === 'number' ? process.exitCode : 0);
  } catch (err) {
    // A stop (Ctrl-C, closed stdout) unwinds as an AbortedError or as a failed write: report the stop.
    const stopped = stopOutcome();
    if (stopped !== undefined) {
      if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
      return stopped;
    }
    if (err instanceof CommanderError) {
      // Commander has already printed its one-line message (or the help/version text).
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    // A file-system error no command wrapped still prints as one typed line (ERR_SDA_FILE naming the path).
    if (isNodeFsError(err)) err = fileAccessError(err, 'open', 'file');
    const code = exitCodeOf(err);
    const label = errorCodeOf(err);
    // One line: a multi-line message keeps only its first line (the rest with --debug).
    const message = String((err as Error)?.message ?? err);
    // Messages quote names and paths from files: their control characters are escaped (lib/cli/escape.ts).
    process.stderr.write(`sda: ${label}: ${debug ? message : escapeForTerminal(message.split('\n')[0]!)}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return code;
  }
}
