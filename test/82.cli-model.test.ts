// `sda model list|info|search|add|delete|repair` on a copy of the genuine library.
import * as fs from 'fs';
import * as path from 'path';
import { ModelLibrary } from '../lib';
import { CHECKPOINT, DEMO, copyGenuineLibrary, sda, tmpDir } from './helpers/cli';
import { GENUINE } from './helpers/paths';
import { PyDict, writeTorchFile } from '../lib/torchfile';
import { writeRawModel } from './helpers/library-util';

const TRAINED_ID = '0a525f0f-4cd5-460f-9b94-f40bc230856f';

function json(args: string[], opts = {}) {
  const r = sda([...args, '--json'], opts);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

test('82.1 repair catalogs the uncataloged genuine models; list, search and info read them', () => {
  const lib = copyGenuineLibrary();
  expect(json(['model', 'list', '--models-dir', lib]).count).toBe(1);
  const rep = json(['model', 'repair', '--models-dir', lib]);
  expect(rep).toMatchObject({ removed: [], unreadable: [], models: 3 });
  expect(rep.added).toHaveLength(2);
  const list = json(['model', 'list', '--models-dir', lib]);
  expect(list.models.map((m: { name: string }) => m.name)).toEqual(['Converted Checkpoint Fixture', 'Sample Only Fixture', 'Genuine Trained Fixture (v1)!']);
  const byName = json(['model', 'list', '--sort', 'name', '--models-dir', lib]);
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

test('82.2 delete needs --yes when not on a terminal; removes file and entry; repair drops a vanished file', () => {
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

test('82.3 the models folder: --models-dir over SDA_MODELS_DIR over ./config.toml [paths] models over data/models', () => {
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
});

test('82.10 a broken config.toml is a file problem: exit 1, ERR_SDA_CONFIG, the file and the line', () => {
  const bare = tmpDir('bare');
  const config = path.join(bare, 'config.toml');
  const cases: Array<[string, number]> = [
    ['# app settings\n\n[paths\nmodels = "m"\n', 3], // a table header never closed, on line 3
    ['[paths]\nmodels = "a"\nmodels = "b"\n', 3], // a key given twice
    ['[audio]\nrate = 1\n[paths]\nmodels = 1\n', 4], // valid TOML, but models must be a path
  ];
  for (const [text, line] of cases) {
    fs.writeFileSync(config, text);
    for (const args of [['model', 'list'], ['generate', '--duration', '0.1'], ['batch', '-']]) {
      const r = sda(args, { cwd: bare });
      expect({ args, text, status: r.status }).toEqual({ args, text, status: 1 });
      // The message starts file:line[:column], as compilers and editors write a place in a file.
      expect(r.stderr.startsWith(`sda: ERR_SDA_CONFIG: ${config}:${line}:`)).toBe(true);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  }
});

test('82.9 --sort lists in ascending order, --reverse flips it; without --sort the newest come first', () => {
  const lib = copyGenuineLibrary();
  json(['model', 'repair', '--models-dir', lib]);
  const listed = (...args: string[]) => json(['model', 'list', '--models-dir', lib, ...args]).models as Array<Record<string, string | number>>;
  const ascending = (xs: Array<string | number>) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [flag, field] of [['name', 'name'], ['file_size_bytes', 'fileSizeBytes'], ['save_date', 'saveDate']] as const) {
    const up = listed('--sort', flag).map((m) => m[field]!);
    expect(up).toEqual(ascending(up));
    expect(new Set(up).size).toBe(3); // three different values, so the order is a real test
    expect(listed('--sort', flag, '--reverse').map((m) => m[field])).toEqual([...up].reverse());
  }
  const newest = listed().map((m) => m.saveDate!);
  expect(newest).toEqual(ascending(newest).reverse());
  expect(listed('--reverse').map((m) => m.saveDate)).toEqual(ascending(newest));
  // search sorts the same way
  const found = json(['model', 'search', 'fixture', '--sort', 'name', '--models-dir', lib]).models.map((m: { name: string }) => m.name);
  expect(found).toEqual(ascending(found));
});

const CORRUPT_LINE = /^sda: ERR_SDA_LIBRARY_CORRUPT: .*model_library\.json: the model library index is corrupt \(invalid JSON .*\); run `sda model repair`/;

test('82.4 read commands on a corrupt index exit 1 with a typed error and change nothing; repair rebuilds it', () => {
  const lib = copyGenuineLibrary();
  const index = path.join(lib, 'model_library.json');
  const torn = fs.readFileSync(index).subarray(0, 150);
  fs.writeFileSync(index, torn);
  const before = fs.readdirSync(lib).sort();
  for (const args of [['list'], ['list', '--json'], ['search', 'pad'], ['info', 'Sample Only Fixture'], ['delete', 'Sample Only Fixture', '--yes']]) {
    const r = sda(['model', ...args, '--models-dir', lib]);
    expect([args, r.status]).toEqual([args, 1]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(CORRUPT_LINE);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }
  expect(fs.readdirSync(lib).sort()).toEqual(before);
  expect(fs.readFileSync(index)).toEqual(torn);
  // generate resolves its model through the library too.
  expect(sda(['generate', 'Sample Only Fixture', '--models-dir', lib, '-d', '0.1']).stderr).toMatch(CORRUPT_LINE);
  // Repair keeps the corrupt file aside and catalogs the three model files again (exit 0).
  const rep = sda(['model', 'repair', '--models-dir', lib, '--json']);
  expect(rep.status).toBe(0);
  expect(rep.stderr).toMatch(/^sda: warning: .*model_library\.json is corrupt .*kept as model_library\.json\.corrupt-/);
  expect(JSON.parse(rep.stdout)).toMatchObject({ removed: [], unreadable: [], models: 3 });
  expect(fs.readdirSync(lib).filter((f) => f.startsWith('model_library.json.corrupt-')).map((f) => fs.readFileSync(path.join(lib, f)))).toEqual([torn]);
  expect(json(['model', 'list', '--models-dir', lib]).count).toBe(3);
});

test('82.5 control characters in names, descriptions and file names are escaped in human output, kept in JSON', async () => {
  const lib = copyGenuineLibrary();
  json(['model', 'repair', '--models-dir', lib]);
  const evil = '\x1b]0;pwned\x07Evil\x1b[2J\nfake line\x9b\x7f';
  const l = new ModelLibrary(lib);
  const e = (await l.get(TRAINED_ID))!;
  await l.addEntry({ ...e, name: evil, description: `desc ${evil}`, tags: [evil] });
  const noControls = (s: string) => expect(s).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/); // eslint-disable-line no-control-regex
  const list = sda(['model', 'list', '--models-dir', lib]);
  expect(list.status).toBe(0);
  noControls(list.stdout);
  expect(list.stdout.trim().split('\n')).toHaveLength(4); // header + 3 models: no injected line
  expect(list.stdout).toContain('\\x1b]0;pwned\\x07Evil\\x1b[2J\\nfake line\\x9b\\x7f');
  const search = sda(['model', 'search', 'fake', '--models-dir', lib]);
  noControls(search.stdout);
  expect(search.stdout.trim().split('\n')).toHaveLength(2);
  // JSON output is unchanged: the exact name.
  const listed = json(['model', 'list', '--models-dir', lib]).models.find((m: { modelId: string }) => m.modelId === TRAINED_ID);
  expect(listed).toMatchObject({ name: evil, description: `desc ${evil}`, tags: [evil] });
  // File names: an orphan that is not a model, named with controls, is listed escaped by repair.
  fs.writeFileSync(path.join(lib, 'bad\x1b]0;x\x07\n.sda'), 'not a model');
  const rep = sda(['model', 'repair', '--models-dir', lib]);
  expect(rep.status).toBe(0);
  noControls(rep.stdout);
  expect(rep.stdout).toContain('  not cataloged: bad\\x1b]0;x\\x07\\n.sda: ');
  // Error lines quote what was asked for: escaped too (JSON.stringify leaves C1 controls and DEL raw).
  const missing = sda(['model', 'info', 'no\x9b2J\x7fsuch', '--models-dir', lib]);
  expect(missing.status).toBe(1);
  noControls(missing.stderr);
  expect(missing.stderr).toMatch(/^sda: ERR_SDA_MODEL_NOT_FOUND: no model "no\\x9b2J\\x7fsuch"/);
  // Delete prints the name escaped.
  const del = sda(['model', 'delete', TRAINED_ID, '--yes', '--models-dir', lib]);
  expect(del.status).toBe(0);
  noControls(del.stdout);
  expect(del.stdout).toMatch(/^deleted \\x1b\]0;pwned.* \(0a525f0f/);
});

test('82.6 repair catalogs what it can and lists the rest with reasons; exit 0', async () => {
  const lib = copyGenuineLibrary();
  await writeRawModel(path.join(lib, 'epochs.sda'), 'Epochs', { training_epochs: 2n ** 60n });
  await writeRawModel(path.join(lib, 'fine.sda'), 'Fine');
  fs.writeFileSync(path.join(lib, 'garbage.distill'), 'garbage');
  const text = sda(['model', 'repair', '--models-dir', lib]);
  expect(text.status).toBe(0);
  expect(text.stderr).toBe('');
  expect(text.stdout).toMatch(/: 4 models cataloged\n/);
  expect(text.stdout).toMatch(/\n {2}not cataloged: epochs\.sda: .*training_epochs 1152921504606846976 is out of range/);
  expect(text.stdout).toMatch(/\n {2}not cataloged: garbage\.distill: /);
  const again = json(['model', 'repair', '--models-dir', lib]);
  expect(again).toMatchObject({ added: [], removed: [], models: 4 });
  expect(again.unreadable.map((u: { file: string }) => u.file).sort()).toEqual(['epochs.sda', 'garbage.distill']);
  expect(again.unreadable.find((u: { file: string }) => u.file === 'epochs.sda')).toMatchObject({ code: 'ERR_SDA_LIBRARY', reason: expect.stringMatching(/out of range/) });
  expect(json(['model', 'info', 'Fine', '--models-dir', lib]).entry.name).toBe('Fine');
});

test('82.7 a query matching several models at its step (an id prefix, a part of names, a file and a model) is ambiguous; nothing is deleted', async () => {
  const lib = copyGenuineLibrary();
  json(['model', 'repair', '--models-dir', lib]);
  fs.copyFileSync(path.join(lib, 'sample_only_fixture.sda'), path.join(lib, 'prefix_twin.sda'));
  const l = new ModelLibrary(lib);
  const sample = (await l.search({ query: 'Sample Only' }))[0]!;
  const twinId = '0a525f0f-ffff-4000-8000-000000000000'; // shares the trained fixture's id prefix
  await l.addEntry({ ...sample, modelId: twinId, name: 'Prefix Twin', filePath: 'prefix_twin.sda' });
  const files = fs.readdirSync(lib).sort();
  for (const args of [['info', '0a525f0f'], ['delete', '0a525f0f', '--yes']]) {
    const r = sda(['model', ...args, '--models-dir', lib]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`sda: ERR_SDA_AMBIGUOUS_MODEL: "0a525f0f" matches 2 models by id prefix (${TRAINED_ID} "Genuine Trained Fixture (v1)!", ${twinId} "Prefix Twin"); give the full model id\n`);
  }
  for (const args of [['info', 'FIXTURE'], ['delete', 'fixture', '--yes']]) {
    const r = sda(['model', ...args, '--models-dir', lib]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^sda: ERR_SDA_AMBIGUOUS_MODEL: "fixture" matches 3 models by part of the name \(0a525f0f-4cd5-.* "Genuine Trained Fixture \(v1\)!", 6a33900e-.* "Converted Checkpoint Fixture", [0-9a-f-]{36} "Sample Only Fixture"\)/i);
  }
  expect(fs.readdirSync(lib).sort()).toEqual(files);
  expect(json(['model', 'info', twinId, '--models-dir', lib]).entry.name).toBe('Prefix Twin'); // a full id is never ambiguous
  expect(json(['model', 'info', '0a525f0f-4', '--models-dir', lib]).entry.modelId).toBe(TRAINED_ID);
  // A bare word that is both a file here and a model name.
  const cwd = tmpDir('cwd');
  fs.copyFileSync(path.join(lib, 'sample_only_fixture.sda'), path.join(cwd, 'Sample Only Fixture'));
  const both = sda(['model', 'info', 'Sample Only Fixture', '--models-dir', lib], { cwd });
  expect(both.status).toBe(1);
  expect(both.stderr).toMatch(/^sda: ERR_SDA_AMBIGUOUS_MODEL: "Sample Only Fixture" matches 2 models by file or name \(the file .*Sample Only Fixture, [0-9a-f-]{36} "Sample Only Fixture"\)/);
  expect(json(['model', 'info', './Sample Only Fixture', '--models-dir', lib], { cwd }).entry).toBeNull(); // a path is only a path
});

test('82.8 a models folder that does not exist: reads report an empty library or not found, and create nothing', () => {
  const base = tmpDir('nofolder');
  const missing = path.join(base, 'typo', 'models');
  expect(json(['model', 'list', '--models-dir', missing])).toMatchObject({ modelsDir: missing, count: 0 });
  expect(json(['model', 'search', 'x', '--models-dir', missing]).count).toBe(0);
  const text = sda(['model', 'list', '--models-dir', missing]);
  expect(text.stdout).toBe(`no models in ${missing}\n`);
  for (const args of [['info', 'x'], ['delete', 'x', '--yes'], ['repair']]) {
    const r = sda(['model', ...args, '--models-dir', missing]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^sda: ERR_SDA_MODEL_NOT_FOUND: /);
  }
  expect(fs.readdirSync(base)).toEqual([]);
});

const DEMO_ID = '7d047f79-fd5b-4ddd-96b7-aa2fb01472e7';
const DEMO_NAME = 'Demo (synthetic tones, chirps and noise)';
const DISTILL = path.join(GENUINE, 'distill/models/head_distill_public_fixture_latent_32.distill');

/** The names in `dir` and the catalog's bytes (absent when there is none). */
function snapshot(dir: string): { files: string[]; index?: string } {
  if (!fs.existsSync(dir)) return { files: [] };
  const index = path.join(dir, 'model_library.json');
  return { files: fs.readdirSync(dir).sort(), index: fs.existsSync(index) ? fs.readFileSync(index, 'utf8') : undefined };
}

test('82.11 `model info` finds a model as typed: name ignoring case, a part of the name, ignoring case', () => {
  const lib = tmpDir('typed');
  fs.copyFileSync(DEMO, path.join(lib, 'demo.sda'));
  json(['model', 'repair', '--models-dir', lib]);
  for (const query of ['demo', 'Demo', 'DEMO (SYNTHETIC', 'chirps', DEMO_NAME.toUpperCase(), '7D047F79']) {
    const info = json(['model', 'info', query, '--models-dir', lib]);
    expect(info.entry).toMatchObject({ modelId: DEMO_ID, name: DEMO_NAME, filePath: 'demo.sda' });
  }
  expect(sda(['model', 'info', 'demo', '--models-dir', lib]).stdout).toMatch(new RegExp(`^Demo \\(synthetic tones, chirps and noise\\)\n  id          ${DEMO_ID}\n`));
  // delete looks up the same way; a part that is in no name is not found.
  const none = sda(['model', 'delete', 'drums', '--yes', '--models-dir', lib]);
  expect(none.status).toBe(1);
  expect(none.stderr).toMatch(/^sda: ERR_SDA_MODEL_NOT_FOUND: no model "drums"/);
  expect(json(['model', 'delete', 'CHIRPS', '--yes', '--models-dir', lib]).deleted.modelId).toBe(DEMO_ID);
});

test('82.12 `model add` copies .sda and .distill files and converts a checkpoint into the library; --name, --tag; then list and info find them', () => {
  const lib = path.join(tmpDir('add'), 'models'); // created by the first add
  const demo = json(['model', 'add', DEMO, '--models-dir', lib]);
  expect(demo).toEqual({
    modelsDir: lib,
    added: [{ source: DEMO, file: path.join(lib, 'demo_synthetic_tones_chirps_and_noise.sda'), via: 'copy', metadata: expect.objectContaining({ modelId: DEMO_ID, name: DEMO_NAME, tags: ['demo', 'synthetic'], trainingEpochs: 50 }) }],
  });
  const two = json(['model', 'add', DISTILL, CHECKPOINT, '--tag', 'mine', '--tag', 'DEMO', '--models-dir', lib]);
  expect(two.added).toEqual([
    expect.objectContaining({ source: DISTILL, via: 'copy', file: path.join(lib, 'head_distill_public_fixture_latent_32.distill'), metadata: expect.objectContaining({ modelId: '6722f474-aa76-4eaa-9c28-83e6554d06a5', name: 'HEAD Distill Public Fixture (latent 32)', tags: ['mine', 'DEMO'] }) }),
    expect.objectContaining({ source: CHECKPOINT, via: 'checkpoint', file: path.join(lib, 'checkpoint_epoch0007.sda'), metadata: expect.objectContaining({ name: 'checkpoint_epoch0007', tags: ['mine', 'DEMO'], trainingEpochs: 7 }) }),
  ]);
  const named = sda(['model', 'add', CHECKPOINT, '--name', 'Rain pads', '--tag', 'rain', '--models-dir', lib]);
  expect(named.stderr).toBe('');
  expect(named.stdout).toMatch(new RegExp(`^added Rain pads \\([0-9a-f-]{36}\\), converted from a checkpoint: ${lib}/rain_pads\\.sda\n$`));

  const list = json(['model', 'list', '--sort', 'name', '--models-dir', lib]);
  expect(list.models.map((m: { name: string; filePath: string }) => [m.name, m.filePath])).toEqual([
    [DEMO_NAME, 'demo_synthetic_tones_chirps_and_noise.sda'],
    ['HEAD Distill Public Fixture (latent 32)', 'head_distill_public_fixture_latent_32.distill'],
    ['Rain pads', 'rain_pads.sda'],
    ['checkpoint_epoch0007', 'checkpoint_epoch0007.sda'],
  ]);
  expect(json(['model', 'info', 'rain pads', '--models-dir', lib])).toMatchObject({ entry: { name: 'Rain pads', tags: ['rain'] }, latentDim: 64, format: 'sda_model' });
  expect(json(['model', 'info', 'head distill', '--models-dir', lib])).toMatchObject({ entry: { modelId: '6722f474-aa76-4eaa-9c28-83e6554d06a5' }, latentDim: 32, format: 'distill_model' });
  expect(json(['model', 'info', 'demo', '--models-dir', lib])).toMatchObject({ entry: { modelId: DEMO_ID }, latentDim: 16 });
  expect(json(['model', 'search', '--tag', 'mine', '--models-dir', lib]).count).toBe(2);
});

test('82.13 `model add` keeps a saved model\'s id: adding it again is refused (ERR_SDA_MODEL_EXISTS, exit 1) unless --replace; --name with one file only', () => {
  const lib = path.join(tmpDir('again'), 'models');
  json(['model', 'add', DEMO, '--models-dir', lib]);
  const before = snapshot(lib);
  const again = sda(['model', 'add', DEMO, '--models-dir', lib]);
  expect(again.status).toBe(1);
  expect(again.stdout).toBe('');
  expect(again.stderr).toBe(`sda: ERR_SDA_MODEL_EXISTS: ${DEMO}: the library already has its model ${DEMO_ID}; add --replace to replace that model\n`);
  expect(snapshot(lib)).toEqual(before);
  // The same id twice in one command: nothing added either.
  const lib2 = path.join(tmpDir('twice'), 'models');
  expect(sda(['model', 'add', DEMO, DEMO, '--models-dir', lib2]).stderr).toMatch(/^sda: ERR_SDA_MODEL_EXISTS: /);
  expect(fs.existsSync(lib2)).toBe(false);

  // --tag adds to the model's own tags (the demo's: demo, synthetic), not repeating one ignoring case.
  const replaced = json(['model', 'add', DEMO, '--replace', '--name', 'Demo again', '--tag', 'extra', '--tag', 'Demo', '--models-dir', lib]);
  expect(replaced.added[0]).toMatchObject({ file: path.join(lib, 'demo_again.sda'), metadata: { modelId: DEMO_ID, name: 'Demo again', tags: ['demo', 'synthetic', 'extra'] } });
  expect(json(['model', 'list', '--models-dir', lib]).models.map((m: { name: string; filePath: string }) => [m.name, m.filePath])).toEqual([['Demo again', 'demo_again.sda']]);
  expect(fs.readdirSync(lib).filter((f) => f.endsWith('.sda'))).toEqual(['demo_again.sda']);

  const usage = sda(['model', 'add', DEMO, CHECKPOINT, '--name', 'x', '--models-dir', lib2]);
  expect(usage.status).toBe(2);
  expect(usage.stderr).toBe('sda: ERR_SDA_USAGE: --name names one model; got 2 files\n');
  expect(fs.existsSync(lib2)).toBe(false);
});

test('82.14 `model add` refuses what the loader refuses, with its error, and writes nothing', async () => {
  const src = tmpDir('notmodels');
  const notModel = path.join(src, 'weights.sda');
  await writeTorchFile(notModel, new PyDict([['hello', 1n]])); // a torch.save file, not a saved model
  const text = path.join(src, 'notes.sda');
  fs.writeFileSync(text, 'not a torch file\n');
  const lib = path.join(tmpDir('refuse'), 'models');
  json(['model', 'add', CHECKPOINT, '--models-dir', lib]);
  const before = snapshot(lib);
  const fresh = path.join(tmpDir('fresh'), 'models');
  const cases: [string[], number, RegExp][] = [
    [[notModel], 1, /^sda: ERR_SDA_MODEL_FORMAT: .*weights\.sda.*is not a saved model: expected format "sda_model" or "distill_model", found no format marker/],
    [[text], 1, /^sda: ERR_SDA_TORCH_FILE: .*notes\.sda/],
    [[DEMO, notModel], 1, /^sda: ERR_SDA_MODEL_FORMAT: /], // the good file before it is not added either
    [[path.join(src, 'missing.sda')], 1, /^sda: ERR_SDA_MODEL_NOT_FOUND: no model file .*missing\.sda\n$/],
  ];
  for (const [files, status, stderr] of cases) {
    for (const dir of [lib, fresh]) {
      const r = sda(['model', 'add', ...files, '--models-dir', dir]);
      expect(r.status).toBe(status);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(stderr);
    }
    expect(snapshot(lib)).toEqual(before);
    expect(fs.existsSync(fresh)).toBe(false);
  }
  // The loader itself says the same of that file.
  const info = sda(['model', 'info', notModel]);
  expect(info.stderr).toMatch(/^sda: ERR_SDA_MODEL_FORMAT: .*is not a saved model/);
});
