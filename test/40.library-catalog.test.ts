// The catalog (SPEC 7) on copies of the Python app's model folders: list, search, get, load, byte-for-byte
// index layout, recovery from corrupt indexes and entries, repair, file names.
import * as fs from 'fs';
import * as path from 'path';
import {
  INDEX_FILE,
  JsonInt,
  LibraryCorruptError,
  LibraryLockTimeoutError,
  ModelLibrary,
  ModelVersionError,
  loadModel,
  pyFloatRepr,
  pyJsonDumps,
  pyJsonParse,
  sanitizeFileName,
  type LibraryWarning,
  type ModelEntry,
} from '../lib';
import { GENUINE } from './helpers/paths';
import { runPython } from './helpers/python';
import { copyModelsDir, tempDir } from './helpers/library-util';

const KINDS = ['trained', 'sample_only', 'checkpoint'] as const;
const REDUMP = path.join(__dirname, 'python/library_json_redump.py');
let tmp: string;

beforeAll(() => {
  tmp = tempDir('lib40');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function genuineIndex(kind: string): { id: string; raw: Record<string, unknown> } {
  const doc = JSON.parse(fs.readFileSync(path.join(GENUINE, kind, 'models', INDEX_FILE), 'utf8'));
  const id = Object.keys(doc.models)[0]!;
  return { id, raw: doc.models[id] };
}

function snakeEntry(e: ModelEntry): Record<string, unknown> {
  return {
    model_id: e.modelId,
    name: e.name,
    description: e.description,
    file_path: e.filePath,
    file_size_bytes: e.fileSizeBytes,
    dataset_name: e.datasetName,
    dataset_file_count: e.datasetFileCount,
    dataset_total_duration_s: e.datasetTotalDurationS,
    training_date: e.trainingDate,
    save_date: e.saveDate,
    training_epochs: e.trainingEpochs,
    final_train_loss: e.finalTrainLoss,
    final_val_loss: e.finalValLoss,
    has_analysis: e.hasAnalysis,
    n_active_components: e.nActiveComponents,
    tags: e.tags,
  };
}

function collect(): { warnings: LibraryWarning[]; onWarning: (w: LibraryWarning) => void } {
  const warnings: LibraryWarning[] = [];
  return { warnings, onWarning: (w) => warnings.push(w) };
}

test('40.1 list, search, get and load every model the Python app cataloged', async () => {
  for (const kind of KINDS) {
    const dir = copyModelsDir(path.join(GENUINE, kind, 'models'), path.join(tmp, `g-${kind}`));
    const { warnings, onWarning } = collect();
    const lib = new ModelLibrary(dir, { onWarning });
    const { id, raw } = genuineIndex(kind);
    expect(await lib.count()).toBe(1);
    const all = await lib.listAll();
    expect(all.map((e) => snakeEntry(e))).toEqual([raw]);
    const got = await lib.get(id);
    expect(got && snakeEntry(got)).toEqual(raw);
    expect(await lib.get('no-such-id')).toBeUndefined();
    const name = raw.name as string;
    expect((await lib.search({ query: name.slice(2, 9).toUpperCase() })).map((e) => e.modelId)).toEqual([id]);
    expect((await lib.search({ tags: ['FIXTURE', 'nothing'] })).map((e) => e.modelId)).toEqual([id]);
    expect(await lib.search({ tags: ['nothing'] })).toEqual([]);
    expect(await lib.search({ query: 'zzz-not-there' })).toEqual([]);
    const m = await loadModel(path.join(dir, got!.filePath), { device: 'cpu' });
    try {
      expect(m.metadata.modelId).toBe(id);
      expect(m.metadata.name).toBe(name);
    } finally {
      m.dispose();
    }
    expect(warnings).toEqual([]);
  }
});

test('40.2 the index is written byte for byte as the Python app writes it', async () => {
  for (const kind of KINDS) {
    const dir = copyModelsDir(path.join(GENUINE, kind, 'models'), path.join(tmp, `b-${kind}`));
    const original = fs.readFileSync(path.join(dir, INDEX_FILE));
    const lib = new ModelLibrary(dir);
    const extra: ModelEntry = {
      ...(await lib.listAll())[0]!,
      modelId: 'extra-id',
      name: 'Caf\u00e9 \u2603 \ud834\udd1e "quoted" \\ tab\t nl\n \u007f \u0001',
      description: 'non-ASCII: \u00fc\u00df \u65e5\u672c',
      filePath: 'extra.sda',
      datasetTotalDurationS: 1e-7,
      finalTrainLoss: 1.5e16,
      finalValLoss: -0.0,
      tags: [],
    };
    await lib.addEntry(extra);
    const written = fs.readFileSync(path.join(dir, INDEX_FILE), 'utf8');
    // Python re-dumps the same bytes (ensure_ascii escapes, float repr, empty list, indent, no newline).
    expect(runPython(REDUMP, [path.join(dir, INDEX_FILE)])).toBe(written);
    expect(written).toContain('"name": "Caf\\u00e9 \\u2603 \\ud834\\udd1e \\"quoted\\" \\\\ tab\\t nl\\n \\u007f \\u0001"');
    expect(written).toContain('"dataset_total_duration_s": 1e-07');
    expect(written).toContain('"final_train_loss": 1.5e+16');
    expect(written).toContain('"final_val_loss": -0.0');
    expect(written).toContain('"tags": []');
    expect(fs.readFileSync(path.join(dir, `${INDEX_FILE}.bak`))).toEqual(original);
    expect((await lib.get('extra-id'))!.name).toBe(extra.name);
    // Removing it again gives back the Python app's file exactly.
    expect(await lib.remove('extra-id')).toBe(true);
    expect(await lib.remove('extra-id')).toBe(false);
    expect(fs.readFileSync(path.join(dir, INDEX_FILE))).toEqual(original);
    expect(fs.statSync(path.join(dir, INDEX_FILE)).mode & 0o777).toBe(0o644); // an existing index keeps its mode
  }
});

test('40.3 pyFloatRepr and pyJsonDumps agree with Python json.dumps on awkward values', () => {
  const floats = [0, -0, 1, 36, 0.1, 1 / 3, 1e-4, 1e-5, 123456789012345680, 1e16, 9007199254740993, 1e22, 5e-324, 1.7976931348623157e308, -2.5, NaN, Infinity, -Infinity];
  const doc = new Map<string, unknown>([
    ['ints', [new JsonInt(0n), new JsonInt(-7n), new JsonInt(123456789012345678901234567890n)]],
    ['floats', floats],
    ['nested', new Map<string, unknown>([['empty_list', []], ['empty_obj', new Map()], ['s', '\u0000\u001f\u2028\ud800x']])],
  ]);
  const text = pyJsonDumps(doc as never);
  const file = path.join(tmp, 'awkward.json');
  fs.writeFileSync(file, text);
  expect(runPython(REDUMP, [file])).toBe(text);
  expect(floats.map(pyFloatRepr)).toEqual([
    '0.0', '-0.0', '1.0', '36.0', '0.1', '0.3333333333333333', '0.0001', '1e-05', '1.2345678901234568e+17', '1e+16',
    '9007199254740992.0', '1e+22', '5e-324', '1.7976931348623157e+308', '-2.5', 'NaN', 'Infinity', '-Infinity',
  ]);
  // The parser keeps ints and floats apart and the key order.
  const back = pyJsonParse(text) as Map<string, unknown>;
  expect([...back.keys()]).toEqual(['ints', 'floats', 'nested']);
  expect(pyJsonDumps(back as never)).toBe(text);
  expect(() => pyJsonParse('{"a": 1,}')).toThrow(/offset 8/);
});

test('40.4 search and sort semantics over several models (repairIndex catalogs orphans from their metadata)', async () => {
  const dir = path.join(tmp, 'many');
  fs.mkdirSync(dir);
  for (const kind of KINDS) {
    for (const f of fs.readdirSync(path.join(GENUINE, kind, 'models')).filter((x) => x.endsWith('.sda'))) {
      fs.copyFileSync(path.join(GENUINE, kind, 'models', f), path.join(dir, f));
    }
  }
  const lib = new ModelLibrary(dir);
  const r = await lib.repairIndex();
  expect(r.removed).toEqual([]);
  expect(r.added.sort()).toEqual(KINDS.map((k) => genuineIndex(k).id).sort());
  // Each entry made from the file's metadata equals the Python app's own catalog entry.
  for (const kind of KINDS) {
    const { id, raw } = genuineIndex(kind);
    expect(snakeEntry((await lib.get(id))!)).toEqual(raw);
  }
  const names = async (o: Parameters<ModelLibrary['search']>[0]) => (await lib.search(o)).map((e) => e.name);
  // Default: newest save_date first.
  expect(await names({})).toEqual(['Converted Checkpoint Fixture', 'Sample Only Fixture', 'Genuine Trained Fixture (v1)!']);
  expect(await names({ sortBy: 'save_date', reverse: false })).toEqual(['Genuine Trained Fixture (v1)!', 'Sample Only Fixture', 'Converted Checkpoint Fixture']);
  expect(await names({ sortBy: 'name', reverse: false })).toEqual(['Converted Checkpoint Fixture', 'Genuine Trained Fixture (v1)!', 'Sample Only Fixture']);
  expect(await names({ sortBy: 'fileSizeBytes' })).toEqual(['Genuine Trained Fixture (v1)!', 'Sample Only Fixture', 'Converted Checkpoint Fixture']);
  expect(await names({ query: 'FIXTURE', tags: ['Sample-Only', 'CONVERTED'] })).toEqual(['Converted Checkpoint Fixture', 'Sample Only Fixture']);
  expect(await names({ query: 'model.sample()' })).toEqual(['Sample Only Fixture']); // description
  expect(await names({ tags: ['trained'] })).toEqual(['Genuine Trained Fixture (v1)!']);
  expect((await lib.listAll({ sortBy: 'trainingEpochs', reverse: false })).map((e) => e.trainingEpochs)).toEqual([0, 7, 16]);
  await expect(lib.search({ sortBy: 'bogus' as never })).rejects.toThrow(/sortBy must be a ModelEntry field/);
  // Python reads our index.
  expect(JSON.parse(runPython(REDUMP, [path.join(dir, INDEX_FILE)])).models).toBeDefined();
  // Repair drops entries whose file is gone.
  fs.rmSync(path.join(dir, 'sample_only_fixture.sda'));
  const r2 = await lib.repairIndex();
  expect(r2).toEqual({ removed: [genuineIndex('sample_only').id], added: [], unreadable: [], tempFilesRemoved: [] });
  expect(await lib.count()).toBe(2);
});

test('40.5 a corrupt index is reported by reads and writes, left as it is; repair keeps it aside and restarts from a valid .bak, else empty', async () => {
  const dir = copyModelsDir(path.join(GENUINE, 'trained', 'models'), path.join(tmp, 'corrupt'));
  const index = path.join(dir, INDEX_FILE);
  const genuine = fs.readFileSync(index);
  const { warnings, onWarning } = collect();
  const lib = new ModelLibrary(dir, { onWarning });
  await lib.addEntry({ ...(await lib.listAll())[0]!, modelId: 'second', filePath: 'second.sda' }); // .bak = genuine
  const two = fs.readFileSync(index);
  fs.writeFileSync(index, two.subarray(0, 200)); // torn write by some other program
  const before = fs.readdirSync(dir).sort();
  await expect(lib.count()).rejects.toThrow(LibraryCorruptError);
  await expect(lib.listAll()).rejects.toMatchObject({ code: 'ERR_SDA_LIBRARY_CORRUPT', file: index });
  await expect(lib.get('second')).rejects.toThrow(/corrupt \(invalid JSON .*sda model repair/);
  await expect(lib.addEntry({ ...(await new ModelLibrary(path.join(GENUINE, 'trained', 'models')).listAll())[0]!, modelId: 'third', filePath: 'third.sda' })).rejects.toThrow(LibraryCorruptError);
  expect(fs.readdirSync(dir).sort()).toEqual(before); // nothing renamed, written or locked
  expect(fs.readFileSync(index)).toEqual(two.subarray(0, 200));
  expect(warnings).toEqual([]);
  // Repair: kept aside, restarted from the .bak, then checked against the folder (second.sda has no file).
  await lib.repairIndex();
  expect(await lib.count()).toBe(1);
  const aside = fs.readdirSync(dir).filter((f) => f.startsWith(`${INDEX_FILE}.corrupt-`));
  expect(aside).toHaveLength(1);
  expect(fs.readFileSync(path.join(dir, aside[0]!))).toEqual(two.subarray(0, 200));
  expect(fs.readFileSync(index)).toEqual(genuine);
  expect(warnings.map((w) => w.code)).toEqual(['SDA_LIBRARY_CORRUPT_INDEX', 'SDA_LIBRARY_INDEX_RESTORED']);
  // Index and .bak both corrupt: both kept aside, and the catalog is rebuilt from the model files.
  fs.writeFileSync(index, '{"version": 1, "models": [');
  fs.writeFileSync(`${index}.bak`, 'not json');
  const lib2 = new ModelLibrary(dir, { onWarning });
  await expect(lib2.listAll()).rejects.toThrow(LibraryCorruptError);
  const r = await lib2.repairIndex();
  expect(r.added).toEqual([genuineIndex('trained').id]);
  expect((await lib2.listAll()).map((e) => e.modelId)).toEqual([genuineIndex('trained').id]);
  expect(fs.readdirSync(dir).filter((f) => f.startsWith(`${INDEX_FILE}.corrupt-`))).toHaveLength(2);
  expect(fs.readdirSync(dir).filter((f) => f.startsWith(`${INDEX_FILE}.bak.corrupt-`))).toHaveLength(1);
  expect(warnings.at(-1)!.message).toMatch(/restarted from an empty catalog \(model_library.json.bak is corrupt too/);
  // A missing index with a valid .bak: reads see the .bak (with a warning) and write nothing; a write restores it.
  fs.writeFileSync(`${index}.bak`, genuine);
  fs.rmSync(index);
  const lib3 = new ModelLibrary(dir, { onWarning });
  expect(await lib3.count()).toBe(1);
  expect(warnings.at(-1)!.code).toBe('SDA_LIBRARY_INDEX_MISSING');
  expect(fs.existsSync(index)).toBe(false);
  expect(await lib3.remove('no-such-id')).toBe(false);
  expect(fs.readFileSync(index)).toEqual(genuine);
  expect(warnings.at(-1)!.code).toBe('SDA_LIBRARY_INDEX_RESTORED');
  // A new directory starts empty, silently, and nothing is created until a change.
  const fresh = path.join(tmp, 'fresh', 'nested');
  const n = warnings.length;
  expect(await new ModelLibrary(fresh, { onWarning }).count()).toBe(0);
  expect(fs.existsSync(path.join(tmp, 'fresh'))).toBe(false);
  expect(warnings.length).toBe(n);
});

test('40.6 a corrupt single entry is skipped with a warning; a newer index version is refused', async () => {
  const dir = path.join(tmp, 'entries');
  fs.mkdirSync(dir);
  const good = genuineIndex('trained').raw;
  const doc = {
    version: 1,
    models: {
      [good.model_id as string]: good,
      bad1: { ...good, model_id: 'bad1', training_epochs: 'many' },
      bad2: 'not an object',
      bad3: { ...good, model_id: 'bad3', file_path: '../escape.sda' },
    },
  };
  fs.writeFileSync(path.join(dir, INDEX_FILE), JSON.stringify(doc, null, 2));
  const { warnings, onWarning } = collect();
  const lib = new ModelLibrary(dir, { onWarning });
  expect((await lib.listAll()).map((e) => e.modelId)).toEqual([good.model_id]);
  expect(warnings.map((w) => [w.code, w.modelId])).toEqual([
    ['SDA_LIBRARY_CORRUPT_ENTRY', 'bad1'],
    ['SDA_LIBRARY_CORRUPT_ENTRY', 'bad2'],
    ['SDA_LIBRARY_CORRUPT_ENTRY', 'bad3'],
  ]);
  await lib.count(); // cached: no repeated warnings
  expect(warnings).toHaveLength(3);
  fs.writeFileSync(path.join(dir, INDEX_FILE), JSON.stringify({ version: 2, models: {} }));
  await expect(new ModelLibrary(dir).count()).rejects.toThrow(ModelVersionError);
  await expect(new ModelLibrary(dir).count()).rejects.toThrow(/update small-dataset-audio/);
  // Without onWarning the warnings go to process.emitWarning.
  fs.writeFileSync(path.join(dir, INDEX_FILE), JSON.stringify(doc));
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  let emitted: unknown[];
  try {
    await new ModelLibrary(dir).count();
    emitted = spy.mock.calls.map((c) => (c[1] as { code?: string }).code);
  } finally {
    spy.mockRestore();
  }
  expect(emitted).toEqual(['SDA_LIBRARY_CORRUPT_ENTRY', 'SDA_LIBRARY_CORRUPT_ENTRY', 'SDA_LIBRARY_CORRUPT_ENTRY']);
});

test('40.7 an int in a float field and unknown keys survive a rewrite', async () => {
  const dir = path.join(tmp, 'kinds');
  fs.mkdirSync(dir);
  const good = { ...genuineIndex('trained').raw };
  const text = pyJsonDumps(
    new Map<string, never>([
      ['version', new JsonInt(1n) as never],
      ['models', new Map([[good.model_id as string, pyJsonParse(JSON.stringify(good).replace('"dataset_total_duration_s":36.0', '"dataset_total_duration_s":36').replace(/\}$/, ',"future_field":{"x":[1,2.5]}}'))]]) as never],
    ]),
  );
  expect(text).toContain('"dataset_total_duration_s": 36,');
  fs.writeFileSync(path.join(dir, INDEX_FILE), text);
  const lib = new ModelLibrary(dir);
  await lib.addEntry({ ...(await lib.listAll())[0]!, modelId: 'x', filePath: 'x.sda' });
  await lib.remove('x');
  expect(fs.readFileSync(path.join(dir, INDEX_FILE), 'utf8')).toBe(text);
});

test('40.8 file names are sanitised as the Python app does', () => {
  expect(sanitizeFileName('Genuine Trained Fixture (v1)!')).toBe('genuine_trained_fixture_v1');
  expect(sanitizeFileName('  __My--Model__  ')).toBe('my--model');
  expect(sanitizeFileName('a///b...c')).toBe('a_b_c');
  expect(sanitizeFileName('')).toBe('untitled');
  expect(sanitizeFileName('!!!')).toBe('untitled');
  expect(sanitizeFileName('Caf\u00e9 \u00dcber')).toBe('caf\u00e9_\u00fcber');
  expect(sanitizeFileName('x'.repeat(150))).toBe('x'.repeat(100));
  expect(Buffer.byteLength(sanitizeFileName('\u65e5'.repeat(100)))).toBeLessThanOrEqual(200);
});

test('40.9 entries are checked; a live lock holder makes writers wait, then time out', async () => {
  const dir = path.join(tmp, 'locked');
  const lib = new ModelLibrary(dir, { timeoutMs: 300 });
  const e: ModelEntry = { ...snakeToEntry(genuineIndex('trained').raw), filePath: 'a.sda' };
  await expect(lib.addEntry({ ...e, filePath: '../a.sda' })).rejects.toThrow(/filePath must be a file name/);
  await expect(lib.addEntry({ ...e, trainingEpochs: 1.5 })).rejects.toThrow(/trainingEpochs must be an integer/);
  // A live process other than this one (jest's parent) holds it.
  fs.writeFileSync(lib.lockPath, JSON.stringify({ pid: process.ppid, host: require('os').hostname(), token: 'someone-else' }));
  const t0 = Date.now();
  await expect(lib.addEntry(e)).rejects.toThrow(LibraryLockTimeoutError);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  expect(fs.existsSync(lib.lockPath)).toBe(true); // not ours: left alone
  fs.rmSync(lib.lockPath);
  await lib.addEntry(e);
  expect(await lib.count()).toBe(1);
  expect(fs.existsSync(lib.lockPath)).toBe(false);
});

function snakeToEntry(raw: Record<string, unknown>): ModelEntry {
  return {
    modelId: raw.model_id as string,
    name: raw.name as string,
    description: raw.description as string,
    filePath: raw.file_path as string,
    fileSizeBytes: raw.file_size_bytes as number,
    datasetName: raw.dataset_name as string,
    datasetFileCount: raw.dataset_file_count as number,
    datasetTotalDurationS: raw.dataset_total_duration_s as number,
    trainingDate: raw.training_date as string,
    saveDate: raw.save_date as string,
    trainingEpochs: raw.training_epochs as number,
    finalTrainLoss: raw.final_train_loss as number,
    finalValLoss: raw.final_val_loss as number,
    hasAnalysis: raw.has_analysis as boolean,
    nActiveComponents: raw.n_active_components as number,
    tags: raw.tags as string[],
  };
}

test('40.10 the library, persistence and controls modules never load the addon (LibTorch) or its loader', () => {
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const code = `
    const lib = require('./lib/library'); require('./lib/library/save-model'); require('./lib/library/delete-model');
    require('./lib/library/convert-checkpoint'); require('./lib/controls');
    (async () => {
      const l = new lib.ModelLibrary(process.argv[1]);
      await l.repairIndex(); await l.listAll();
      const loaded = Object.keys(require.cache).filter((k) => /lib[\\\\/](native[\\\\/](loader|conv-vae|spectrogram)|model[\\\\/]load-model)|\\.node$/.test(k));
      console.log(JSON.stringify({ loaded, count: Object.keys(require.cache).length }));
    })();`;
  const dir = copyModelsDir(path.join(GENUINE, 'trained', 'models'), path.join(tmp, 'no-native'));
  fs.rmSync(path.join(dir, INDEX_FILE));
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code, dir], { cwd: path.resolve(__dirname, '..'), encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const out = JSON.parse(r.stdout);
  expect(out.loaded).toEqual([]);
  expect(out.count).toBeGreaterThan(10);
  expect(JSON.parse(fs.readFileSync(path.join(dir, INDEX_FILE), 'utf8')).models).toHaveProperty([genuineIndex('trained').id]); // repaired from metadata
});
