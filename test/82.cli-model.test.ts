// `sda model list|info|search|delete|repair` on a copy of the genuine library.
import * as fs from 'fs';
import * as path from 'path';
import { ModelLibrary } from '../lib';
import { copyGenuineLibrary, sda, tmpDir } from './helpers/cli';
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

test('82.7 a query matching several models (a name that is an id prefix, a file and a model) is ambiguous; nothing is deleted', async () => {
  const lib = copyGenuineLibrary();
  json(['model', 'repair', '--models-dir', lib]);
  fs.copyFileSync(path.join(lib, 'sample_only_fixture.sda'), path.join(lib, 'named_like_a_prefix.sda'));
  const l = new ModelLibrary(lib);
  const sample = (await l.search({ query: 'Sample Only' }))[0]!;
  await l.addEntry({ ...sample, modelId: 'ffffffff-0000-4000-8000-000000000000', name: '0a525f0f', filePath: 'named_like_a_prefix.sda' });
  const files = fs.readdirSync(lib).sort();
  for (const args of [['info', '0a525f0f'], ['delete', '0a525f0f', '--yes']]) {
    const r = sda(['model', ...args, '--models-dir', lib]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^sda: ERR_SDA_AMBIGUOUS_MODEL: "0a525f0f" matches 2 models by name or id prefix \(ffffffff-0000-4000-8000-000000000000 "0a525f0f", 0a525f0f-4cd5-460f-9b94-f40bc230856f "Genuine Trained Fixture \(v1\)!"\); give the full model id\n$/);
  }
  expect(fs.readdirSync(lib).sort()).toEqual(files);
  expect(json(['model', 'info', 'ffffffff-0000-4000-8000-000000000000', '--models-dir', lib]).entry.name).toBe('0a525f0f'); // a full id is never ambiguous
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
