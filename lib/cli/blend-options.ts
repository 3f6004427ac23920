/**
 * `sda generate --blend MODEL:WEIGHT` (repeatable, up to 4) and `--blend-mode latent|audio`: the models
 * of a blend (lib/generate/blend.ts), resolved and loaded like the command's model argument.
 */
import { InvalidArgumentError } from '../errors';
import { BLEND_MODES, MAX_BLEND_MODELS, type BlendMode, type BlendSource } from '../generate/blend';
import { GenerationPipeline } from '../generate/pipeline';
import { loadModel } from '../model/load-model';
import { resolveModel } from './resolve-model';

export interface BlendSpec {
  model: string;
  weight: number;
}

/**
 * One `--blend MODEL:WEIGHT`, added to the earlier ones (the weight after the last colon, 0 to 100).
 * Parsers throw InvalidArgumentError; cliParser makes it commander's usage error.
 */
export function parseBlendSpec(v: string, previous: BlendSpec[] = []): BlendSpec[] {
  const at = v.lastIndexOf(':');
  const model = at > 0 ? v.slice(0, at) : '';
  const text = at > 0 ? v.slice(at + 1).trim() : '';
  const weight = Number(text);
  if (!model || text === '' || !Number.isFinite(weight) || weight < 0 || weight > 100) {
    throw new InvalidArgumentError(`--blend takes MODEL:WEIGHT with a weight from 0 to 100, e.g. pads:60; got ${JSON.stringify(v)}`);
  }
  if (previous.length >= MAX_BLEND_MODELS) throw new InvalidArgumentError(`--blend: at most ${MAX_BLEND_MODELS} models can be blended`);
  return [...previous, { model, weight }];
}

export function parseBlendMode(v: string): BlendMode {
  if (!BLEND_MODES.includes(v as BlendMode)) throw new InvalidArgumentError(`--blend-mode must be ${BLEND_MODES.join(' or ')}; got ${JSON.stringify(v)}`);
  return v as BlendMode;
}

/** Shared slider positions from `--sliders` (index -> position): an array up to the highest index given. */
export function blendSliders(sliders: Map<number, number> | undefined): number[] {
  const out = new Array<number>(sliders && sliders.size > 0 ? Math.max(...sliders.keys()) + 1 : 0).fill(0);
  for (const [i, p] of sliders ?? []) out[i] = p;
  return out;
}

export interface OpenBlend {
  sources: BlendSource[];
  /** The first model's pipeline (exports, the album tag's default). */
  first: GenerationPipeline;
  dispose(): void;
}

/** Resolves every model of the blend (all before any is loaded, so a typo fails at once), then loads them. */
export async function resolveBlend(specs: BlendSpec[], modelsDir: string): Promise<Array<{ path: string; weight: number }>> {
  const out = [];
  for (const s of specs) out.push({ path: (await resolveModel(s.model, modelsDir)).path, weight: s.weight });
  return out;
}

export async function openBlend(resolved: Array<{ path: string; weight: number }>, device: string): Promise<OpenBlend> {
  const pipelines: GenerationPipeline[] = [];
  try {
    for (const r of resolved) pipelines.push(new GenerationPipeline(await loadModel(r.path, { device })));
  } catch (e) {
    pipelines.forEach((p) => p.dispose());
    throw e;
  }
  return {
    sources: pipelines.map((pipeline, i) => ({ pipeline, weight: resolved[i]!.weight })),
    first: pipelines[0]!,
    dispose: () => pipelines.forEach((p) => p.dispose()),
  };
}
