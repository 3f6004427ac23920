// The library under hostile or unlucky input (issue 11): repair file by file, temp clean-up of only our
// own dead writers' files, lock recovery, reads that never write, no folder made by a read, saves that do
// not silently replace, ambiguous lookups, escaping for terminals, typed file-system errors.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import {
  AmbiguousModelError,
  FileAccessError,
  INDEX_FILE,
  LibraryLockTimeoutError,
  ModelExistsError,
  ModelLibrary,
  ModelNotFoundError,
  SdaError,
  deleteModel,
  matchModel,
  resolveModel,
  saveModelDetailed,
  type LibraryWarning,
  type ModelEntry,
} from '../lib';
import { escapeForTerminal } from '../lib/cli/escape';
import { readTorchFile, writeTorchFile } from '../lib/torchfile';
import { TEMP_FILE_PATTERN, parseTempFileName, tempPathFor } from '../lib/util/atomic-file';
import { tempDir, tinyStateDict, writeRawModel } from './helpers/library-util';

let tmp: string;
beforeAll(() => {
  tmp = tempDir('lib46');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const writeModel = writeRawModel;

function entry(modelId: string, name: string, filePath = `${modelId}.sda`): ModelEntry {
  return {
    modelId, name, description: '', filePath, fileSizeBytes: 1, datasetName: '', datasetFileCount: 0, datasetTotalDurationS: 0,
    trainingDate: '', saveDate: '', trainingEpochs: 0, finalTrainLoss: 0, finalValLoss: 0, hasAnalysis: false, nActiveComponents: 0, tags: [],
  };
}

function collect(): { warnings: LibraryWarning[]; onWarning: (w: LibraryWarning) => void } {
  const warnings: LibraryWarning[] = [];
  return { warnings, onWarning: (w) => warnings.push(w) };
}

/** The pid of a process that has exited (not reused this soon). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('46.1 repair goes file by file: out-of-range values, garbage, non-files are listed with reasons; the rest is cataloged', async () => {
  const dir = path.join(tmp, 'repair');
  fs.mkdirSync(dir);
  await writeModel(path.join(dir, 'good.sda'), 'Good', { model_id: 'good-id' });
  await writeModel(path.join(dir, 'epochs.sda'), 'Epochs', { model_id: 'e-id', training_epochs: 2n ** 60n });
  await writeModel(path.join(dir, 'negative.sda'), 'Negative', { model_id: 'n-id', n_active_components: -(2n ** 63n) });
  await writeModel(path.join(dir, 'huge.sda'), 'Huge', { model_id: 'h-id', dataset_file_count: 1e300 });
  await writeModel(path.join(dir, 'bool.sda'), 'Bool', { model_id: 'b-id', training_epochs: true });
  await writeModel(path.join(dir, 'also_good.distill'), 'Also good', { model_id: 'good-2', training_epochs: 2n ** 53n - 1n });
  fs.writeFileSync(path.join(dir, 'garbage.sda'), Buffer.from('PK\x03\x04 not really a zip'));
  fs.writeFileSync(path.join(dir, 'empty.distill'), '');
  fs.mkdirSync(path.join(dir, 'folder.sda'));
  expect(spawnSync('mkfifo', [path.join(dir, 'pipe.sda')]).status).toBe(0); // opening it would block the repair
  await writeTorchFile(path.join(dir, 'list.sda'), [1n, 2n]);
  const { warnings, onWarning } = collect();
  const lib = new ModelLibrary(dir, { onWarning });
  const r = await lib.repairIndex();
  expect(r.added.sort()).toEqual(['good-2', 'good-id']);
  expect(r.removed).toEqual([]);
  const why = Object.fromEntries(r.unreadable.map((u) => [u.file, u]));
  expect(Object.keys(why).sort()).toEqual(['bool.sda', 'empty.distill', 'epochs.sda', 'folder.sda', 'garbage.sda', 'huge.sda', 'list.sda', 'negative.sda', 'pipe.sda']);
  expect(why['epochs.sda']!.reason).toMatch(/training_epochs 1152921504606846976 is out of range/);
  expect(why['negative.sda']!.reason).toMatch(/n_active_components -9223372036854775808 is out of range/);
  expect(why['huge.sda']!.reason).toMatch(/dataset_file_count .* is out of range/);
  expect(why['bool.sda']!.reason).toMatch(/training_epochs must be a number/);
  expect(why['folder.sda']!.reason).toMatch(/not a regular file/);
  expect(why['pipe.sda']!.reason).toMatch(/not a regular file/);
  expect(why['list.sda']!.reason).toMatch(/not a saved model/);
  for (const u of r.unreadable) expect(u.code).toMatch(/^ERR_SDA_/);
  expect(warnings.filter((w) => w.code === 'SDA_LIBRARY_UNREADABLE_MODEL')).toHaveLength(9);
  expect((await lib.get('good-2'))!.trainingEpochs).toBe(2 ** 53 - 1);
  // Nothing else changed, and a second repair reports the same files again without touching the catalog.
  const index = fs.readFileSync(path.join(dir, INDEX_FILE));
  const again = await lib.repairIndex();
  expect(again).toMatchObject({ removed: [], added: [], tempFilesRemoved: [] });
  expect(again.unreadable).toHaveLength(9);
  expect(fs.readFileSync(path.join(dir, INDEX_FILE))).toEqual(index);
});

test('46.2 an out-of-range int in the index itself is one corrupt entry, not a failed read or write', async () => {
  const dir = path.join(tmp, 'index-range');
  fs.mkdirSync(dir);
  const good = JSON.stringify({ ...entryJson('ok'), training_epochs: 3 });
  const bad = JSON.stringify({ ...entryJson('big'), training_epochs: 3 }).replace('"training_epochs":3', '"training_epochs":1152921504606846976');
  fs.writeFileSync(path.join(dir, INDEX_FILE), `{"version": 1, "models": {"ok": ${good}, "big": ${bad}}}`);
  const { warnings, onWarning } = collect();
  const lib = new ModelLibrary(dir, { onWarning });
  expect((await lib.listAll()).map((e) => e.modelId)).toEqual(['ok']);
  expect(warnings).toEqual([expect.objectContaining({ code: 'SDA_LIBRARY_CORRUPT_ENTRY', modelId: 'big', message: expect.stringMatching(/training_epochs 1152921504606846976 is out of range/) })]);
  await lib.addEntry(entry('new', 'New'));
  expect(await lib.count()).toBe(2);
});

function entryJson(id: string): Record<string, unknown> {
  return {
    model_id: id, name: id, description: '', file_path: `${id}.sda`, file_size_bytes: 1, dataset_name: '', dataset_file_count: 0,
    dataset_total_duration_s: 0.0, training_date: '', save_date: '', training_epochs: 0, final_train_loss: 0.0, final_val_loss: 0.0,
    has_analysis: false, n_active_components: 0, tags: [],
  };
}

test('46.3 temp clean-up removes only the atomic writer\'s names for library files, from dead writers or old ones', async () => {
  // The pattern is the writer's: a name from tempPathFor parses back to its target and pid.
  const made = path.basename(tempPathFor('/x/pads.sda'));
  expect(TEMP_FILE_PATTERN.test(made)).toBe(true);
  expect(parseTempFileName(made)).toEqual({ target: 'pads.sda', pid: process.pid });
  const dir = path.join(tmp, 'temps');
  fs.mkdirSync(dir);
  const dead = deadPid();
  const live = process.ppid;
  const keep = [
    'notes.4000000.deadbeef.tmp', // no leading dot: a user's file
    `notes.${dead}.deadbeef.tmp`,
    `.notes.${dead}.deadbeef.tmp`, // not a file the library writes
    `.pads.wav.${dead}.deadbeef.tmp`,
    `.pads.sda.${dead}.DEADBEEF.tmp`, // the writer uses lowercase hex
    `.pads.sda.${dead}.deadbee.tmp`,
    `.pads.sda.0${dead}.deadbeef.tmp`, // pids have no leading zero
    `.pads.sda.${dead}.deadbeef.tmp.bak`,
    `.pads.sda.${live}.deadbeef.tmp`, // its writer runs
    `.model_library.json.${process.pid}.0badf00d.tmp`, // ours, running
  ];
  const remove = [
    `.model_library.json.${dead}.deadbeef.tmp`,
    `.model_library.json.bak.${dead}.01234567.tmp`,
    `.pads.sda.${dead}.deadbeef.tmp`,
    `.pads.distill.${dead}.abcdef01.tmp`,
    `.old.sda.${live}.deadbeef.tmp`, // a live pid, but two days old: a reused pid
  ];
  for (const f of [...keep, ...remove]) fs.writeFileSync(path.join(dir, f), 'x');
  const old = new Date(Date.now() - 2 * 86400_000);
  fs.utimesSync(path.join(dir, `.old.sda.${live}.deadbeef.tmp`), old, old);
  fs.mkdirSync(path.join(dir, `.dir.sda.${dead}.deadbeef.tmp`)); // not a file
  keep.push(`.dir.sda.${dead}.deadbeef.tmp`);
  const r = await new ModelLibrary(dir).repairIndex();
  expect(r.tempFilesRemoved.sort()).toEqual([...remove].sort());
  expect(fs.readdirSync(dir).filter((f) => f !== INDEX_FILE).sort()).toEqual([...keep].sort());
});

describe('46.4 stale locks recover; live ones do not', () => {
  const host = os.hostname();
  let n = 0;
  const fresh = () => {
    const dir = path.join(tmp, `lock-${n++}`);
    fs.mkdirSync(dir);
    return dir;
  };

  test('this process\'s pid with a token it does not hold (a previous process with our pid) is stale at once', async () => {
    const lib = new ModelLibrary(fresh(), { timeoutMs: 20_000 });
    fs.writeFileSync(lib.lockPath, JSON.stringify({ pid: process.pid, host, token: 'previous-instance' }));
    const t0 = Date.now();
    await lib.addEntry(entry('a', 'A'));
    expect(Date.now() - t0).toBeLessThan(10_000); // a stale wait would be 60 s (staleMs / 2)
    expect(fs.existsSync(lib.lockPath)).toBe(false);
  });

  test('a lock this process holds, seen through another path to the folder, is not broken', async () => {
    const dir = fresh();
    const alias = path.join(tmp, `alias-${n}`);
    fs.symlinkSync(dir, alias);
    const a = new ModelLibrary(dir);
    const b = new ModelLibrary(alias, { timeoutMs: 300 });
    await a.transaction(async () => {
      await expect(b.addEntry(entry('b', 'B'))).rejects.toThrow(LibraryLockTimeoutError);
    });
    await b.addEntry(entry('b', 'B'));
    expect(await a.count()).toBe(1);
  });

  test('a live pid with an mtime in the future is stale once seen unchanged for staleMs / 2', async () => {
    const lib = new ModelLibrary(fresh(), { timeoutMs: 5000, staleMs: 800 });
    fs.writeFileSync(lib.lockPath, JSON.stringify({ pid: process.ppid, host, token: 'future' }));
    const future = new Date(Date.now() + 3600_000);
    fs.utimesSync(lib.lockPath, future, future);
    const t0 = Date.now();
    await lib.addEntry(entry('a', 'A'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  test('a future mtime that keeps changing (a live holder refreshing on a fast clock) is not broken', async () => {
    const lib = new ModelLibrary(fresh(), { timeoutMs: 1200, staleMs: 800 });
    fs.writeFileSync(lib.lockPath, JSON.stringify({ pid: process.ppid, host: 'other-host', token: 'refreshing' }));
    let k = 0;
    const touch = () => {
      const t = new Date(Date.now() + 3600_000 + 1000 * k++);
      fs.utimesSync(lib.lockPath, t, t);
    };
    touch();
    const timer = setInterval(touch, 150);
    try {
      await expect(lib.addEntry(entry('a', 'A'))).rejects.toThrow(LibraryLockTimeoutError);
    } finally {
      clearInterval(timer);
    }
    expect(JSON.parse(fs.readFileSync(lib.lockPath, 'utf8')).token).toBe('refreshing');
  });

  test('an empty lock file with a future mtime is stale too', async () => {
    const lib = new ModelLibrary(fresh(), { timeoutMs: 5000 });
    fs.writeFileSync(lib.lockPath, '');
    const future = new Date(Date.now() + 3600_000);
    fs.utimesSync(lib.lockPath, future, future);
    await lib.addEntry(entry('a', 'A'));
    expect(await lib.count()).toBe(1);
  });

  test('a reused pid (alive, but the lock is older than staleMs) is stale at once; a dead pid too', async () => {
    // Not judged stale at once, either lock would be waited on for staleMs / 2 (60 s), past the timeout.
    const lib = new ModelLibrary(fresh(), { timeoutMs: 20_000 });
    fs.writeFileSync(lib.lockPath, JSON.stringify({ pid: process.ppid, host, token: 'reused' }));
    const old = new Date(Date.now() - 10 * 60_000);
    fs.utimesSync(lib.lockPath, old, old);
    const t0 = Date.now();
    await lib.addEntry(entry('a', 'A'));
    fs.writeFileSync(lib.lockPath, JSON.stringify({ pid: deadPid(), host, token: 'dead' }));
    await lib.addEntry(entry('b', 'B'));
    expect(Date.now() - t0).toBeLessThan(10_000); // the default staleMs is 120 s: far from a busy machine's delays
    expect(await lib.count()).toBe(2);
  });
});

test('46.5 reads never create the folder; removals and repair of a missing folder do nothing', async () => {
  const missing = path.join(tmp, 'does', 'not', 'exist');
  const lib = new ModelLibrary(missing);
  expect(await lib.count()).toBe(0);
  expect(await lib.listAll()).toEqual([]);
  expect(await lib.search({ query: 'x', tags: ['y'] })).toEqual([]);
  expect(await lib.get('x')).toBeUndefined();
  expect(await lib.remove('x')).toBe(false);
  expect(await deleteModel('x', { modelsDir: missing })).toBe(false);
  expect(await lib.repairIndex()).toEqual({ removed: [], added: [], unreadable: [], tempFilesRemoved: [] });
  await expect(resolveModel('x', { modelsDir: missing })).rejects.toThrow(ModelNotFoundError);
  expect(fs.existsSync(path.join(tmp, 'does'))).toBe(false);
  // A relative name resolves against the working directory, and is not created either.
  const cwd = process.cwd();
  expect(await new ModelLibrary('typo-no-such-models-dir').count()).toBe(0);
  expect(fs.existsSync(path.join(cwd, 'typo-no-such-models-dir'))).toBe(false);
  // The first write creates it.
  await lib.addEntry(entry('a', 'A'));
  expect(fs.readdirSync(missing)).toEqual([INDEX_FILE]);
});

test('46.6 saveModel refuses an existing modelId unless replace: true, then removes the old file after the new one is in place', async () => {
  const dir = path.join(tmp, 'replace');
  const save = (name: string, replace?: boolean) =>
    saveModelDetailed(tinyStateDict(name.length), { modelsDir: dir, checkWeights: false, metadata: { name, modelId: 'fixed-id' }, replace });
  const first = await save('Pads');
  expect(path.basename(first.path)).toBe('pads.sda');
  const lib = new ModelLibrary(dir);
  const index = fs.readFileSync(lib.indexPath);
  const err = await save('Other').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ModelExistsError);
  expect(err).toMatchObject({ code: 'ERR_SDA_MODEL_EXISTS', modelId: 'fixed-id' });
  expect((err as Error).message).toMatch(/pads\.sda.*replace: true/);
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.sda'))).toEqual(['pads.sda']);
  expect(fs.readFileSync(lib.indexPath)).toEqual(index);
  // Replacing: one entry, pointing at the new file; the old file is gone; no orphan for repair to find.
  const second = await save('Pads v2', true);
  expect(path.basename(second.path)).toBe('pads_v2.sda');
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.sda'))).toEqual(['pads_v2.sda']);
  expect(await lib.listAll()).toEqual([expect.objectContaining({ modelId: 'fixed-id', name: 'Pads v2', filePath: 'pads_v2.sda' })]);
  // Same name again: the new file takes a free name first, then the old one goes.
  const third = await save('Pads v2', true);
  expect(path.basename(third.path)).toBe('pads_v2_1.sda');
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.sda'))).toEqual(['pads_v2_1.sda']);
  expect(await lib.repairIndex()).toEqual({ removed: [], added: [], unreadable: [], tempFilesRemoved: [] });
  // A replaced entry whose file another entry also names (hand-edited catalog): that file is kept.
  await lib.addEntry({ ...(await lib.get('fixed-id'))!, modelId: 'twin', name: 'Twin' });
  const fourth = await save('Pads v3', true);
  expect(fs.existsSync(third.path)).toBe(true);
  expect((await lib.get('fixed-id'))!.filePath).toBe(path.basename(fourth.path));
  await lib.remove('twin');
  fs.rmSync(third.path);
  // replace: true with a new id just saves.
  await saveModelDetailed(tinyStateDict(), { modelsDir: dir, checkWeights: false, metadata: { name: 'New' }, replace: true });
  expect(await lib.count()).toBe(2);
});

describe('46.7 lookups by query: id, id prefix, name, name ignoring case, part of a name; ambiguity at a step is reported', () => {
  const dir = path.join(os.tmpdir(), 'sda-46-lookup');
  const A = entry('0a525f0f-4cd5-460f-9b94-f40bc230856f', 'Genuine');
  const B = entry('77777777-aaaa-4bbb-8ccc-dddddddddddd', '0a525f0f'); // named like A's id prefix
  const C = entry('12345678-aaaa-4bbb-8ccc-dddddddddddd', 'Pads');
  const D = entry('87654321-aaaa-4bbb-8ccc-dddddddddddd', 'pads');
  const E = entry('abcdef01-aaaa-4bbb-8ccc-dddddddddddd', 'Rain');
  const all = [A, B, C, D, E];
  const thrown = (f: () => unknown): AmbiguousModelError => {
    try {
      f();
    } catch (e) {
      return e as AmbiguousModelError;
    }
    throw new Error('no error');
  };
  const listed = (err: AmbiguousModelError) => err.candidates.map((c) => [c.modelId, c.name, c.match]);

  test('1: a full id, always (ids are unique keys), whatever names say', () => {
    expect(matchModel(all, A.modelId, dir)).toEqual({ entry: A, via: 'id' });
    expect(matchModel([A, { ...B, name: A.modelId }], A.modelId, dir)).toEqual({ entry: A, via: 'id' });
    expect(matchModel([A, { ...B, name: A.modelId }], A.modelId, dir, { alsoFile: '/x/f' })).toEqual({ entry: A, via: 'id' });
  });

  test('2: an id prefix of 4+ characters, ignoring case, before any name; two ids with the prefix are ambiguous', () => {
    expect(matchModel(all, 'abcd', dir)).toEqual({ entry: E, via: 'id-prefix' });
    expect(matchModel(all, 'ABCDEF', dir)).toEqual({ entry: E, via: 'id-prefix' });
    expect(matchModel(all, 'abc', dir)).toBeUndefined(); // too short to be a prefix
    // B is named exactly '0a525f0f', but A's id prefix is an earlier step.
    expect(matchModel(all, '0a525f0f', dir)).toEqual({ entry: A, via: 'id-prefix' });
    expect(matchModel(all, '0A525F0F', dir)).toEqual({ entry: A, via: 'id-prefix' });
    const F = entry('0a525f0f-9999-4bbb-8ccc-dddddddddddd', 'Other');
    const err = thrown(() => matchModel([...all, F], '0a525f0f', dir));
    expect(err).toBeInstanceOf(AmbiguousModelError);
    expect(err).toBeInstanceOf(SdaError);
    expect(err.code).toBe('ERR_SDA_AMBIGUOUS_MODEL');
    expect(listed(err)).toEqual([[A.modelId, 'Genuine', 'id-prefix'], [F.modelId, 'Other', 'id-prefix']]);
    expect(err.message).toBe(`"0a525f0f" matches 2 models by id prefix (${A.modelId} "Genuine", ${F.modelId} "Other"); give the full model id`);
  });

  test('3: the exact name, before the name ignoring case; two models of one name are ambiguous', () => {
    expect(matchModel(all, 'pads', dir)).toEqual({ entry: D, via: 'name' }); // 'Pads' differs in case: a later step
    expect(matchModel(all, 'Pads', dir)).toEqual({ entry: C, via: 'name' });
    expect(matchModel(all, '77777777', dir)).toEqual({ entry: B, via: 'id-prefix' });
    const twin = { ...E, modelId: 'ffff0000-aaaa-4bbb-8ccc-dddddddddddd', name: 'Pads' };
    const err = thrown(() => matchModel([...all, twin], 'Pads', dir));
    expect(listed(err)).toEqual([[C.modelId, 'Pads', 'name'], [twin.modelId, 'Pads', 'name']]);
    expect(err.message).toMatch(/^"Pads" matches 2 models by name \(12345678-.* "Pads", ffff0000-.* "Pads"\); give the full model id$/);
  });

  test('4: the name ignoring case; names equal but for case are ambiguous', () => {
    expect(matchModel(all, 'rain', dir)).toEqual({ entry: E, via: 'name' });
    expect(matchModel(all, 'GENUINE', dir)).toEqual({ entry: A, via: 'name' });
    // 'Rain' ignoring case is found before 'Rain pads', which only contains it.
    const long = entry('33333333-aaaa-4bbb-8ccc-dddddddddddd', 'Rain pads');
    expect(matchModel([...all, long], 'RAIN', dir)).toEqual({ entry: E, via: 'name' });
    const err = thrown(() => matchModel(all, 'PADS', dir));
    expect(listed(err)).toEqual([[C.modelId, 'Pads', 'name-case'], [D.modelId, 'pads', 'name-case']]);
    expect(err.message).toMatch(/^"PADS" matches 2 models by name \(ignoring case\) \(12345678-.* "Pads", 87654321-.* "pads"\)/);
  });

  test('5: a unique part of a name, ignoring case; a part of several names is ambiguous', () => {
    expect(matchModel(all, 'ain', dir)).toEqual({ entry: E, via: 'name-part' });
    expect(matchModel(all, 'ENUI', dir)).toEqual({ entry: A, via: 'name-part' });
    expect(matchModel(all, 'ain', dir, { nameParts: false })).toBeUndefined();
    const err = thrown(() => matchModel(all, 'a', dir));
    expect(listed(err)).toEqual([[C.modelId, 'Pads', 'name-part'], [B.modelId, '0a525f0f', 'name-part'], [D.modelId, 'pads', 'name-part'], [E.modelId, 'Rain', 'name-part']]);
    expect(err.message).toMatch(/^"a" matches 4 models by part of the name \(12345678-.* "Pads", 77777777-.* "0a525f0f", 87654321-.* "pads", abcdef01-.* "Rain"\)/);
    expect(matchModel(all, 'nothing', dir)).toBeUndefined();
  });

  test('a bare query that is also a file makes any match but a full id ambiguous, the file listed first', () => {
    const err = thrown(() => matchModel(all, 'ain', dir, { alsoFile: '/x/ain' }));
    expect(err.candidates.map((c) => [c.match, c.modelId ?? c.path])).toEqual([['path', '/x/ain'], ['name-part', E.modelId]]);
    expect(matchModel(all, 'nothing', dir, { alsoFile: '/x/nothing' })).toBeUndefined();
  });

  test('resolveModel: entry and path, typed errors, and a path query is only a path', async () => {
    const lib = path.join(tmp, 'resolve');
    fs.mkdirSync(lib);
    await writeModel(path.join(lib, 'genuine.sda'), 'Genuine');
    const l = new ModelLibrary(lib);
    for (const e of all) await l.addEntry({ ...e, filePath: e === A ? 'genuine.sda' : e.filePath });
    const r = await resolveModel('0a525f0f-4cd5', { modelsDir: lib });
    expect(r).toEqual({ path: path.join(lib, 'genuine.sda'), via: 'id-prefix', entry: expect.objectContaining({ modelId: A.modelId }) });
    expect(await resolveModel('0a525f0f', { modelsDir: lib })).toMatchObject({ path: path.join(lib, 'genuine.sda'), via: 'id-prefix' });
    expect(await resolveModel('ENUIN', { modelsDir: lib })).toMatchObject({ path: path.join(lib, 'genuine.sda'), via: 'name-part' });
    await expect(resolveModel('ENUIN', { modelsDir: lib, nameParts: false })).rejects.toMatchObject({ code: 'ERR_SDA_MODEL_NOT_FOUND' });
    await expect(resolveModel('a', { modelsDir: lib })).rejects.toMatchObject({
      code: 'ERR_SDA_AMBIGUOUS_MODEL',
      candidates: [C, B, D, E].map((e) => ({ modelId: e.modelId, name: e.name, path: path.join(lib, e.filePath), match: 'name-part' })),
    });
    await expect(resolveModel('Rain', { modelsDir: lib })).rejects.toThrow(/is cataloged but its file .* is gone/);
    await expect(resolveModel('nope', { modelsDir: lib })).rejects.toMatchObject({ code: 'ERR_SDA_MODEL_NOT_FOUND', query: 'nope' });
    expect(await resolveModel(path.join(lib, 'genuine.sda'), { modelsDir: lib })).toEqual({ path: path.join(lib, 'genuine.sda'), via: 'path' });
    await expect(resolveModel(path.join(lib, 'none.sda'), { modelsDir: lib })).rejects.toThrow(ModelNotFoundError);
  });
});

test('46.8 escapeForTerminal writes C0, DEL and C1 controls as escapes and leaves other text alone', () => {
  expect(escapeForTerminal('\x1b]0;pwned\x07')).toBe('\\x1b]0;pwned\\x07');
  expect(escapeForTerminal('a\x1b[2Jb')).toBe('a\\x1b[2Jb');
  expect(escapeForTerminal('line1\nline2\r\tx\0')).toBe('line1\\nline2\\r\\tx\\x00');
  expect(escapeForTerminal('\x7f\x80\x9b\x9f')).toBe('\\x7f\\x80\\x9b\\x9f');
  expect(escapeForTerminal('Café ☃ 日本 \u00a0 "q" \\')).toBe('Café ☃ 日本 \u00a0 "q" \\');
});

test('46.9 file-system failures of library operations are FileAccessErrors (as everywhere) with the path and the original as cause', async () => {
  // The lock path is a folder: creating the lock fails, then reading it does (EISDIR).
  const dir = path.join(tmp, 'fs-errors');
  fs.mkdirSync(dir);
  const lib = new ModelLibrary(dir, { timeoutMs: 1000 });
  fs.mkdirSync(lib.lockPath);
  const err = await lib.addEntry(entry('a', 'A')).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FileAccessError);
  expect(err).toMatchObject({ code: 'ERR_SDA_FILE', path: lib.lockPath, errno: 'EISDIR', cause: expect.objectContaining({ code: 'EISDIR' }) });
  expect((err as Error).message).toBe(`cannot read lock file ${lib.lockPath}: it is a directory (EISDIR)`);
  // The models folder is a file: reads and writes both fail typed (ENOTDIR / EEXIST).
  const notDir = path.join(tmp, 'a-file');
  fs.writeFileSync(notDir, 'x');
  const onFile = new ModelLibrary(notDir);
  await expect(onFile.count()).rejects.toMatchObject({ code: 'ERR_SDA_FILE', errno: 'ENOTDIR', cause: expect.objectContaining({ code: 'ENOTDIR' }) });
  await expect(onFile.addEntry(entry('a', 'A'))).rejects.toMatchObject({ code: 'ERR_SDA_FILE', path: notDir, cause: expect.objectContaining({ code: 'EEXIST' }) });
  await expect(saveModelDetailed(tinyStateDict(), { modelsDir: notDir, checkWeights: false })).rejects.toThrow(FileAccessError);
  // The same failure gives the same class whether the library or a model load meets it.
  await expect(readTorchFile(path.join(notDir, 'm.sda'))).rejects.toMatchObject({ code: 'ERR_SDA_FILE', errno: 'ENOTDIR' });
  // The index is a folder: reads fail typed (EISDIR), and nothing is renamed.
  const dir2 = path.join(tmp, 'index-dir');
  fs.mkdirSync(path.join(dir2, INDEX_FILE), { recursive: true });
  await expect(new ModelLibrary(dir2).listAll()).rejects.toMatchObject({ code: 'ERR_SDA_FILE', errno: 'EISDIR', cause: expect.objectContaining({ code: 'EISDIR' }) });
  expect(fs.readdirSync(dir2)).toEqual([INDEX_FILE]);
});

test('46.10 a lock left by a previous process with our pid is recovered, and concurrent writers here stay exclusive', async () => {
  // Containers restart with the same pids: a lock from the previous run names our pid.
  const dir = path.join(tmp, 'same-pid');
  fs.mkdirSync(dir);
  const lib = new ModelLibrary(dir, { timeoutMs: 5000 });
  fs.writeFileSync(lib.lockPath, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'before-restart' }));
  const old = new Date(Date.now() - 1000);
  fs.utimesSync(lib.lockPath, old, old);
  await Promise.all([lib.addEntry(entry('a', 'A')), lib.addEntry(entry('b', 'B')), lib.remove('zzz')]);
  expect(await lib.count()).toBe(2);
  expect(fs.existsSync(lib.lockPath)).toBe(false);
});

test('46.11 every broken catalog state: reads report it (typed) or read the .bak, and write nothing', async () => {
  const good = `{"version": 1, "models": {"ok": ${JSON.stringify(entryJson('ok'))}}}`;
  const states: Array<[string, Record<string, string | Buffer>, RegExp | number]> = [
    ['truncated index', { [INDEX_FILE]: good.slice(0, 40) }, /ERR_SDA_LIBRARY_CORRUPT/],
    ['not UTF-8', { [INDEX_FILE]: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }, /ERR_SDA_LIBRARY_CORRUPT/],
    ['top level a list', { [INDEX_FILE]: '[]' }, /ERR_SDA_LIBRARY_CORRUPT/],
    ['models a list', { [INDEX_FILE]: '{"version": 1, "models": []}' }, /ERR_SDA_LIBRARY_CORRUPT/],
    ['newer version', { [INDEX_FILE]: '{"version": 7, "models": {}}' }, /ERR_SDA_MODEL_VERSION/],
    ['no index, corrupt .bak', { [`${INDEX_FILE}.bak`]: 'nope' }, /ERR_SDA_LIBRARY_CORRUPT/],
    ['no index, valid .bak', { [`${INDEX_FILE}.bak`]: good }, 1],
    ['corrupt index, valid .bak', { [INDEX_FILE]: '{', [`${INDEX_FILE}.bak`]: good }, /ERR_SDA_LIBRARY_CORRUPT/],
  ];
  for (const [what, files, expected] of states) {
    const dir = path.join(tmp, `state-${what.replace(/\W+/g, '-')}`);
    fs.mkdirSync(dir);
    for (const [f, data] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), data);
    const snapshot = () => fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('hex')]);
    const before = snapshot();
    const lib = new ModelLibrary(dir, { onWarning: () => undefined });
    const reads = [lib.count(), lib.listAll(), lib.search({ query: 'o' }), lib.get('ok'), resolveModel('ok', { modelsDir: dir, library: { onWarning: () => undefined } })];
    const outcomes = await Promise.allSettled(reads);
    if (typeof expected === 'number') {
      expect([what, await lib.count()]).toEqual([what, expected]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected']); // ok.sda does not exist
    } else {
      for (const o of outcomes) {
        expect([what, o.status]).toEqual([what, 'rejected']);
        const err = (o as PromiseRejectedResult).reason;
        expect(err).toBeInstanceOf(SdaError);
        expect(err.code).toMatch(expected);
      }
    }
    expect([what, snapshot()]).toEqual([what, before]);
  }
});
