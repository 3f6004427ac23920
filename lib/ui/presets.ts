/**
 * Slider presets in Distill's layout, so presets made in either app appear in both: one index per model
 * at `<presets>/<model_id>/presets.json`, where `<presets>` is the `presets` folder beside the models
 * folder (Distill's `data/presets` next to `data/models`). The file is what Distill's `PresetManager`
 * writes (src/distill/presets/manager.py): `{version: 1, model_id, folders, presets: {id: entry}}`, each
 * entry with exactly the dataclass fields in their order (Distill builds `PresetEntry(**entry)`, so an
 * extra key would make it skip the preset), `json.dump(indent=2)` formatting with ASCII escapes, the old
 * index copied to `presets.json.bak` first, a temp file renamed over it, mode 0600.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { UiError } from './errors';

export const PRESETS_INDEX_VERSION = 1;

/** A preset as the API and the page see it (camelCase; the file has the snake_case names). */
export interface Preset {
  presetId: string;
  name: string;
  /** Distill's virtual folder ('' is the root). */
  folder: string;
  /** Integer slider steps, one per active component. */
  sliderPositions: number[];
  nComponents: number;
  /** null: a new random seed each time. */
  seed: number | null;
  created: string;
  modified: string;
  description: string;
}

export interface PresetIndex {
  presets: Preset[];
  folders: Array<{ name: string; created: string }>;
}

export interface NewPreset {
  name: string;
  sliderPositions: number[];
  seed?: number | null;
  folder?: string;
  description?: string;
}

/** `presets/` beside the models folder. */
export function presetsDirFor(modelsDir: string): string {
  return path.join(path.dirname(path.resolve(modelsDir)), 'presets');
}

/** Model ids become folder names: only the characters of ids the apps make (uuid4 hex, dashes). */
function modelFolder(presetsDir: string, modelId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(modelId)) throw new UiError('ERR_SDA_UI_BAD_REQUEST', 400, 'not a model id');
  return path.join(presetsDir, modelId);
}

/** Distill's timestamps: Python's `datetime.now(timezone.utc).isoformat()` (microseconds, +00:00). */
export function pythonIsoNow(now = new Date()): string {
  return `${now.toISOString().slice(0, 23)}000+00:00`;
}

/** Python's `json.dumps(v, indent=2)`: JSON.stringify's layout, non-ASCII escaped (ensure_ascii). */
export function pythonJsonIndent2(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

type Raw = Record<string, unknown>;

function fromFile(id: string, e: Raw): Preset | undefined {
  // Distill skips entries it cannot build; so do we (the others still load).
  if (typeof e !== 'object' || e === null || typeof e.name !== 'string' || !Array.isArray(e.slider_positions)) return undefined;
  // Integers only: null or "3" is not a slider step (Number() would make null a 0).
  const positions = e.slider_positions as unknown[];
  if (positions.some((v) => typeof v !== 'number' || !Number.isInteger(v))) return undefined;
  const seed = e.seed === null || e.seed === undefined ? null : Number(e.seed);
  return {
    presetId: typeof e.preset_id === 'string' ? e.preset_id : id,
    name: e.name,
    folder: typeof e.folder === 'string' ? e.folder : '',
    sliderPositions: positions as number[],
    nComponents: Number.isInteger(e.n_components) ? (e.n_components as number) : positions.length,
    seed: seed !== null && Number.isSafeInteger(seed) ? seed : null,
    created: typeof e.created === 'string' ? e.created : '',
    modified: typeof e.modified === 'string' ? e.modified : '',
    description: typeof e.description === 'string' ? e.description : '',
  };
}

function toFile(p: Preset): Raw {
  // PresetEntry's field order (dataclasses.asdict keeps it).
  return {
    preset_id: p.presetId,
    name: p.name,
    folder: p.folder,
    slider_positions: p.sliderPositions,
    n_components: p.nComponents,
    seed: p.seed,
    created: p.created,
    modified: p.modified,
    description: p.description,
  };
}

/** Largest presets.json read or written (Distill's are a few kB; a file past it is refused unread). */
export const MAX_PRESETS_FILE_BYTES = 4 * 1024 * 1024;

function tooLarge(file: string, size: number): UiError {
  return new UiError('ERR_SDA_UI_PRESETS', 500, `${file}: ${size} bytes, over the ${MAX_PRESETS_FILE_BYTES}-byte limit of a presets index; fix or move it`);
}

async function readRaw(file: string): Promise<Raw | undefined> {
  let text: string;
  try {
    const fh = await fs.promises.open(file, 'r');
    try {
      const { size } = await fh.stat();
      if (size > MAX_PRESETS_FILE_BYTES) throw tooLarge(file, size);
      text = await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof UiError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UiError('ERR_SDA_UI_PRESETS', 500, `${file}: cannot be read (${(e as Error).message})`, { cause: e });
  }
  try {
    const raw = JSON.parse(text) as unknown;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
    const r = raw as Raw;
    if (r.presets !== undefined && (typeof r.presets !== 'object' || r.presets === null || Array.isArray(r.presets))) throw new Error('"presets" is not an object');
    if (r.folders !== undefined && !Array.isArray(r.folders)) throw new Error('"folders" is not a list');
    return r;
  } catch (e) {
    // Distill would start afresh and overwrite it on the next save; we refuse, so nothing is lost.
    throw new UiError('ERR_SDA_UI_PRESETS', 500, `${file}: is not a presets index (${(e as Error).message}); fix or move it`, { cause: e });
  }
}

export async function listPresets(presetsDir: string, modelId: string): Promise<PresetIndex> {
  const raw = await readRaw(path.join(modelFolder(presetsDir, modelId), 'presets.json'));
  if (!raw) return { presets: [], folders: [] };
  const entries = (raw.presets ?? {}) as Record<string, Raw>;
  const presets = Object.entries(entries)
    .map(([id, e]) => fromFile(id, e))
    .filter((p): p is Preset => p !== undefined)
    // Distill's list_presets order: most recently modified first (a stable sort, as Python's).
    .sort((a, b) => (a.modified < b.modified ? 1 : a.modified > b.modified ? -1 : 0));
  const folders = ((raw.folders ?? []) as PresetIndex['folders']).filter((f) => typeof f?.name === 'string');
  return { presets, folders };
}

// One writer at a time per index in this process (read-modify-write).
const writing = new Map<string, Promise<unknown>>();

/** NO_WRITE from an update's `fn`: nothing changed, the file is left as it is (not even rewritten). */
const NO_WRITE = Symbol('no write');

async function update<T>(file: string, fn: (raw: Raw, existed: boolean) => T | typeof NO_WRITE): Promise<T | typeof NO_WRITE> {
  const before = writing.get(file) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(async () => {
    const found = await readRaw(file);
    const raw = found ?? {};
    const out = fn(raw, found !== undefined);
    if (out === NO_WRITE) return out;
    const text = pythonJsonIndent2(raw);
    if (Buffer.byteLength(text) > MAX_PRESETS_FILE_BYTES) throw new UiError('ERR_SDA_UI_TOO_LARGE', 413, `${file}: this change would make the presets index larger than ${MAX_PRESETS_FILE_BYTES} bytes`);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    // Distill's _write_index_atomic: back up the old index, write a temp file, rename it over.
    try {
      await fs.promises.copyFile(file, file.replace(/\.json$/, '.json.bak'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const tmp = path.join(path.dirname(file), `.${crypto.randomBytes(6).toString('hex')}.tmp`);
    try {
      await fs.promises.writeFile(tmp, text, { mode: 0o600 });
      await fs.promises.rename(tmp, file);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      throw new UiError('ERR_SDA_UI_PRESETS', 500, `${file}: cannot be written (${(e as Error).message})`, { cause: e });
    }
    return out;
  });
  writing.set(file, run);
  try {
    return await run;
  } finally {
    if (writing.get(file) === run) writing.delete(file);
  }
}

function withHeader(raw: Raw, modelId: string): Raw {
  // Keys in Distill's order; folders and presets kept as they were (unknown presets untouched). Their
  // shapes were checked when the file was read.
  const presets = raw.presets ?? {};
  const folders = raw.folders ?? [];
  for (const k of Object.keys(raw)) delete raw[k];
  Object.assign(raw, { version: PRESETS_INDEX_VERSION, model_id: modelId, folders, presets });
  return raw;
}

/** Adds a preset (a new uuid4 id, as Distill's save_preset) and returns it. */
export async function savePreset(presetsDir: string, modelId: string, input: NewPreset): Promise<Preset> {
  const file = path.join(modelFolder(presetsDir, modelId), 'presets.json');
  const name = typeof input?.name === 'string' ? input.name.trim() : '';
  if (name === '' || name.length > 200) throw new UiError('ERR_SDA_UI_BAD_REQUEST', 400, 'a preset needs a name (at most 200 characters)');
  const positions = input.sliderPositions;
  if (!Array.isArray(positions) || positions.length > 4096 || positions.some((v) => !Number.isSafeInteger(v))) {
    throw new UiError('ERR_SDA_UI_BAD_REQUEST', 400, 'sliderPositions must be integer slider steps');
  }
  const seed = input.seed ?? null;
  if (seed !== null && (!Number.isSafeInteger(seed) || seed < 0)) throw new UiError('ERR_SDA_UI_BAD_REQUEST', 400, 'seed must be a non-negative integer or null');
  const now = pythonIsoNow();
  const preset: Preset = {
    presetId: crypto.randomUUID(),
    name,
    folder: typeof input.folder === 'string' ? input.folder : '',
    sliderPositions: [...positions],
    nComponents: positions.length,
    seed,
    created: now,
    modified: now,
    description: typeof input.description === 'string' ? input.description : '',
  };
  await update(file, (raw) => {
    const r = withHeader(raw, modelId);
    (r.presets as Record<string, Raw>)[preset.presetId] = toFile(preset);
  });
  return preset;
}

export async function deletePreset(presetsDir: string, modelId: string, presetId: string): Promise<void> {
  const file = path.join(modelFolder(presetsDir, modelId), 'presets.json');
  // A preset that is not there changes nothing: no write, no folder, no backup made.
  const found = await update(file, (raw, existed) => {
    const presets = raw.presets as Record<string, Raw> | undefined;
    if (!existed || !presets || !Object.prototype.hasOwnProperty.call(presets, presetId)) return NO_WRITE;
    delete (withHeader(raw, modelId).presets as Record<string, Raw>)[presetId];
    return true;
  });
  if (found === NO_WRITE) throw new UiError('ERR_SDA_UI_NOT_FOUND', 404, 'no such preset');
}
