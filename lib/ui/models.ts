/**
 * What the page shows of the library: catalog entries, each model's details read without its tensor
 * data (metadata, spectrogram and training config, slider ranges), and the one model kept loaded for
 * rendering (switching models frees the previous one: one device, one model at a time).
 */
import * as fs from 'fs';
import * as path from 'path';
import { centerSliders, getSliderInfo, randomizeSliders, type SliderInfo } from '../controls';
import { ModelNotFoundError } from '../errors';
import { GenerationPipeline } from '../generate/pipeline';
import type { ModelEntry } from '../library/entry';
import { ModelLibrary } from '../library/library';
import { loadModel, savedModelParts } from '../model/load-model';
import type { AnalysisResult } from '../model/analysis';
import { readTorchFile, toJSONValue } from '../torchfile';
import { clipForLog, LOG_NAME_MAX } from '../util/log-text';

export interface ModelDetails {
  entry: ModelEntry;
  latentDim: number;
  format: string;
  spectrogram: unknown;
  trainingConfig: unknown;
  sliders: SliderInfo[];
  center: number[];
}

interface Parsed {
  key: string;
  latentDim: number;
  details: Omit<ModelDetails, 'entry'>;
  analysis: AnalysisResult | null;
}

export class UiModels {
  readonly library: ModelLibrary;
  private readonly parsed = new Map<string, Parsed>();
  /** The model loaded for rendering; `stale` once its file was deleted (freed before the next render). */
  private loaded: { file: string; pipeline: GenerationPipeline; stale?: boolean } | undefined;

  constructor(
    readonly modelsDir: string,
    private readonly device: string,
  ) {
    this.library = new ModelLibrary(modelsDir);
  }

  async entries(): Promise<ModelEntry[]> {
    if (!fs.existsSync(this.modelsDir)) return [];
    return this.library.listAll();
  }

  async entry(modelId: string): Promise<ModelEntry> {
    const e = fs.existsSync(this.modelsDir) ? await this.library.get(modelId) : undefined;
    if (!e) throw new ModelNotFoundError(modelId, `no model ${clipForLog(JSON.stringify(modelId), LOG_NAME_MAX)} in ${this.modelsDir}`);
    return e;
  }

  /** The entry's file, which must lie inside the models folder (a catalog is data, not trusted paths). */
  fileOf(e: ModelEntry): string {
    const root = path.resolve(this.modelsDir);
    const file = path.resolve(root, e.filePath);
    if (path.dirname(file) !== root) throw new ModelNotFoundError(e.modelId, `the catalog names a file outside ${this.modelsDir}: ${clipForLog(e.filePath, LOG_NAME_MAX)}`);
    return file;
  }

  /** Parsed once per file version (size and mtime), tensor data never read. */
  private async parse(e: ModelEntry): Promise<Parsed> {
    const file = this.fileOf(e);
    const st = await fs.promises.stat(file);
    const key = `${file}:${st.size}:${st.mtimeMs}`;
    const cached = this.parsed.get(e.modelId);
    if (cached?.key === key) return cached;
    const parts = savedModelParts((await readTorchFile(file, { storages: 'skip' })).value, file);
    const sliders = parts.analysis ? getSliderInfo(parts.analysis) : [];
    const p: Parsed = {
      key,
      latentDim: parts.latentDim,
      analysis: parts.analysis,
      details: {
        latentDim: parts.latentDim,
        format: parts.format,
        spectrogram: parts.spectrogram,
        trainingConfig: toJSONValue(parts.trainingConfig),
        sliders,
        center: parts.analysis ? centerSliders(parts.analysis) : [],
      },
    };
    this.parsed.set(e.modelId, p);
    return p;
  }

  async details(modelId: string): Promise<ModelDetails> {
    const e = await this.entry(modelId);
    return { entry: e, ...(await this.parse(e)).details };
  }

  /** Latent sizes of the listed models (filled in after the list is shown: each needs a file read). */
  async latentSizes(): Promise<Record<string, number | null>> {
    const out: Record<string, number | null> = {};
    for (const e of await this.entries()) {
      try {
        out[e.modelId] = (await this.parse(e)).latentDim;
      } catch {
        out[e.modelId] = null; // unreadable: the model page says why
      }
    }
    return out;
  }

  async analysis(modelId: string): Promise<AnalysisResult | null> {
    return (await this.parse(await this.entry(modelId))).analysis;
  }

  /** The Python app's draws (randomize_sliders), so a seed gives the same positions in both. */
  async randomPositions(modelId: string, seed?: number): Promise<number[]> {
    const a = await this.analysis(modelId);
    return a ? randomizeSliders(a, seed) : [];
  }

  /** The pipeline of `file`, loading it (and freeing the previous model) when it is not the one loaded. */
  async pipelineFor(file: string): Promise<GenerationPipeline> {
    if (this.loaded?.file === file && !this.loaded.stale) return this.loaded.pipeline;
    this.unload();
    const loaded = await loadModel(file, { device: this.device });
    this.loaded = { file, pipeline: new GenerationPipeline(loaded) };
    return this.loaded.pipeline;
  }

  /**
   * Forget a deleted model. A loaded copy is only marked: a render may be using it right now (renders run
   * one at a time, so the next pipelineFor call, or close, frees it when nothing does).
   */
  forget(modelId: string, file?: string): void {
    this.parsed.delete(modelId);
    if (file && this.loaded?.file === file) this.loaded.stale = true;
  }

  unload(): void {
    this.loaded?.pipeline.dispose();
    this.loaded = undefined;
  }
}
