/**
 * `sda ui`: the local web interface (lib/ui). Prints the URL (with its token) as the first line of
 * stdout, so scripts and tests can read it, then serves until Ctrl-C or SIGTERM.
 */
import { spawn } from 'child_process';
import type { Command } from 'commander';
import { startUi } from '../../ui/server';
import { isLoopbackHost } from '../../ui/token';
import { cliParser } from '../gen-options';
import { usageError } from '../cli-error';
import { stopReason, stopSignal } from '../stop';

interface UiFlags {
  modelsDir?: string;
  port: number;
  host: string;
  open?: boolean;
  device: string;
  out: string;
  maxUpload?: number;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw usageError(`--port must be 0-65535 (0: a free port), got ${JSON.stringify(v)}`);
  return n;
}

function parseMegabytes(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`--max-upload must be a positive number of MB, got ${JSON.stringify(v)}`);
  return Math.floor(n * 1024 * 1024);
}

/**
 * Opens a one-time link to the page in the desktop's browser (the opener's and the browser's command
 * lines are visible to other users, so they never carry the token); failing to is not an error (the
 * URL is printed anyway).
 */
function openInBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => process.stderr.write('sda: could not open a browser; open the URL above\n'));
    child.unref();
  } catch {
    process.stderr.write('sda: could not open a browser; open the URL above\n');
  }
}

export function registerUi(program: Command): void {
  program
    .command('ui')
    .description('explore, play and manage models in the browser (a local web interface)')
    .option('--models-dir <dir>', 'the model library (default: $SDA_MODELS_DIR, else [paths] models of ./config.toml, else data/models)')
    .option('--port <n>', 'port to listen on (0: a free port)', cliParser(parsePort), 0)
    .option('--host <host>', 'interface to listen on; anything but loopback lets others on the network reach it', '127.0.0.1')
    .option('--open', 'open the page in the default browser')
    .option('--device <device>', 'auto, cpu, cuda, cuda:N or mps', 'auto')
    .option('-o, --out <dir>', 'folder "Keep" saves takes to (WAV and sidecar)', 'takes')
    .option('--max-upload <MB>', 'largest model file the page may add, in MB (default: 512)', cliParser(parseMegabytes))
    .addHelpText(
      'after',
      `
The first line of stdout is the URL, with a random token: only someone given it can use the server.
Presets are read and written in Distill's layout, presets/<model_id>/presets.json beside the models folder.

Examples:
  $ sda ui --open
  $ sda ui --models-dir data/models --port 8765
  $ sda ui --host 0.0.0.0            # reachable from the network (a warning is printed)

Exit codes: 130 stopped by Ctrl-C, 143 by SIGTERM (renders cancelled, the model freed), 1 cannot listen
where asked or the device is not there, 2 bad usage.`,
    )
    .action(async (f: UiFlags) => {
      if (!isLoopbackHost(f.host)) {
        process.stderr.write(`sda: warning: listening on ${f.host}: anyone who can reach this machine and has the URL's token can use the interface\n`);
      }
      const handle = await startUi({ modelsDir: f.modelsDir, host: f.host, port: f.port, device: f.device, outDir: f.out, maxUploadBytes: f.maxUpload });
      process.stdout.write(`${handle.url}\n`);
      if (f.open) openInBrowser(handle.openUrl());
      await new Promise<void>((resolve) => {
        if (stopReason()) resolve();
        stopSignal().addEventListener('abort', () => resolve(), { once: true });
      });
      await handle.close();
    });
}
