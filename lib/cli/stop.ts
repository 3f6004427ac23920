/**
 * Stopping `sda` early without losing or half-writing anything: Ctrl-C (SIGINT), SIGTERM, or a reader
 * that closed stdout (`sda generate --count 3 | head -1`).
 *
 * Node's default for SIGINT kills the process at once, which could land between the sidecar's rename and
 * the WAV's; and a write to a closed pipe is an `EPIPE` error event that, unhandled, crashes with a stack
 * trace. Instead a stop request aborts {@link stopSignal} (the generation pipeline checks it between
 * chunks, the commands before starting the next clip or job), while file writes wrapped in
 * {@link uninterruptible} run to the end, so a WAV and its sidecar appear together or not at all. The
 * command then unwinds normally and `runCli` ends with {@link stopOutcome}'s exit code.
 */
import { AbortedError } from '../errors';

export type StopReason = 'SIGINT' | 'SIGTERM' | 'stdout closed';

/** The shell's codes for a process ended by the signal (128 + signal number); SIGPIPE's for a closed stdout. */
const EXIT_CODES: Record<StopReason, number> = { SIGINT: 130, SIGTERM: 143, 'stdout closed': 141 };

const controller = new AbortController();
let reason: StopReason | undefined;
/** Writes in progress that must not be cut short. */
let pending = 0;
/** A second Ctrl-C: leave as soon as no write is in progress, without waiting for the render to unwind. */
let forced = false;
let installed = false;

/** Aborted when the command should stop; pass it to GenerationPipeline.generate / generateBatch. */
export function stopSignal(): AbortSignal {
  return controller.signal;
}

/** Why the command is stopping, or undefined while it runs on. */
export function stopReason(): StopReason | undefined {
  return reason;
}

/** Throws AbortedError when a stop was requested: call before starting the next clip or job. */
export function throwIfStopped(): void {
  if (reason) throw new AbortedError(`stopped (${reason})`);
}

/** Asks the command to stop (what the signal and stdout handlers call). */
export function requestStop(why: StopReason): void {
  if (reason) {
    // Asked again (a second Ctrl-C): the user does not want to wait for the current chunk batch.
    if (why !== 'stdout closed') {
      forced = true;
      if (pending === 0) process.exit(EXIT_CODES[reason]);
    }
    return;
  }
  reason = why;
  // For a stop that lands after the command returned (its last write to a closed stdout fails only then),
  // runCli's code is already set: this one replaces it. During the run, runCli returns the same code.
  process.exitCode = EXIT_CODES[why];
  controller.abort(new AbortedError(`stopped (${why})`));
}

/**
 * Runs `write` to the end even when a stop arrives meanwhile (the stop takes effect when it returns).
 * For the few milliseconds to seconds of an export; never wrap rendering in it.
 */
export async function uninterruptible<T>(write: () => Promise<T>): Promise<T> {
  pending++;
  try {
    return await write();
  } finally {
    pending--;
    if (forced && pending === 0 && reason) process.exit(EXIT_CODES[reason]);
  }
}

/**
 * Ends the process `ms` after a command returned when something still holds it open (a queue client
 * whose Redis went away keeps reconnect timers and sockets): the command has reported its outcome, and
 * `process.exitCode` is its code. The timer itself does not hold the process. Only in the `sda` process
 * (installStopHandlers ran).
 */
export function exitSoonAfterReturn(ms = 3000): void {
  if (installed) setTimeout(() => process.exit(), ms).unref(); // only in the `sda` process
}

/**
 * When the command was stopped: prints the one line for it (nothing for a closed stdout: the reader
 * left on purpose, and the line would only add noise to its terminal) and returns the exit code.
 * Undefined when no stop was requested.
 */
export function stopOutcome(): number | undefined {
  if (!reason) return undefined;
  if (reason !== 'stdout closed') {
    process.stderr.write(`sda: ERR_SDA_INTERRUPTED: stopped by ${reason}; every file written is complete (each WAV with its sidecar)\n`);
  }
  return EXIT_CODES[reason];
}

/**
 * Installs the handlers, once, in the `sda` process only (lib/cli/sda.ts): a library user's process keeps
 * its own signal handling. Errors on stdout (EPIPE from a closed pipe, or any other) stop the command
 * quietly; errors on stderr are dropped, as there is nowhere left to report them.
 */
export function installStopHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', () => requestStop('SIGINT'));
  process.on('SIGTERM', () => requestStop('SIGTERM'));
  process.stdout.on('error', () => requestStop('stdout closed'));
  process.stderr.on('error', () => undefined);
}

