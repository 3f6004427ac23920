// Converting between .sda and .distill: the pickled Enum names the target app's package, so that app
// loads the file; switching the decoder activation is refused unless allowed.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InvalidArgumentError, PyDict, PyGlobal, PyObject, readTorchFile, saveModel, saveModelFromCheckpoint, tuple, type PyValue } from '../lib';
import { withAppPackage } from '../lib/model/app-format';
import { sda } from './helpers/cli';
import { GENUINE } from './helpers/paths';
import { runPython } from './helpers/python';

const TRAINED = path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda');
const CHECKPOINT = path.join(GENUINE, 'checkpoint/checkpoint_epoch0007.pt');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-convfmt-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function pyCheck(file: string, pkg: string): { globals: string[]; loaded?: { format: string; preset: string; module: string }; error?: string } {
  return JSON.parse(runPython(path.join(__dirname, 'python/check_app_modules.py'), [file, pkg]));
}

async function presetModule(file: string): Promise<string> {
  const { value } = await readTorchFile(file, { storages: 'skip' });
  const preset = ((value as PyDict).get('training_config') as PyDict).get('preset') as PyObject;
  return (preset.callable as PyGlobal).module;
}

test('34.1 sda -> distill is refused without allowActivationChange, and says why', async () => {
  const dir = path.join(tmp, 'refused');
  const err = await saveModel(TRAINED, { modelsDir: dir, format: 'distill_model' }).catch((e) => e);
  expect(err).toBeInstanceOf(InvalidArgumentError);
  expect(err.message).toMatch(/Sigmoid.*Softplus.*trained for Sigmoid.*audio would be wrong.*allowActivationChange/);
  expect(fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.(sda|distill)$/.test(f)) : []).toEqual([]);
});

test('34.2 an allowed sda -> distill -> sda round trip names the target package each time; each app loads its file', async () => {
  const distill = await saveModel(TRAINED, { modelsDir: path.join(tmp, 'd'), format: 'distill_model', allowActivationChange: true, metadata: { name: 'to distill' } });
  expect(await presetModule(distill)).toBe('distill.training.config');
  const d = pyCheck(distill, 'distill');
  expect(d.globals.filter((g) => g.startsWith('small_dataset_audio'))).toEqual([]);
  expect(d.globals).toContain('distill.training.config.OverfittingPreset');
  expect(d.loaded).toEqual({ format: 'distill_model', preset: expect.any(String), module: 'distill.training.config' });
  expect(pyCheck(distill, 'small_dataset_audio').error).toMatch(/ModuleNotFoundError|No module named 'distill/);

  const back = await saveModel(distill, { modelsDir: path.join(tmp, 's'), format: 'sda_model', allowActivationChange: true, metadata: { name: 'back' } });
  expect(await presetModule(back)).toBe('small_dataset_audio.training.config');
  const s = pyCheck(back, 'small_dataset_audio');
  expect(s.globals.filter((g) => g.startsWith('distill'))).toEqual([]);
  expect(s.loaded).toMatchObject({ format: 'sda_model', module: 'small_dataset_audio.training.config' });
  expect(await presetModule(TRAINED)).toBe('small_dataset_audio.training.config'); // the source is untouched
});

test('34.3 checkpoints: the app that wrote them decides; another format needs allowActivationChange (API and CLI)', async () => {
  await expect(saveModelFromCheckpoint(CHECKPOINT, { modelsDir: path.join(tmp, 'c1'), metadata: { name: 'c' }, format: 'distill_model' })).rejects.toThrow(/small_dataset_audio app .*Softplus/);
  const forced = await saveModelFromCheckpoint(CHECKPOINT, { modelsDir: path.join(tmp, 'c2'), metadata: { name: 'c' }, format: 'distill_model', allowActivationChange: true });
  expect(await presetModule(forced)).toBe('distill.training.config');
  expect(pyCheck(forced, 'distill').loaded?.module).toBe('distill.training.config');
  const plain = await saveModelFromCheckpoint(CHECKPOINT, { modelsDir: path.join(tmp, 'c3'), metadata: { name: 'c' } });
  expect(await presetModule(plain)).toBe('small_dataset_audio.training.config');

  const lib = path.join(tmp, 'cli');
  const refused = sda(['convert', CHECKPOINT, '--name', 'x', '--format', 'distill', '--models-dir', lib]);
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toMatch(/^sda: ERR_SDA_INVALID_ARGUMENT: .*--allow-activation-change/m);
  const ok = sda(['convert', CHECKPOINT, '--name', 'x', '--format', 'distill', '--allow-activation-change', '--models-dir', lib, '--json']);
  expect(ok.status).toBe(0);
  expect(await presetModule(JSON.parse(ok.stdout).file)).toBe('distill.training.config');
});

test('34.4 the rename keeps sharing and cycles, copies only what it must, and leaves the input unchanged', () => {
  const enumOf = (m: string) => new PyObject(new PyGlobal(m, 'OverfittingPreset'), tuple('balanced'));
  const preset = enumOf('small_dataset_audio.training.config');
  const loop: PyValue[] = [];
  loop.push(loop, preset);
  const input = PyDict.fromObject({ a: preset, b: preset, loop, other: new PyGlobal('small_dataset_audio_x', 'Y') });
  const out = withAppPackage(input, 'distill_model') as PyDict;
  expect(out).not.toBe(input);
  expect(out.get('a')).toBe(out.get('b'));
  expect(((out.get('a') as PyObject).callable as PyGlobal).qualifiedName).toBe('distill.training.config.OverfittingPreset');
  const l = out.get('loop') as PyValue[];
  expect(l[0]).toBe(l);
  expect(l[1]).toBe(out.get('a'));
  expect((out.get('other') as PyGlobal).module).toBe('small_dataset_audio_x'); // another package, same prefix
  expect((preset.callable as PyGlobal).module).toBe('small_dataset_audio.training.config');
  const distillOnly = PyDict.fromObject({ p: enumOf('distill.training.config') });
  expect(withAppPackage(distillOnly, 'distill_model')).toBe(distillOnly);
});
