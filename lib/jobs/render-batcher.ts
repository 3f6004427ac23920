/**
 * Renders the jobs held at once on one model together: configs handed in while a round is rendering
 * wait for the next round, and each round is one renderEach stream (render-stream.ts), so the chunks of
 * consecutive jobs share native calls as in `sda batch`, and a failure is the failing job's own. The
 * queue's worker keeps one per loaded model.
 */
import type { GenerationConfig } from '../generate/config';
import type { GenerationPipeline } from '../generate/pipeline';
import type { GenerationResult } from '../generate/types';
import { renderEach } from './render-stream';

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
    for await (const { index, result, error } of renderEach(this.pipeline, items.map((i) => i.config), { batchSize: this.batchSize })) {
      if (result) items[index]!.resolve(result);
      else items[index]!.reject(error);
    }
  }
}
