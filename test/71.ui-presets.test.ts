/**
 * `sda ui` presets in Distill's layout (`presets/<model_id>/presets.json` beside the models folder), both
 * directions against Distill's own code: its genuine presets.json is read as Distill's PresetManager
 * reads it; what we write, Distill's PresetManager reads (and formats the same way); what Distill writes,
 * we read. Distill's manager.py (unchanged, standard library only) runs with python3.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listPresets, presetsDirFor, savePreset, deletePreset, type Preset } from '../lib/ui/presets';
import { GENUINE, ROOT } from './helpers/paths';
import { runPython } from './helpers/python';

const SCRIPT = path.join(ROOT, 'test/python/distill_presets.py');
const GENUINE_PRESETS = path.join(GENUINE, 'distill/presets');
const MODEL = fs.readdirSync(GENUINE_PRESETS)[0]!;

interface PyPreset { preset_id: string; name: string; folder: string; slider_positions: number[]; n_components: number; seed: number | null; created: string; modified: string; description: string }
const distillRead = (dir: string, id: string) => JSON.parse(runPython(SCRIPT, ['read', dir, id])) as { folders: string[]; presets: PyPreset[] };

function asPy(p: Preset): PyPreset {
  return { preset_id: p.presetId, name: p.name, folder: p.folder, slider_positions: p.sliderPositions, n_components: p.nComponents, seed: p.seed, created: p.created, modified: p.modified, description: p.description };
}

function copyGenuine(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-presets-'));
  fs.mkdirSync(path.join(dir, MODEL));
  fs.copyFileSync(path.join(GENUINE_PRESETS, MODEL, 'presets.json'), path.join(dir, MODEL, 'presets.json'));
  return dir;
}

test('71.1 the presets folder is presets/ beside the models folder (Distill: data/presets next to data/models)', () => {
  expect(presetsDirFor('/x/data/models')).toBe(path.resolve('/x/data/presets'));
  expect(presetsDirFor('data/models/')).toBe(path.resolve('data/presets'));
});

test("71.2 Distill's genuine presets.json reads as Distill's PresetManager reads it", async () => {
  const dir = copyGenuine();
  const ours = await listPresets(dir, MODEL);
  const theirs = distillRead(dir, MODEL);
  expect(ours.presets.map(asPy)).toEqual(theirs.presets);
  expect(ours.folders.map((f) => f.name).sort()).toEqual(theirs.folders);
  expect(ours.presets.length).toBeGreaterThan(1);
});

test("71.3 a preset saved here is read by Distill's PresetManager, the others kept as they were, formatted as Distill formats it", async () => {
  const dir = copyGenuine();
  const file = path.join(dir, MODEL, 'presets.json');
  const before = fs.readFileSync(file, 'utf8');
  const saved = await savePreset(dir, MODEL, { name: 'Page preset, naïve ✓', sliderPositions: [1, -3, 0, 2], seed: 1234, description: 'from sda ui' });
  const theirs = distillRead(dir, MODEL);
  const beforeDistill = JSON.parse(before) as { presets: Record<string, PyPreset> };
  expect((await listPresets(dir, MODEL)).presets.map(asPy)).toEqual(theirs.presets);
  expect(theirs.presets).toEqual(expect.arrayContaining([...Object.values(beforeDistill.presets), asPy(saved)]));
  expect(theirs.presets).toHaveLength(Object.keys(beforeDistill.presets).length + 1);
  // Distill's own atomic write: the previous index as presets.json.bak; presets.json private (0600).
  expect(fs.readFileSync(path.join(dir, MODEL, 'presets.json.bak'), 'utf8')).toBe(before);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  // Byte for byte what Python's json.dump(indent=2) writes for the same data (ASCII escapes included).
  expect(fs.readFileSync(file, 'utf8')).toBe(runPython(SCRIPT, ['redump', file]));
  // Timestamps in Python's isoformat, which Distill parses back.
  expect(saved.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);

  await deletePreset(dir, MODEL, saved.presetId);
  expect(distillRead(dir, MODEL).presets).toEqual(distillRead(path.join(GENUINE, 'distill/presets'), MODEL).presets);
});

test("71.4 a preset Distill's PresetManager saves (in a folder, with and without a seed) is read here", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-presets-'));
  const a = JSON.parse(runPython(SCRIPT, ['save', dir, MODEL, JSON.stringify({ name: 'From Distill', slider_positions: [2, 0, -1], n_components: 3, seed: 7 })])) as PyPreset;
  const b = JSON.parse(runPython(SCRIPT, ['save', dir, MODEL, JSON.stringify({ name: 'Seedless', slider_positions: [0, 0, 5], n_components: 3, seed: null, folder: 'Textures', description: 'd' })])) as PyPreset;
  const theirs = distillRead(dir, MODEL).presets;
  expect(theirs).toEqual(expect.arrayContaining([a, b]));
  expect((await listPresets(dir, MODEL)).presets.map(asPy)).toEqual(theirs);
});

test('71.5 a presets.json that is not JSON is refused, not overwritten; model ids that are not folder names are refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-presets-'));
  fs.mkdirSync(path.join(dir, MODEL));
  fs.writeFileSync(path.join(dir, MODEL, 'presets.json'), '{"version": 1, "presets": {');
  await expect(savePreset(dir, MODEL, { name: 'x', sliderPositions: [0] })).rejects.toMatchObject({ code: 'ERR_SDA_UI_PRESETS' });
  expect(fs.readFileSync(path.join(dir, MODEL, 'presets.json'), 'utf8')).toBe('{"version": 1, "presets": {');
  for (const id of ['../evil', '.', '', 'a/b']) {
    await expect(listPresets(dir, id)).rejects.toMatchObject({ code: 'ERR_SDA_UI_BAD_REQUEST' });
  }
  await expect(savePreset(dir, MODEL, { name: '', sliderPositions: [0] })).rejects.toMatchObject({ code: 'ERR_SDA_UI_BAD_REQUEST' });
  await expect(savePreset(dir, MODEL, { name: 'y', sliderPositions: [0.5] })).rejects.toMatchObject({ code: 'ERR_SDA_UI_BAD_REQUEST' });
});
