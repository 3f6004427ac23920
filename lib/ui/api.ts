/**
 * The UI server's JSON API (every route behind the token, Host and Origin checks of lib/ui/token.ts).
 * Each handler uses the package's public building blocks: the library, saveModel / deleteModel,
 * getSliderInfo / slidersToLatent, GenerationPipeline and export(), and Distill-layout presets.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import * as path from 'path';
import { InvalidArgumentError } from '../errors';
import { validateGenerationConfig } from '../generate/config';
import { DEFAULT_BIT_DEPTH } from '../generate/wav';
import { toGenerationConfig } from '../jobs/options';
import { jobResultView } from '../jobs/result-view';
import { deleteModel } from '../library/delete-model';
import type { AnalysisResult } from '../model/analysis';
import { packageVersion } from '../package-info';
import { UiError } from './errors';
import { keepTake } from './keep';
import type { UiModels } from './models';
import { deletePreset, listPresets, savePreset } from './presets';
import type { RenderJob, RenderQueue } from './render-queue';
import { parseRenderOptions } from './render-options';
import { TAKES_KEPT, takeFileName, type Take, type TakeStore } from './takes';
import { readBody } from './request-body';
import { addUploadedModel } from './uploads';

export interface ApiContext {
  models: UiModels;
  queue: RenderQueue;
  takes: TakeStore;
  presetsDir: string;
  outDir: string;
  device: string;
  maxUploadBytes: number;
}

/** JSON bodies are small (settings, a preset): anything larger is refused unread. */
const MAX_JSON_BYTES = 64 * 1024;

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, MAX_JSON_BYTES, 'the request body');
  if (body.length === 0) return {};
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new UiError('ERR_SDA_UI_BAD_REQUEST', 400, `the body is not a JSON object (${(e as Error).message})`);
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function takeView(t: Take) {
  const r = t.result;
  // The job runner's report of a clip (lib/jobs/result-view.ts), with what the page needs besides.
  const { seed, duration, sampleRate, channels, bitDepth, quality } = jobResultView(r, { audioPath: t.kept ?? null, bitDepth: t.bitDepth, format: 'wav' });
  return {
    id: t.id,
    modelId: t.modelId,
    modelName: t.modelName,
    createdAt: t.createdAt,
    seed,
    duration,
    sampleRate,
    channels,
    samples: r.channels[0]!.length,
    bitDepth,
    stereoMode: r.config.stereoMode,
    concatMode: r.config.concatMode,
    sliderPositions: t.sliderPositions,
    quality,
    peaks: t.peaks,
    kept: t.kept ?? null,
  };
}

function jobView(j: RenderJob) {
  return { id: j.id, state: j.state, modelId: j.request.modelId, modelName: j.request.modelName, duration: j.request.config.duration, progress: j.progress, takeId: j.takeId ?? null, error: j.error ?? null };
}

/** A render request from the page's settings: the option keys of a job (docs/vocabulary.md), checked by the job parser. */
async function renderRequest(ctx: ApiContext, body: Record<string, unknown>) {
  const modelId = String(body.modelId ?? '');
  const entry = await ctx.models.entry(modelId);
  const file = ctx.models.fileOf(entry);
  const options = parseRenderOptions(body);
  let analysis: AnalysisResult | null = null;
  if (options.sliders) {
    analysis = await ctx.models.analysis(modelId);
    if (!analysis) throw new InvalidArgumentError('this model has no sliders (no latent analysis)');
  }
  const { config, sliderPositions } = toGenerationConfig(options, analysis);
  // Refused now, with the reason, rather than failing later in the queue.
  validateGenerationConfig(config, (await ctx.models.details(modelId)).latentDim);
  return { modelId, modelName: entry.name, file, config, sliderPositions, bitDepth: options.bitDepth ?? DEFAULT_BIT_DEPTH };
}

/** A path segment's id, percent-decoded; malformed encoding (`%E0%A4%A`) is a bad request, not a crash. */
function decodeId(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new UiError('ERR_SDA_UI_BAD_REQUEST', 400, 'malformed percent-encoding in the path');
  }
}

type Handler = (ctx: ApiContext, req: IncomingMessage, res: ServerResponse, m: RegExpExecArray, url: URL) => Promise<void>;

const routes: Array<[string, RegExp, Handler]> = [
  ['GET', /^\/api\/info$/, async (ctx, _q, res) =>
    sendJson(res, 200, { version: packageVersion(), modelsDir: path.resolve(ctx.models.modelsDir), outDir: path.resolve(ctx.outDir), device: ctx.device, maxUploadBytes: ctx.maxUploadBytes }),
  ],
  ['GET', /^\/api\/models$/, async (ctx, _q, res) => sendJson(res, 200, { models: await ctx.models.entries() })],
  ['GET', /^\/api\/models\/latent$/, async (ctx, _q, res) => sendJson(res, 200, { latentDims: await ctx.models.latentSizes() })],
  ['POST', /^\/api\/models\/repair$/, async (ctx, _q, res) => sendJson(res, 200, await ctx.models.library.repairIndex())],
  ['PUT', /^\/api\/models\/upload$/, async (ctx, req, res, _m, url) =>
    sendJson(res, 201, await addUploadedModel(req, url.searchParams.get('name'), ctx.models.modelsDir, ctx.maxUploadBytes)),
  ],
  ['GET', /^\/api\/models\/([^/]+)$/, async (ctx, _q, res, m) => sendJson(res, 200, await ctx.models.details(decodeId(m[1]!)))],
  ['DELETE', /^\/api\/models\/([^/]+)$/, async (ctx, _q, res, m) => {
    const id = decodeId(m[1]!);
    const file = ctx.models.fileOf(await ctx.models.entry(id));
    ctx.queue.cancelModel(id);
    ctx.models.forget(id, file);
    await deleteModel(id, { modelsDir: ctx.models.modelsDir });
    sendJson(res, 200, { deleted: id });
  }],
  ['POST', /^\/api\/models\/([^/]+)\/randomize$/, async (ctx, req, res, m) => {
    const body = await jsonBody(req);
    const { seed } = parseRenderOptions({ seed: body.seed });
    const sliderPositions = await ctx.models.randomPositions(decodeId(m[1]!), seed);
    // `positions`: the name of 0.2.0, kept for callers that read it.
    sendJson(res, 200, { sliderPositions, positions: sliderPositions });
  }],
  ['GET', /^\/api\/models\/([^/]+)\/presets$/, async (ctx, _q, res, m) => {
    const id = decodeId(m[1]!);
    await ctx.models.entry(id);
    sendJson(res, 200, await listPresets(ctx.presetsDir, id));
  }],
  ['POST', /^\/api\/models\/([^/]+)\/presets$/, async (ctx, req, res, m) => {
    const id = decodeId(m[1]!);
    await ctx.models.entry(id);
    const b = await jsonBody(req);
    const preset = await savePreset(ctx.presetsDir, id, {
      // As given: savePreset refuses a name that is not text (an object is not "[object Object]").
      name: b.name as string,
      sliderPositions: b.sliderPositions as number[],
      seed: (b.seed as number | null | undefined) ?? null,
      folder: typeof b.folder === 'string' ? b.folder : '',
      description: typeof b.description === 'string' ? b.description : '',
    });
    sendJson(res, 201, preset);
  }],
  ['DELETE', /^\/api\/models\/([^/]+)\/presets\/([^/]+)$/, async (ctx, _q, res, m) => {
    const id = decodeId(m[1]!);
    const presetId = decodeId(m[2]!);
    // Only for a model of the library: no presets folder is made for any other id.
    await ctx.models.entry(id);
    await deletePreset(ctx.presetsDir, id, presetId);
    sendJson(res, 200, { deleted: presetId });
  }],
  ['POST', /^\/api\/jobs$/, async (ctx, req, res) => sendJson(res, 202, jobView(ctx.queue.enqueue(await renderRequest(ctx, await jsonBody(req)))))],
  ['GET', /^\/api\/jobs$/, async (ctx, _q, res) => sendJson(res, 200, { jobs: ctx.queue.list().map(jobView) })],
  ['DELETE', /^\/api\/jobs\/([^/]+)$/, async (ctx, _q, res, m) => {
    if (!ctx.queue.get(m[1]!)) throw new UiError('ERR_SDA_UI_NOT_FOUND', 404, 'no such job');
    sendJson(res, 200, { cancelled: ctx.queue.cancel(m[1]!) });
  }],
  ['GET', /^\/api\/takes$/, async (ctx, _q, res) => {
    const { dropped, budgetBytes, bytesHeld } = ctx.takes;
    const notice = dropped > 0 ? `${dropped} older take${dropped === 1 ? ' was' : 's were'} dropped from memory (at most ${TAKES_KEPT} takes and ${budgetBytes} bytes are held); Keep the takes you want` : null;
    sendJson(res, 200, { takes: ctx.takes.list().map(takeView), dropped, bytesHeld, budgetBytes, notice });
  }],
  ['GET', /^\/api\/takes\/([^/]+)\.wav$/, async (ctx, _q, res, m, url) => {
    const t = takeOf(ctx, m[1]!);
    const headers: Record<string, string | number> = { 'content-type': 'audio/wav', 'content-length': t.wav.length, 'cache-control': 'no-store' };
    if (url.searchParams.has('download')) headers['content-disposition'] = `attachment; filename="${takeFileName(t.result)}"`;
    res.writeHead(200, headers);
    res.end(t.wav);
  }],
  ['GET', /^\/api\/takes\/([^/]+)\.json$/, async (ctx, _q, res, m) => {
    const t = takeOf(ctx, m[1]!);
    const body = JSON.stringify(t.sidecar, null, 2);
    res.writeHead(200, { 'content-type': 'application/json', 'content-disposition': `attachment; filename="${takeFileName(t.result).replace(/\.wav$/, '.json')}"`, 'cache-control': 'no-store' });
    res.end(body);
  }],
  ['POST', /^\/api\/takes\/([^/]+)\/keep$/, async (ctx, _q, res, m) => {
    const t = takeOf(ctx, m[1]!);
    const files = await keepTake(t.result, ctx.outDir, t.bitDepth);
    t.kept = files.audioPath;
    sendJson(res, 200, files);
  }],
];

function takeOf(ctx: ApiContext, id: string): Take {
  const t = ctx.takes.get(id);
  if (!t) throw new UiError('ERR_SDA_UI_NOT_FOUND', 404, 'no such take (takes are kept in memory while the server runs)');
  return t;
}

/** Runs the route for the request; false when none matches the path. */
export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  let pathMatched = false;
  for (const [method, re, handler] of routes) {
    const m = re.exec(url.pathname);
    if (!m) continue;
    pathMatched = true;
    if (method !== req.method) continue;
    await handler(ctx, req, res, m, url);
    return true;
  }
  if (pathMatched) throw new UiError('ERR_SDA_UI_BAD_REQUEST', 405, `${req.method} is not allowed here`);
  return false;
}
