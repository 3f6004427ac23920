/**
 * The worker's loaded models: at most `capacity` pipelines stay loaded (a worker lives for days and sees
 * many models; each holds its weights on the device), the least recently used idle one is disposed when
 * another is needed. A model in use is never evicted, so the cache can briefly exceed its capacity when
 * more models than that are being rendered at once.
 */
import type { GenerationPipeline } from '../generate/pipeline';

interface Entry {
  pipeline: Promise<GenerationPipeline>;
  /** Set once loaded, so an eviction frees the model at once rather than a tick later. */
  ready?: GenerationPipeline;
  users: number;
  lastUsed: number;
}

export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  private clock = 0;

  constructor(
    private readonly capacity: number,
    private readonly load: (file: string) => Promise<GenerationPipeline>,
  ) {}

  /** The loaded models' files, least recently used first. */
  files(): string[] {
    return [...this.entries].sort((a, b) => a[1].lastUsed - b[1].lastUsed).map(([f]) => f);
  }

  /** The pipeline of `file`, loaded once; call `release` when done with it. A failed load is not cached. */
  async acquire(file: string): Promise<{ pipeline: GenerationPipeline; release: () => void }> {
    let entry = this.entries.get(file);
    if (!entry) {
      const e: Entry = { pipeline: this.load(file), users: 0, lastUsed: 0 };
      e.pipeline.then(
        (p) => (e.ready = p),
        () => {
          if (this.entries.get(file) === e) this.entries.delete(file);
        },
      );
      this.entries.set(file, e);
      entry = e;
    }
    entry.users++;
    entry.lastUsed = ++this.clock;
    let pipeline: GenerationPipeline;
    try {
      pipeline = await entry.pipeline;
    } catch (err) {
      entry.users--;
      throw err;
    }
    this.evict();
    const e2 = entry;
    let released = false;
    return {
      pipeline,
      release: () => {
        if (released) return;
        released = true;
        e2.users--;
        this.evict();
      },
    };
  }

  private evict(): void {
    for (const file of this.files()) {
      if (this.entries.size <= this.capacity) return;
      const e = this.entries.get(file)!;
      if (e.users > 0) continue;
      this.entries.delete(file);
      if (e.ready) e.ready.dispose();
      else void e.pipeline.then((p) => p.dispose(), () => undefined);
    }
  }

  /** Disposes every model (the worker is closing; nothing is rendering). */
  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.pipeline.then((p) => p.dispose(), () => undefined)));
  }
}
