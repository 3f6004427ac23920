/** `sda worker` processes for the queue tests: their JSON-lines events, and waiting for one. */
import { spawn, type ChildProcess } from 'child_process';
import { CLI, ROOT } from './paths';

export interface WorkerProcess {
  child: ChildProcess;
  /** Every event printed so far (`sda worker --json`). */
  events: Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  stderr: () => string;
  /** Resolves with the first event (past or future) matching `pred`. */
  waitFor(pred: (e: Record<string, any>) => boolean): Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Resolves with the exit code (or 128 + signal number) once its output has all been read. */
  exited: Promise<number>;
}

const SIGNALS: Record<string, number> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };

export function spawnWorker(args: string[]): WorkerProcess {
  const env = { ...process.env };
  delete env.SDA_MODELS_DIR;
  const child = spawn(process.execPath, [CLI, 'worker', '--json', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: WorkerProcess['events'] = [];
  const waiters: Array<{ pred: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }> = [];
  let err = '';
  let buf = '';
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const e = JSON.parse(line) as Record<string, unknown>;
      events.push(e);
      for (const w of waiters.splice(0)) (w.pred(e) ? w.resolve(e) : waiters.push(w));
    }
  });
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  // 'close', not 'exit': every line the worker printed has been read by then.
  const exited = new Promise<number>((resolve) => child.once('close', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0))));
  return {
    child,
    events,
    stderr: () => err,
    exited,
    waitFor(pred) {
      const hit = events.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        waiters.push({ pred, resolve });
        void exited.then((code) => reject(new Error(`the worker exited (${code}) first; stderr:\n${err}`)));
      });
    },
  };
}

export interface SdaChild {
  child: ChildProcess;
  /** Resolves when it has exited and its output has all been read: the exit code (or 128 + signal number), the output, and the seconds from the start. */
  done: Promise<{ status: number; stdout: string; stderr: string; seconds: number }>;
  /** Seconds since the child was started. */
  elapsed(): number;
}

/** `sda ARGS` as a child that runs while the test drives Redis and the workers. */
export function spawnSda(args: string[]): SdaChild {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<{ status: number; stdout: string; stderr: string; seconds: number }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ status: code ?? 128 + (SIGNALS[signal ?? ''] ?? 0), stdout, stderr, seconds: elapsed() }));
  });
  return { child, done, elapsed };
}
