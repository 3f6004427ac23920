/**
 * `sda worker --queue redis://HOST:PORT/DB`: renders `sda batch` jobs from a Redis queue (lib/queue)
 * until stopped. One line per job on stdout (JSON lines with --json), so a supervisor's log shows what
 * each worker did (text from jobs clipped, lib/util/log-text.ts). SIGTERM or Ctrl-C, even while still
 * connecting: no new job is taken, the jobs held are written, Redis gets 10 s to record them, then it
 * exits (143 / 130); a second signal leaves at once, and the jobs it held go back to the queue when their
 * locks expire (--lock-duration).
 */
import type { Command } from 'commander';
import { DEFAULT_QUEUE_NAME } from '../../queue/connection';
import { startWorker, type WorkerEvent } from '../../queue/worker';
import { escapeForTerminal } from '../escape';
import { cliParser } from '../gen-options';
import { parsePositiveInt } from '../../jobs/options';
import { checkOutputFolder } from '../output-folder';
import { clipForLog, LOG_MESSAGE_MAX, LOG_NAME_MAX } from '../../util/log-text';
import { exitSoonAfterReturn, stopReason, stopSignal } from '../stop';
import * as path from 'path';

interface WorkerFlags {
  queue: string;
  queueName: string;
  modelsDir?: string;
  out: string;
  device: string;
  concurrency: number;
  batchSize: number;
  models: number;
  lockDuration: number;
  json?: boolean;
}

function describe(e: WorkerEvent): string {
  switch (e.type) {
    case 'ready':
      return `worker ${e.worker} ready`;
    case 'started':
      return `started ${e.output} (line ${e.line}${e.attempt > 1 ? `, attempt ${e.attempt}` : ''})`;
    case 'written':
    case 'skipped':
      return `${e.type} ${e.output} (line ${e.line}, ${e.seconds.toFixed(2)} s)`;
    case 'failed':
      return `failed ${e.output} (line ${e.line}): ${e.code}: ${e.message}${e.willRetry ? ' (will retry)' : ''}`;
    case 'queue-error':
      return `queue error: ${e.message}`;
  }
}

/** The event with the text it echoes from jobs and Redis (output names, model strings, messages) clipped for one log line. */
function clipped(e: WorkerEvent): WorkerEvent {
  const c = { ...e } as Record<string, unknown>;
  for (const k of ['output', 'model'] as const) if (typeof c[k] === 'string') c[k] = clipForLog(c[k] as string, LOG_NAME_MAX);
  if (typeof c.message === 'string') c.message = clipForLog(c.message, LOG_MESSAGE_MAX);
  return c as WorkerEvent;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('render `sda batch` jobs from a Redis queue (BullMQ) until stopped; run one per GPU')
    .requiredOption('--queue <url>', 'the Redis holding the queue: redis://HOST:PORT/DB')
    .option('--queue-name <name>', 'the queue (the same for workers and submitters)', DEFAULT_QUEUE_NAME)
    .option('--models-dir <dir>', 'the model library jobs name models in (default: $SDA_MODELS_DIR, else [paths] models of ./config.toml, else data/models)')
    .option('-o, --out <dir>', 'output folder, shared with the other workers and the submitter (created when missing)', '.')
    .option('--device <device>', 'auto, cpu, cuda, cuda:N or mps', 'auto')
    .option('--concurrency <n>', 'jobs held at once; those on one model are rendered together', cliParser(parsePositiveInt('concurrency', 256)), 4)
    .option('--batch-size <n>', 'chunks decoded and inverted together per device call (as sda batch)', cliParser(parsePositiveInt('batch-size', 256)), 8)
    .option('--models <n>', 'models kept loaded (least recently used unloaded first)', cliParser(parsePositiveInt('models', 64)), 2)
    .option('--lock-duration <seconds>', 'seconds before the jobs of a worker that died are given to another worker', cliParser(parsePositiveInt('lock-duration', 3600)), 30)
    .option('--json', 'one JSON object per event on stdout')
    .addHelpText(
      'after',
      `
Every worker and submitter uses the same Redis and queue name, and sees the same output folder
(a network file system); each worker resolves model names in its own --models-dir.

Examples:
  $ sda worker --queue redis://queue-host:6379/0 --out /mnt/renders --device cuda:0
  $ sda worker --queue redis://queue-host:6379/0 --out /mnt/renders --device cuda:1 --concurrency 8
  $ sda batch jobs.jsonl --queue redis://queue-host:6379/0 --out /mnt/renders

Exit codes: 143 stopped by SIGTERM, 130 by Ctrl-C (after writing the jobs held), 1 Redis not reachable
or the output folder not writable, 2 bad usage.`,
    )
    .action(async (f: WorkerFlags) => {
      const out = path.resolve(f.out);
      checkOutputFolder(out);
      const print = (event: WorkerEvent) => {
        const e = clipped(event);
        process.stdout.write(`${f.json ? JSON.stringify(e) : escapeForTerminal(describe(e))}\n`);
      };
      // Runs until SIGTERM / Ctrl-C (lib/cli/stop.ts); a second signal exits from there at once.
      const stopped = new Promise<void>((resolve) => {
        if (stopReason()) resolve();
        stopSignal().addEventListener('abort', () => resolve(), { once: true });
      });
      const starting = startWorker({
        connection: f.queue,
        queueName: f.queueName,
        modelsDir: f.modelsDir,
        outDir: out,
        device: f.device,
        concurrency: f.concurrency,
        batchSize: f.batchSize,
        modelCacheSize: f.models,
        lockDurationMs: f.lockDuration * 1000,
        onEvent: print,
      });
      try {
        // A signal while connecting (a Redis that does not answer) is honoured too.
        const handle = await Promise.race([starting, stopped.then(() => undefined)]);
        if (!handle) {
          starting.then((h) => h.close({ force: true }), () => undefined);
          return;
        }
        await stopped;
        await handle.close();
      } finally {
        // A client of a Redis that went away may still hold the process: it ends anyway.
        exitSoonAfterReturn();
      }
    });
}
