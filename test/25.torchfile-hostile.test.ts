// Hostile torch.save files written by real torch.save (test/python/hostile_fixtures.py): sharing through
// the memo, cycles, views that copy more than they store, unreadable paths. Every walk finishes quickly
// with a bounded result or a typed error.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileAccessError, PyDict, TorchFileError, TorchStorage, TorchTensor, inspectTorchFile, readTorchFile, readTorchFileSync, toJSONValue, type PyValue } from '../lib';
import { sda } from './helpers/cli';
import { GENUINE } from './helpers/paths';
import { runPython } from './helpers/python';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-hostile-'));
const H = (f: string) => path.join(tmp, f);
beforeAll(() => {
  runPython(path.join(__dirname, 'python/hostile_fixtures.py'), [path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda'), tmp]);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function timed<T>(f: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await f();
  return { value, ms: Date.now() - t0 };
}

const SHARED = ['shared_tuple.pt', 'shared_list.pt', 'shared_dict.pt', 'shared_mixed.pt', 'cycles.pt'];

test.each(SHARED)('25.1 %s: inspect and toJSONValue finish fast with a bounded result', async (f) => {
  const { value: report, ms } = await timed(() => inspectTorchFile(H(f)));
  expect(ms).toBeLessThan(5000);
  expect(JSON.stringify(report).length).toBeLessThan(5_000_000);
  const { value: json, ms: ms2 } = await timed(() => toJSONValue(readTorchFileSync(H(f)).value));
  expect(ms2).toBeLessThan(5000);
  expect(JSON.stringify(json).length).toBeLessThan(5_000_000);
});

test('25.2 shared objects show in full where small, as {$ref} where a full copy would explode; cycles are marked', async () => {
  const leaf: PyValue[] = [1.5];
  const small = new PyDict([['a', [leaf, leaf]], ['b', leaf]]);
  expect(toJSONValue(small)).toEqual({ a: [[1.5], [1.5]], b: [1.5] });
  const bomb = toJSONValue(readTorchFileSync(H('shared_list.pt')).value);
  const text = JSON.stringify(bomb);
  expect(text).toMatch(/"\$ref":"\$\[0\]/);
  // the first branch is expanded all the way down to the leaf
  let x: unknown = bomb;
  for (let i = 0; i < 60; i++) x = (x as unknown[])[0];
  expect(x).toEqual([1.5]);
  const cyc = toJSONValue(readTorchFileSync(H('cycles.pt')).value) as Record<string, unknown>;
  expect(cyc.list).toEqual(['<cycle>']);
  expect(cyc.dict).toEqual({ self: '<cycle>' });
  const tree = JSON.stringify((await inspectTorchFile(H('shared_tuple.pt'))).tree);
  expect(tree).toMatch(/"type":"ref","path":"\$\[0\]/);
});

test('25.3 sda inspect (text and --json) on a 60-level shared tuple and on cycles exits 0 quickly', () => {
  for (const f of ['shared_tuple.pt', 'cycles.pt', 'shared_dict.pt']) {
    for (const args of [[], ['--json']]) {
      const t0 = Date.now();
      const r = sda(['inspect', H(f), ...args]);
      expect({ f, args, status: r.status, stderr: r.stderr }).toEqual({ f, args, status: 0, stderr: '' });
      expect(Date.now() - t0).toBeLessThan(20000);
    }
  }
});

test('25.4 views that copy more than they store are charged to the memory bound before any allocation', async () => {
  for (const f of ['expand.pt', 'overlap.pt']) {
    const err = await readTorchFile(H(f)).catch((e) => e);
    expect(err).toBeInstanceOf(TorchFileError);
    expect(err.code).toBe('ERR_SDA_TORCH_FILE');
    expect(err.message).toMatch(/would copy \d+ bytes .*memory bound/);
    for (const storages of ['copy', 'lazy'] as const) await expect(readTorchFile(H(f), { storages })).rejects.toThrow(TorchFileError);
  }
  // Not reading storages copies nothing: inspect still describes the file.
  const rep = await inspectTorchFile(H('expand.pt'));
  expect((rep.tree as { keys: Record<string, { shape: number[] }> }).keys.w.shape).toEqual([12288, 80000]);
  // Small stride-0 and transposed views still read, with the right elements.
  const v = readTorchFileSync(H('small_expand.pt')).value as PyDict;
  expect(Array.from(v.getTensor('w')!.toFloat32Array())).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
  expect(Array.from(v.getTensor('t')!.toFloat32Array())).toEqual([0, 3, 1, 4, 2, 5]);
  // A view built in JS that no buffer can hold is a TorchFileError, not V8's RangeError.
  const one = new TorchStorage({ dtype: 'float32', numel: 1, data: new Uint8Array(4) });
  for (const shape of [[2 ** 20, 2 ** 20], [2 ** 26, 2 ** 26]]) {
    const t = new TorchTensor({ storage: one, shape, stride: [0, 0] });
    expect(() => t.bytes()).toThrow(TorchFileError);
  }
});

test('25.5 file-system errors are FileAccessErrors (ERR_SDA_FILE) with the path, the errno and the cause', async () => {
  const missing = H('nope.pt');
  for (const read of [() => readTorchFile(missing), async () => readTorchFileSync(missing), () => readTorchFile(missing, { storages: 'lazy' }), () => readTorchFile(missing, { storages: 'skip' })]) {
    const err = await read().catch((e) => e);
    expect(err).toBeInstanceOf(FileAccessError);
    expect(err).toMatchObject({ code: 'ERR_SDA_FILE', path: missing, errno: 'ENOENT' });
    expect(err.message).toBe(`cannot read torch.save file ${missing}: no such file (ENOENT)`);
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  }
  const dir = await readTorchFile(tmp).catch((e) => e);
  expect(dir).toMatchObject({ code: 'ERR_SDA_FILE', errno: 'EISDIR' });
  const notDir = await readTorchFile(path.join(H('cycles.pt'), 'x.pt')).catch((e) => e);
  expect(notDir).toMatchObject({ code: 'ERR_SDA_FILE', errno: 'ENOTDIR' });
});
