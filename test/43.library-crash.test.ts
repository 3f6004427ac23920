// Crash safety: writer processes are killed with SIGKILL at random points of save and delete, many times;
// the index always parses, every acknowledged save is there, and repairIndex leaves no temp files.
import * as fs from 'fs';
import * as path from 'path';
import { INDEX_FILE, ModelLibrary, pyJsonParse, type LibraryWarning } from '../lib';
import { spawnTs, tempDir, tempFiles } from './helpers/library-util';

const ROUNDS = 14;
let tmp: string;

beforeAll(() => {
  tmp = tempDir('lib43');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs one writer, kills it `delayMs` after it is ready; returns its stdout lines. */
function runAndKill(dir: string, seed: number, delayMs: number): Promise<{ lines: string[]; stderr: string; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawnTs('library-writer.ts', [dir, String(seed)]);
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!timer && out.startsWith('READY\n')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ lines: out.split('\n').filter(Boolean), stderr: err, signal });
    });
  });
}

test('43.1 SIGKILL at random points of save and delete loses no acknowledged save', async () => {
  const dir = path.join(tmp, 'models');
  fs.mkdirSync(dir);
  const acked = new Set<string>();
  const deleting = new Set<string>();
  const deleted = new Set<string>();
  let ops = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const { lines, stderr, signal } = await runAndKill(dir, 1000 + round, 40 + ((round * 97) % 400));
    expect(stderr).toBe('');
    expect(signal).toBe('SIGKILL');
    for (const line of lines) {
      const [what, id] = line.split(' ');
      if (what === 'SAVED') acked.add(id!);
      else if (what === 'DELETING') deleting.add(id!);
      else if (what === 'DELETED') deleted.add(id!);
    }
    ops += lines.length;
    // After every kill: the index parses (it is only ever replaced by rename) and holds every acknowledged save.
    // A writer killed before its first save finished leaves no index yet, and must then have acknowledged
    // nothing (a loaded machine can take longer than the first round's 40 ms for that save).
    if (!fs.existsSync(path.join(dir, INDEX_FILE))) {
      expect(acked).toEqual(new Set());
      continue;
    }
    const text = fs.readFileSync(path.join(dir, INDEX_FILE), 'utf8');
    expect(() => pyJsonParse(text)).not.toThrow();
    const warnings: LibraryWarning[] = [];
    const lib = new ModelLibrary(dir, { onWarning: (w) => warnings.push(w), timeoutMs: 10_000 });
    const ids = new Set((await lib.listAll()).map((e) => e.modelId));
    for (const id of acked) if (!deleting.has(id)) expect(ids.has(id)).toBe(true);
    for (const id of deleted) expect(ids.has(id)).toBe(false);
    expect(warnings).toEqual([]);
  }
  expect(acked.size).toBeGreaterThan(ROUNDS); // the writers got work done between kills
  expect(deleted.size).toBeGreaterThan(0);
  expect(ops).toBeGreaterThan(2 * ROUNDS);

  const lib = new ModelLibrary(dir);
  const repair = await lib.repairIndex();
  if (process.env.SDA_LIB_DEBUG) console.log(JSON.stringify({ acked: acked.size, deleted: deleted.size, ops, repair }));
  expect(tempFiles(dir)).toEqual([]);
  expect(fs.readdirSync(dir).filter((f) => f.includes('.lock'))).toEqual([]); // stale lock recovered and released
  const entries = await lib.listAll();
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sda')).sort();
  expect(entries.map((e) => e.filePath).sort()).toEqual(files); // catalog and folder agree
  for (const e of entries) expect(fs.statSync(path.join(dir, e.filePath)).size).toBe(e.fileSizeBytes);
  for (const id of acked) if (!deleting.has(id)) expect(entries.some((e) => e.modelId === id)).toBe(true);
  expect(repair.unreadable).toEqual([]);
  // A second repair has nothing left to do.
  expect(await lib.repairIndex()).toEqual({ removed: [], added: [], unreadable: [], tempFilesRemoved: [] });
});

test('43.2 a lock left by a killed process is recovered at once', async () => {
  const dir = path.join(tmp, 'stale');
  fs.mkdirSync(dir); // a ModelLibrary creates its folder only when it writes
  // Not judged stale at once, the lock would be waited on for staleMs / 2 (60 s), past the timeout.
  const lib = new ModelLibrary(dir, { timeoutMs: 20_000 });
  const dead = await new Promise<number>((resolve) => {
    const c = spawnTs('library-writer.ts', ['/nonexistent-dir-for-pid', '1']);
    c.on('exit', () => resolve(c.pid!));
    c.kill('SIGKILL');
  });
  fs.writeFileSync(lib.lockPath, JSON.stringify({ pid: dead, host: require('os').hostname(), token: 'dead' }));
  const t0 = Date.now();
  await lib.addEntry({
    modelId: 'a', name: 'A', description: '', filePath: 'a.sda', fileSizeBytes: 0, datasetName: '', datasetFileCount: 0,
    datasetTotalDurationS: 0, trainingDate: '', saveDate: '', trainingEpochs: 0, finalTrainLoss: 0, finalValLoss: 0,
    hasAnalysis: false, nActiveComponents: 0, tags: [],
  });
  expect(Date.now() - t0).toBeLessThan(10_000); // far below the 60 s a stale wait would take, far above a busy machine's delays
  expect(await lib.count()).toBe(1);
  expect(fs.existsSync(lib.lockPath)).toBe(false);
  // An empty lock file (holder killed between create and write) is stale after 2 s.
  fs.writeFileSync(lib.lockPath, '');
  const old = new Date(Date.now() - 10_000);
  fs.utimesSync(lib.lockPath, old, old);
  expect(await lib.remove('a')).toBe(true);
});
