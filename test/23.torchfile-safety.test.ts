/** Malformed and hostile inputs: each gives a precise TorchFileError, nothing is executed. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PyDict, PyObject, TorchFileError, readTorchFileSync } from '../lib';
import { ZipWriter } from '../lib/torchfile/zip-writer';
import { GENUINE_FILES } from './helpers/torchfile';

function zip(pkl: Uint8Array | string, records: Record<string, Uint8Array> = {}): Buffer {
  const z = new ZipWriter();
  z.addRecord('archive/data.pkl', typeof pkl === 'string' ? Buffer.from(pkl, 'latin1') : pkl);
  for (const [k, v] of Object.entries(records)) z.addRecord(`archive/${k}`, v);
  return Buffer.concat(z.finish());
}

function err(input: Uint8Array): TorchFileError {
  try {
    readTorchFileSync(input);
  } catch (e) {
    expect(e).toBeInstanceOf(TorchFileError);
    return e as TorchFileError;
  }
  throw new Error('expected a TorchFileError');
}

const P2 = '\x80\x02';
/** pid ('storage', torch.FloatStorage, '0', 'cpu', numel) */
const pid = (numel: number): string => `(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuJ${Buffer.from(new Int32Array([numel]).buffer).toString('latin1')}tQ`;
const tensor = (numel: number, size: number, stride: number, offset = 0): string =>
  `ctorch._utils\n_rebuild_tensor_v2\n(${pid(numel)}K${String.fromCharCode(offset)}K${String.fromCharCode(size)}\x85K${String.fromCharCode(stride)}\x85\x89ccollections\nOrderedDict\n)RtR`;

describe('TorchFileError for malformed files', () => {
  const genuine = fs.readFileSync(GENUINE_FILES[1]);

  test('23.1 a truncated file', () => {
    for (const n of [0, 3, 100, genuine.length >> 1, genuine.length - 10]) {
      const e = err(genuine.subarray(0, n));
      expect(e.reason).toMatch(/bad magic|truncated|end of central directory|zip/);
    }
  });

  test('23.2 a truncated record (data.pkl cut short inside the zip)', () => {
    const e = err(zip(`${P2}}q\x00(X\x01\x00\x00\x00a`));
    expect(e.reason).toMatch(/truncated pickle/);
    expect(e.record).toBe('archive/data.pkl');
    expect(e.offset).toBeGreaterThan(0);
  });

  test('23.3 a missing record', () => {
    expect(err(zip(`${P2}${tensor(4, 4, 1)}.`)).reason).toMatch(/missing record archive\/data\/0/);
    const z = new ZipWriter();
    z.addRecord('archive/version', Buffer.from('3\n'));
    expect(err(Buffer.concat(z.finish())).reason).toMatch(/missing record archive\/data.pkl/);
  });

  test('23.4 bad magic', () => {
    expect(err(Buffer.from('hello world, not a torch file')).reason).toMatch(/bad magic/);
    expect(err(Buffer.from(`${P2}K\x05.`, 'latin1')).reason).toMatch(/bad magic number/);
  });

  test('23.5 unknown opcode, with its offset', () => {
    const e = err(zip(`${P2}N\xff.`));
    expect(e.reason).toBe('unknown opcode 0xff');
    expect(e.offset).toBe(3);
    expect(err(zip(`${P2}\x82\x01.`)).reason).toMatch(/extension registry/);
  });

  test('23.6 stack and memo misuse', () => {
    expect(err(zip(`${P2}0.`)).reason).toMatch(/stack underflow/);
    expect(err(zip(`${P2}t.`)).reason).toMatch(/MARK expected/);
    expect(err(zip(`${P2}h\x07.`)).reason).toBe('memo key 7 was never stored');
    expect(err(zip(`${P2}NN.`)).reason).toMatch(/STOP with 2 values/);
    expect(err(zip(`${P2}(N.`)).reason).toMatch(/unclosed MARK/);
    expect(err(zip(`${P2}N(\x85.`)).reason).toMatch(/underflow \(pop across a MARK\)/);
  });

  test('23.7 SETITEM(S) on a non-dict, APPEND on a non-list, BUILD on a non-object', () => {
    expect(err(zip(`${P2}]X\x01\x00\x00\x00aNs.`)).reason).toBe('SETITEM(S) on a value that is not a dict');
    expect(err(zip(`${P2})(NNu.`)).reason).toBe('SETITEM(S) on a value that is not a dict');
    expect(err(zip(`${P2}}Na.`)).reason).toMatch(/APPEND\(S\) on a value that is not a list/);
    expect(err(zip(`${P2}}}b.`)).reason).toMatch(/BUILD on a value that is not an object/);
  });

  test('23.8 a storage shorter than the tensor view needs', () => {
    const data = { 'data/0': new Uint8Array(16) };
    expect(readTorchFileSync(zip(`${P2}${tensor(4, 4, 1)}.`, data)).storages[0].numel).toBe(4);
    expect(err(zip(`${P2}${tensor(4, 3, 2)}.`, data)).reason).toMatch(/has 4 elements, shorter than the 5 the tensor view needs/);
    expect(err(zip(`${P2}${tensor(4, 4, 1, 1)}.`, data)).reason).toMatch(/shorter than the 5/);
    // the record itself shorter than the element count
    expect(err(zip(`${P2}${tensor(8, 4, 1)}.`, data)).reason).toMatch(/storage record is 16 bytes, shorter than the 32/);
  });

  test('23.9 element count overflow', () => {
    const huge = `(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x40tQ.`;
    expect(err(zip(`${P2}${huge}`, { 'data/0': new Uint8Array(4) })).reason).toMatch(/element count overflow/);
  });

  test('23.10 nesting deeper than the limit', () => {
    // EMPTY_LIST PUT0, then 1500 x (EMPTY_LIST GET0 APPEND PUT0): each new list holds the previous one
    let s = `${P2}]q\x00`;
    for (let i = 0; i < 1500; i++) s += ']h\x00aq\x00';
    const deep = zip(`${s}.`);
    expect(err(deep).reason).toMatch(/nesting deeper than 1000/);
    expect(err(zip(`${P2}${'('.repeat(1200)}.`)).reason).toMatch(/nesting deeper than 1000/);
  });

  test('23.11 memory beyond the bound derived from the file size', () => {
    // a 1 MB string duplicated through _codecs.encode many times
    const big = 'x'.repeat(1 << 20);
    let s = `${P2}c_codecs\nencode\nq\x00X${Buffer.from(new Uint32Array([big.length]).buffer).toString('latin1')}${big}q\x01X\x06\x00\x00\x00latin1q\x02(`;
    for (let i = 0; i < 200; i++) s += 'h\x00h\x01h\x02\x86R';
    s += 'l.';
    const input = zip(s);
    const e = (() => {
      try {
        readTorchFileSync(input, { limits: { minMemoryBytes: 1 << 20 } });
      } catch (x) {
        return x as TorchFileError;
      }
      throw new Error('no error');
    })();
    expect(e).toBeInstanceOf(TorchFileError);
    expect(e.reason).toMatch(/memory bound exceeded/);
  });

  test('23.12 nothing from the file is executed: os.system becomes a PyObject record', () => {
    const marker = path.join(os.tmpdir(), `sda-tf-pwned-${process.pid}`);
    const cmd = `touch ${marker}`;
    const pkl = `${P2}cos\nsystem\nX${Buffer.from(new Uint32Array([cmd.length]).buffer).toString('latin1')}${cmd}\x85R.`;
    const v = readTorchFileSync(zip(pkl)).value;
    expect(v).toBeInstanceOf(PyObject);
    expect((v as PyObject).className).toBe('os.system');
    expect((v as PyObject).argItems).toEqual([cmd]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('23.13 bad zip structures and bad storage ids', () => {
    const g = Buffer.from(genuine);
    const eocd = g.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    g.writeUInt32LE(0x7fffffff, eocd - 20 + 8); // zip64 locator offset
    expect(err(g).reason).toMatch(/zip64/);
    expect(err(zip(`${P2}(X\x03\x00\x00\x00fooNtQ.`)).reason).toMatch(/unknown persistent id type "foo"/);
    expect(err(zip(`${P2}(X\x07\x00\x00\x00storagecos\nsystem\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQ.`)).reason).toMatch(/not a torch storage class/);
    expect(err(zip(`${P2}X\x02\x00\x00\x00\xff\xfe.`)).reason).toMatch(/invalid UTF-8/);
    expect(readTorchFileSync(zip(`${P2}}.`)).value).toBeInstanceOf(PyDict);
  });
});
