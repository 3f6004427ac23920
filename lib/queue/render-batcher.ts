/**
 * Renders the jobs a worker holds on one model together: configs handed in while a round is rendering
 * wait for the next round, and each round is one GenerationPipeline.generateMany stream, so the chunks
 * of consecutive jobs share native calls as in `sda batch` (and a seed gives the same audio either way).
 * If a stream fails, the job it stopped at is rendered alone (a failure is that job's own) and the
 * stream resumes after it, as the local batch does.
 */
import type { GenerationConfig } from '../generate/config';
import type { GenerationPipeline } from '../generate/pipeline';
import type { GenerationResult } from '../generate/types';

interface Pending {
  config: Partial<GenerationConfig>;
  resolve: (r: GenerationResult) => void;
  reject: (e: unknown) => void;
}

export class RenderBatcher {
  private pending: Pending[] = [];
  private running = false;

  constructor(
    private readonly pipeline: GenerationPipeline,
    private readonly batchSize: number,
  ) {}

  /** Resolves with the config's result once rendered; its order among the others does not matter. */
  render(config: Partial<GenerationConfig>): Promise<GenerationResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ config, resolve, reject });
      if (!this.running) {
        this.running = true;
        // One turn of the event loop lets the jobs fetched together join the same round.
        setImmediate(() => void this.loop());
      }
    });
  }

  private async loop(): Promise<void> {
    while (this.pending.length > 0) await this.round(this.pending.splice(0));
    this.running = false;
  }

  private async round(items: Pending[]): Promise<void> {
    let from = 0;
    while (from < items.length) {
      const rest = items.slice(from);
      try {
        for await (const { index, result } of this.pipeline.generateMany(rest.map((r) => r.config), { batchSize: this.batchSize })) {
          rest[index]!.resolve(result);
          from++;
        }
      } catch {
        const item = items[from++]!;
        try {
          item.resolve(await this.pipeline.generate(item.config));
        } catch (err) {
          item.reject(err);
        }
      }
    }
  }
}
