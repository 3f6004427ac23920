/**
 * Python interop with the real torch: Python writes varied files with torch.save, Node reads them
 * exactly (the same description as Python's), Node writes them back and Python's torch.load returns
 * equal objects. Requires python3 with torch and numpy (the test fails when they are missing).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  PyDict,
  PyGlobal,
  PyObject,
  TorchParameter,
  TorchTensor,
  numpyArray,
  numpyScalar,
  readTorchFileSync,
  tuple,
  writeTorchFileSync,
} from '../lib';
import { GENUINE_FILES, describeValue, python, sortedJson } from './helpers/torchfile';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-tf-interop-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('torch interop', () => {
  let expected: { files: string[]; describe: Record<string, unknown> };

  beforeAll(() => {
    python('torchfile_fixtures.py', [path.join(tmp, 'py'), ...GENUINE_FILES]);
    expected = JSON.parse(fs.readFileSync(path.join(tmp, 'py', 'expected.json'), 'utf8'));
  });

  test('22.1 Python wrote the planned variety of files', () => {
    const names = expected.files.map((f) => path.basename(f)).sort();
    expect(names).toEqual(
      ['dtypes', 'legacy', 'nested', 'numpy', 'objects', 'optimizer', 'params', 'protocol0', 'protocol1', 'protocol4', 'protocol5', 'renamed', 'state_dict', 'views'].map((n) => `${n}.pt`),
    );
    expect(readTorchFileSync(path.join(tmp, 'py', 'legacy.pt')).format).toBe('legacy');
  });

  test('22.2 Node reads every file exactly as torch.load sees it; Node copies load back equal in Python', () => {
    const pairs: string[] = [];
    fs.mkdirSync(path.join(tmp, 'node'), { recursive: true });
    const all = [...expected.files, ...GENUINE_FILES];
    for (const f of all) {
      const got = readTorchFileSync(f);
      expect({ file: f, d: sortedJson(describeValue(got.value)) }).toEqual({ file: f, d: sortedJson(expected.describe[f]) });
      const out = path.join(tmp, 'node', `${path.basename(path.dirname(f))}_${path.basename(f)}`);
      writeTorchFileSync(out, got.value);
      pairs.push(f, out);
    }
    const res = JSON.parse(python('torchfile_check.py', ['compare', ...pairs]).trim().split('\n').pop() as string);
    expect(res).toEqual({ pairs: all.length, failures: [] });
  });

  test('22.3 values built in JS load in Python as described', () => {
    const w = TorchTensor.fromTypedArray('float32', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6]));
    const value = PyDict.fromObject({
      weight: w,
      weight_t: new TorchTensor({ storage: w.storage, shape: [3, 2], stride: [1, 3] }),
      param: new TorchParameter(TorchTensor.fromTypedArray('float64', [2], new Float64Array([0.5, -1]))),
      flags: TorchTensor.fromTypedArray('bool', [3], new Uint8Array([1, 0, 1])),
      arr: numpyArray({ dtype: '<f4', shape: [2], data: new Uint8Array(new Float32Array([1.5, 2.5]).buffer) }),
      scalar: numpyScalar('<f8', new Uint8Array(new Float64Array([0.25]).buffer)),
      dtype: new PyGlobal('torch', 'float32'),
      mixed: tuple(1n, 2.0, 'three', null, true, new Uint8Array([1, 2])),
      int_keys: new PyDict([[3n, 'x']]),
      color: new PyObject(new PyGlobal('tf_fixture_module', 'Color'), tuple('red')),
    });
    const out = path.join(tmp, 'py', 'js.pt'); // beside tf_fixture_module.py
    writeTorchFileSync(out, value);
    python('torchfile_check.py', ['describe', path.join(tmp, 'js.json'), out]);
    const py = JSON.parse(fs.readFileSync(path.join(tmp, 'js.json'), 'utf8'))[out];
    expect(sortedJson(py)).toBe(sortedJson(describeValue(value)));
  });
});
