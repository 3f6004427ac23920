/**
 * Rendering a list of jobs on one loaded model, in order, through GenerationPipeline.generateMany: chunks
 * of consecutive jobs share native calls, and a seed gives the same audio as a render of its own. If the
 * stream fails, the job it stopped at is rendered alone (its failure is its own) and the stream resumes
 * after it, so one bad job never takes the others down. Used by the batch (runner.ts) and by the queue's
 * worker (render-batcher.ts).
 */
import type { GenerationConfig } from '../generate/config';
import type { GenerationPipeline } from '../generate/pipeline';
import type { GenerationResult } from '../generate/types';

export type RenderedItem = { index: number; result: GenerationResult; error?: undefined } | { index: number; result?: undefined; error: unknown };

/**
 * Yields each config's result (or, when it failed alone, its error) by its index in `configs`. Once
 * `signal` is aborted nothing more is started or retried, and the iteration ends.
 */
export async function* renderEach(
  pipeline: GenerationPipeline,
  configs: ReadonlyArray<Partial<GenerationConfig>>,
  options: { batchSize: number; signal?: AbortSignal },
): AsyncGenerator<RenderedItem, void, undefined> {
  const { batchSize, signal } = options;
  let from = 0;
  while (from < configs.length && !signal?.aborted) {
    const base = from;
    let failedAt: number | undefined;
    try {
      for await (const { index, result } of pipeline.generateMany(configs.slice(base), { batchSize, signal })) {
        from++;
        yield { index: base + index, result };
      }
    } catch {
      failedAt = from++;
    }
    if (failedAt === undefined) continue;
    if (signal?.aborted) return;
    let item: RenderedItem;
    try {
      item = { index: failedAt, result: await pipeline.generate(configs[failedAt]!, { signal }) };
    } catch (error) {
      if (signal?.aborted) return;
      item = { index: failedAt, error };
    }
    yield item;
  }
}
