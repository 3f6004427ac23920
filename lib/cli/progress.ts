/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (nothing at all when it is
 * piped or redirected, so logs and scripts see only the results).
 */
export interface ProgressBarOptions {
  /** Force on or off; default: whether stderr is a TTY. */
  enabled?: boolean;
  stream?: NodeJS.WriteStream;
}

export class ProgressBar {
  readonly enabled: boolean;
  private readonly stream: NodeJS.WriteStream;
  private lastDraw = 0;
  private drawn = false;

  constructor(options: ProgressBarOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.enabled = options.enabled ?? Boolean(this.stream.isTTY);
  }

  /** Redraws (at most every 80 ms unless `force`): `label [#####-----] done/total  suffix`. */
  update(done: number, total: number, label = '', suffix = '', force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 80) return;
    this.lastDraw = now;
    const cols = Math.max(40, (this.stream.columns ?? 80) - 1);
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const pct = `${Math.floor(frac * 100)}%`.padStart(4);
    const head = label ? `${label} ` : '';
    const tail = ` ${pct} ${done}/${total}${suffix ? `  ${suffix}` : ''}`;
    const width = Math.max(10, Math.min(40, cols - head.length - tail.length - 2));
    const fill = Math.round(frac * width);
    const line = `${head}[${'#'.repeat(fill)}${'-'.repeat(width - fill)}]${tail}`;
    this.stream.write(`\r${line.slice(0, cols)}\x1b[K`);
    this.drawn = true;
  }

  /** Clears the line (call before printing results). */
  clear(): void {
    if (!this.enabled || !this.drawn) return;
    this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
