import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  PyDict,
  PyObject,
  PyOrderedDict,
  PyTuple,
  TorchFileError,
  TorchTensor,
  readTorchFileSync,
  serializeTorchFile,
  tuple,
  writeTorchFile,
  writeTorchFileSync,
  type PyValue,
} from '../lib';
import { GENUINE_FILES, describeValue, sortedJson } from './helpers/torchfile';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-tf-write-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Rec {
  name: string;
  dataOffset: number;
  size: number;
}

/** Walks the local headers of a zip written by us. */
function localRecords(b: Buffer): Rec[] {
  const out: Rec[] = [];
  let p = 0;
  while (b.readUInt32LE(p) === 0x04034b50) {
    const n = b.readUInt16LE(p + 26);
    const e = b.readUInt16LE(p + 28);
    const name = b.subarray(p + 30, p + 30 + n).toString('utf8');
    const dataOffset = p + 30 + n + e;
    // sizes from the data descriptor: find it by the central directory instead
    out.push({ name, dataOffset, size: -1 });
    const eocd = b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const cdOff = b.readUInt32LE(eocd + 16);
    let q = cdOff;
    while (b.readUInt32LE(q) === 0x02014b50) {
      const nn = b.readUInt16LE(q + 28);
      if (b.subarray(q + 46, q + 46 + nn).toString('utf8') === name) out[out.length - 1].size = b.readUInt32LE(q + 24);
      q += 46 + nn + b.readUInt16LE(q + 30) + b.readUInt16LE(q + 32);
    }
    p = dataOffset + out[out.length - 1].size + 16;
  }
  return out;
}

describe('writeTorchFile', () => {
  test('21.1 genuine files: read -> write -> read is identity, in the layout PyTorch writes', () => {
    for (const f of GENUINE_FILES) {
      const a = readTorchFileSync(f);
      const out = path.join(tmp, path.basename(f));
      writeTorchFileSync(out, a.value);
      const b = readTorchFileSync(out);
      expect(sortedJson(describeValue(b.value))).toBe(sortedJson(describeValue(a.value)));
      const stem = path.basename(f).replace(/\.[^.]*$/, '');
      expect(b.archiveName).toBe(stem);
      const n = a.storages.length;
      expect(b.records).toEqual([
        'data.pkl',
        '.format_version',
        '.storage_alignment',
        'byteorder',
        ...Array.from({ length: n }, (_, i) => `data/${i}`),
        'version',
        '.data/serialization_id',
      ]);
      expect(b.version).toBe('3');
      const bytes = fs.readFileSync(out);
      for (const r of localRecords(bytes)) expect(r.dataOffset % 64).toBe(0);
      // the zip64 end record is there, as PyTorch writes it
      expect(bytes.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBeGreaterThan(0);
      // original storages are identical to what was written
      for (let i = 0; i < n; i++) expect(Buffer.compare(Buffer.from(b.storages[i].bytes()), Buffer.from(a.storages[i].bytes()))).toBe(0);
    }
  });

  test('21.2 checkpoint conversion shape: drop keys, keep the Enum object, write a .sda', async () => {
    const ck = readTorchFileSync(GENUINE_FILES[2]).value as PyDict;
    ck.delete('optimizer_state_dict');
    ck.delete('scheduler_state_dict');
    const out = path.join(tmp, 'converted.sda');
    await writeTorchFile(out, ck);
    const back = readTorchFileSync(out).value as PyDict;
    expect(back.has('optimizer_state_dict')).toBe(false);
    const preset = back.getDict('training_config')!.get('preset') as PyObject;
    expect(preset.className).toBe('small_dataset_audio.training.config.OverfittingPreset');
    expect(preset.argItems).toEqual(['balanced']);
  });

  test('21.3 shared storages stay shared, views stay views', () => {
    const base = TorchTensor.fromTypedArray('float32', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6]));
    const t = new TorchTensor({ storage: base.storage, shape: [3, 2], stride: [1, 3] });
    const row = new TorchTensor({ storage: base.storage, shape: [3], stride: [1], storageOffset: 3 });
    const v = PyDict.fromObject({ base, t, row, again: base });
    const back = readTorchFileSync(serializeTorchFile(v)).value as PyDict;
    const [b2, t2, r2, a2] = ['base', 't', 'row', 'again'].map((k) => back.getTensor(k)!);
    expect(t2.storage).toBe(b2.storage);
    expect(r2.storage).toBe(b2.storage);
    expect(a2).toBe(b2);
    expect(back.get('again')).toBe(back.get('base'));
    expect(t2.stride).toEqual([1, 3]);
    expect(r2.storageOffset).toBe(3);
    expect(b2.storage.numel).toBe(6);
    expect(Array.from(t2.toFloat32Array())).toEqual([1, 4, 2, 5, 3, 6]);
  });

  test('21.4 ints, floats, keys, cycles and recursive tuples round-trip', () => {
    const list: PyValue[] = [1n];
    list.push(list);
    const inner: PyValue[] = [];
    const rec = tuple(inner, 5n);
    inner.push(rec);
    const keys = new PyDict([
      [0n, 'zero'],
      [-(1n << 70n), 'big'],
      [1.5, 'f'],
      [tuple(1n, 'a'), 't'],
      [null, 'none'],
    ]);
    const od = new PyOrderedDict([['b', 1n], ['a', 2n]]);
    od.states.push(PyDict.fromObject({ _metadata: new PyOrderedDict([['', PyDict.fromObject({ version: 1n })]]) }));
    const v = PyDict.fromObject({ list, rec, keys, od, floats: [2.0, -0.0, Infinity, NaN], ints: [255n, 256n, 65536n, -1n, 1n << 64n, -(1n << 63n)] });
    const back = readTorchFileSync(serializeTorchFile(v)).value as PyDict;
    const l2 = back.getList('list')!;
    expect(l2[1]).toBe(l2);
    const r2 = back.get('rec') as PyTuple;
    expect(((r2.items[0] as PyValue[])[0] as PyTuple)).toBe(r2);
    expect(sortedJson(describeValue(back.get('keys')!))).toBe(sortedJson(describeValue(keys)));
    expect(sortedJson(describeValue(back.get('od')!))).toBe(sortedJson(describeValue(od)));
    expect(sortedJson(describeValue(back.get('floats')!))).toBe(sortedJson(describeValue(v.get('floats')!)));
    expect(back.get('ints')).toEqual(v.get('ints'));
  });

  test('21.5 what cannot be written is a TorchFileError', () => {
    const skip = readTorchFileSync(GENUINE_FILES[1], { storages: 'skip' });
    expect(() => serializeTorchFile(skip.value)).toThrow(/were not read/);
    expect(() => serializeTorchFile([undefined as unknown as PyValue])).toThrow(TorchFileError);
    let deep: PyValue = [];
    for (let i = 0; i < 1500; i++) deep = [deep];
    expect(() => serializeTorchFile(deep)).toThrow(/nesting deeper than 1000/);
    const t = TorchTensor.fromTypedArray('float32', [2], new Float32Array(2));
    t.storage.numel = 3;
    expect(() => serializeTorchFile(t)).toThrow(TorchFileError);
  });
});
