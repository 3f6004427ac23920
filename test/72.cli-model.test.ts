// `sda model list|info|search|delete|repair` on a copy of the genuine library.
import * as fs from 'fs';
import * as path from 'path';
import { copyGenuineLibrary, sda, tmpDir } from './helpers/cli';

const TRAINED_ID = '0a525f0f-4cd5-460f-9b94-f40bc230856f';

function json(args: string[], opts = {}) {
  const r = sda([...args, '--json'], opts);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

test('72.1 repair catalogs the uncataloged genuine models; list, search and info read them', () => {
  const lib = copyGenuineLibrary();
  expect(json(['model', 'list', '--models-dir', lib]).count).toBe(1);
  const rep = json(['model', 'repair', '--models-dir', lib]);
  expect(rep).toMatchObject({ removed: [], unreadable: [], models: 3 });
  expect(rep.added).toHaveLength(2);
  const list = json(['model', 'list', '--models-dir', lib]);
  expect(list.models.map((m: { name: string }) => m.name)).toEqual(['Converted Checkpoint Fixture', 'Sample Only Fixture', 'Genuine Trained Fixture (v1)!']);
  const byName = json(['model', 'list', '--sort', 'name', '--reverse', '--models-dir', lib]);
  expect(byName.models.map((m: { name: string }) => m.name)).toEqual(['Converted Checkpoint Fixture', 'Genuine Trained Fixture (v1)!', 'Sample Only Fixture']);
  const text = sda(['model', 'list', '--models-dir', lib]);
  expect(text.stdout).toMatch(/^ID\s+NAME\s+SLIDERS/);
  expect(text.stdout).toMatch(/0a525f0f\s+Genuine Trained Fixture \(v1\)!\s+19\s+16\s+12\.0 MB/);

  expect(json(['model', 'search', 'FIXTURE', '--models-dir', lib]).count).toBe(3);
  expect(json(['model', 'search', '--tag', 'TRAINED', '--tag', 'converted', '--models-dir', lib]).models.map((m: { modelId: string }) => m.modelId.slice(0, 8)).sort())
    .toEqual(['0a525f0f', '6a33900e']);
  expect(json(['model', 'search', 'original train()', '--models-dir', lib]).models[0].modelId).toBe(TRAINED_ID);
  expect(json(['model', 'search', 'zzz', '--models-dir', lib]).count).toBe(0);

  const info = json(['model', 'info', 'Genuine Trained Fixture (v1)!', '--models-dir', lib]);
  expect(info.entry).toMatchObject({ modelId: TRAINED_ID, filePath: 'genuine_trained_fixture_v1.sda', nActiveComponents: 19 });
  expect(info).toMatchObject({ format: 'sda_model', version: 1, latentDim: 64, stateDictEntries: 57, hasEncoder: true });
  expect(info.sliders).toHaveLength(19);
  expect(info.trainingConfig.preset).toEqual({ object: 'small_dataset_audio.training.config.OverfittingPreset', args: ['conservative'] });
  const byPrefix = json(['model', 'info', 'ecf3a8d3', '--models-dir', lib]);
  expect(byPrefix).toMatchObject({ latentDim: 32, hasEncoder: false, sliders: null });
  const byPath = json(['model', 'info', path.join(lib, 'converted_checkpoint_fixture.sda')]);
  expect(byPath).toMatchObject({ entry: null, spectrogramConfig: { sampleRate: 16000, nMels: 64 } });
  const infoText = sda(['model', 'info', TRAINED_ID, '--models-dir', lib]);
  expect(infoText.stdout).toMatch(/sliders\s+19/);
});

test('72.2 delete needs --yes when not on a terminal; removes file and entry; repair drops a vanished file', () => {
  const lib = copyGenuineLibrary();
  json(['model', 'repair', '--models-dir', lib]);
  const refused = sda(['model', 'delete', 'Sample Only Fixture', '--models-dir', lib]);
  expect(refused.status).toBe(2);
  expect(refused.stderr).toBe('sda: ERR_SDA_USAGE: refusing to delete without --yes (standard input is not a terminal)\n');
  expect(fs.existsSync(path.join(lib, 'sample_only_fixture.sda'))).toBe(true);
  const del = json(['model', 'delete', 'sample only fixture', '--yes', '--models-dir', lib]);
  expect(del.deleted.filePath).toBe('sample_only_fixture.sda');
  expect(fs.existsSync(path.join(lib, 'sample_only_fixture.sda'))).toBe(false);
  expect(json(['model', 'list', '--models-dir', lib]).count).toBe(2);
  const again = sda(['model', 'delete', 'sample only fixture', '--yes', '--models-dir', lib]);
  expect(again.status).toBe(1);
  expect(again.stderr).toMatch(/^sda: ERR_SDA_MODEL_NOT_FOUND: no model "sample only fixture"/);

  fs.rmSync(path.join(lib, 'converted_checkpoint_fixture.sda'));
  const rep = json(['model', 'repair', '--models-dir', lib]);
  expect(rep).toMatchObject({ removed: ['6a33900e-168e-4507-8e65-57b3eb86ee8e'], added: [], models: 1 });
  // The catalog stays the Python app's format.
  const index = JSON.parse(fs.readFileSync(path.join(lib, 'model_library.json'), 'utf8'));
  expect(Object.keys(index.models)).toEqual([TRAINED_ID]);
  expect(fs.existsSync(path.join(lib, 'model_library.json.bak'))).toBe(true);
});

test('72.3 the models folder: --models-dir over SDA_MODELS_DIR over ./config.toml [paths] models over data/models', () => {
  const lib = copyGenuineLibrary();
  const empty = tmpDir('empty');
  const project = tmpDir('proj');
  fs.writeFileSync(path.join(project, 'config.toml'), '# app settings\n[paths]\nmodels = "mylib"\n[audio]\nrate = 48000\n');
  fs.symlinkSync(lib, path.join(project, 'mylib'));
  expect(json(['model', 'list'], { cwd: project }).modelsDir).toBe(path.join(project, 'mylib'));
  expect(json(['model', 'list'], { cwd: project }).count).toBe(1);
  expect(json(['model', 'list'], { cwd: project, env: { SDA_MODELS_DIR: empty } })).toMatchObject({ modelsDir: empty, count: 0 });
  expect(json(['model', 'list', '--models-dir', lib], { cwd: project, env: { SDA_MODELS_DIR: empty } }).count).toBe(1);
  const bare = tmpDir('bare');
  expect(json(['model', 'list'], { cwd: bare })).toMatchObject({ modelsDir: path.join(bare, 'data/models'), count: 0 });
  expect(fs.existsSync(path.join(bare, 'data'))).toBe(false); // listing never creates the folder
  fs.writeFileSync(path.join(bare, 'config.toml'), '[paths\nmodels = 1');
  const broken = sda(['model', 'list'], { cwd: bare });
  expect(broken.status).toBe(2);
  expect(broken.stderr).toMatch(/^sda: ERR_SDA_INVALID_ARGUMENT: .*config\.toml is not valid TOML/);
  expect(broken.stderr.trim().split('\n')).toHaveLength(1);
});
