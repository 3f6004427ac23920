// Concurrency: 8 processes x 25 saves of identically named models into one directory lose nothing.
import * as fs from 'fs';
import * as path from 'path';
import { INDEX_FILE, ModelLibrary } from '../lib';
import { spawnTs, tempDir, tempFiles } from './helpers/library-util';

const PROCS = 8;
const SAVES = 25;
let tmp: string;

beforeAll(() => {
  tmp = tempDir('lib44');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(dir: string, tag: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawnTs('library-saver.ts', [dir, String(SAVES), String(tag)]);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out.split('\n').filter(Boolean)) : reject(new Error(`saver ${tag} exited ${code}: ${err}`))));
  });
}

test(`44.1 ${PROCS} processes x ${SAVES} saves -> ${PROCS * SAVES} entries and files`, async () => {
  const dir = path.join(tmp, 'models');
  fs.mkdirSync(dir);
  const outputs = await Promise.all(Array.from({ length: PROCS }, (_, i) => run(dir, i)));
  const saved = outputs.flat().map((l) => l.split(' ') as [string, string, string]);
  expect(saved).toHaveLength(PROCS * SAVES);
  const ids = new Set(saved.map(([, id]) => id));
  const names = new Set(saved.map(([, , name]) => name));
  expect(ids.size).toBe(PROCS * SAVES);
  expect(names.size).toBe(PROCS * SAVES);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sda'));
  expect(files).toHaveLength(PROCS * SAVES);
  const expectedNames = ['same_name.sda', ...Array.from({ length: PROCS * SAVES - 1 }, (_, i) => `same_name_${i + 1}.sda`)];
  expect(files.sort()).toEqual(expectedNames.sort());
  const lib = new ModelLibrary(dir);
  const entries = await lib.listAll();
  expect(entries).toHaveLength(PROCS * SAVES);
  expect(new Set(entries.map((e) => e.modelId))).toEqual(ids);
  for (const [, id, name] of saved) expect((await lib.get(id))!.filePath).toBe(name);
  for (let p = 0; p < PROCS; p++) expect(await lib.search({ tags: [`P${p}`] })).toHaveLength(SAVES);
  expect(tempFiles(dir)).toEqual([]);
  expect(fs.existsSync(`${path.join(dir, INDEX_FILE)}.lock`)).toBe(false);
  expect(await lib.repairIndex()).toEqual({ removed: [], added: [], unreadable: [], tempFilesRemoved: [] });
});
