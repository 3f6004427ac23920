import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  NumpyArray,
  PyDict,
  PyObject,
  PyOrderedDict,
  TorchFileError,
  TorchTensor,
  readTorchFile,
  readTorchFileSync,
  type TorchFile,
} from '../lib';
import { GENUINE, GENUINE_FILES, describeValue, sortedJson } from './helpers/torchfile';

const [TRAINED, SAMPLE_ONLY, CHECKPOINT, CONVERTED] = GENUINE_FILES;
const scan = JSON.parse(fs.readFileSync(path.join(GENUINE, 'pickle_scan.json'), 'utf8')) as {
  files: Array<{ file: string; zip_prefix: string; zip_members_non_storage: string[]; n_storage_records: number; protocol: number }>;
};

function top(f: TorchFile): PyDict {
  expect(f.value).toBeInstanceOf(PyDict);
  return f.value as PyDict;
}

describe('readTorchFile on the genuine files', () => {
  const files = new Map<string, { bytes: Buffer; file: TorchFile }>();
  beforeAll(() => {
    for (const p of GENUINE_FILES) {
      const bytes = fs.readFileSync(p);
      files.set(p, { bytes, file: readTorchFileSync(bytes) });
    }
  });

  test('20.1 container facts match pickle_scan.json', () => {
    for (const entry of scan.files) {
      const got = files.get(path.join(GENUINE, entry.file));
      expect(got).toBeDefined();
      const f = got!.file;
      expect(f.format).toBe('zip');
      expect(f.archiveName).toBe(entry.zip_prefix);
      expect(f.protocol).toBe(entry.protocol);
      expect(f.version).toBe('3');
      expect(f.byteOrder).toBe('little');
      expect(f.records.filter((r) => !r.startsWith('data/')).sort()).toEqual([...entry.zip_members_non_storage].sort());
      expect(f.storages.length).toBe(entry.n_storage_records);
    }
  });

  test('20.2 the trained .sda: keys, state dict, metadata, Enum, numpy analysis', () => {
    const { bytes, file } = files.get(TRAINED)!;
    const d = top(file);
    expect([...d.keys()]).toEqual(['format', 'version', 'model_state_dict', 'latent_dim', 'spectrogram_config', 'latent_analysis', 'training_config', 'metadata']);
    expect(d.get('format')).toBe('sda_model');
    expect(d.get('version')).toBe(1n);
    expect(d.getInt('latent_dim')).toBe(64);
    const sd = d.get('model_state_dict');
    expect(sd).toBeInstanceOf(PyOrderedDict);
    const state = sd as PyOrderedDict;
    expect(state.size).toBe(57);
    const w = state.getTensor('encoder.convs.0.weight')!;
    expect(w).toBeInstanceOf(TorchTensor);
    expect([w.dtype, w.shape, w.stride, w.storageOffset, w.device, w.requiresGrad]).toEqual(['float32', [32, 1, 3, 3], [9, 9, 3, 1], 0, 'cpu', false]);
    // tensor bytes are views into the file buffer, not copies
    expect(w.bytes().buffer).toBe(bytes.buffer);
    const nbt = state.getTensor('encoder.convs.1.num_batches_tracked')!;
    expect(nbt.dtype).toBe('int64');
    expect(nbt.shape).toEqual([]);
    expect((nbt.toTypedArray() as BigInt64Array)[0]).toBeGreaterThan(0n);
    // _metadata set by BUILD
    const meta = state.metadata;
    expect(meta).toBeInstanceOf(PyOrderedDict);
    expect((meta as PyDict).getDict('')?.get('version')).toBe(1n);

    const sc = d.getDict('spectrogram_config')!;
    expect(sc.get('sample_rate')).toBe(48000n);
    expect(sc.get('f_min')).toBe(0); // a float stays a JS number
    expect(typeof sc.get('f_min')).toBe('number');
    expect(sc.get('f_max')).toBeNull();

    const preset = d.getDict('training_config')!.get('preset');
    expect(preset).toBeInstanceOf(PyObject);
    expect((preset as PyObject).className).toBe('small_dataset_audio.training.config.OverfittingPreset');
    expect((preset as PyObject).argItems).toEqual(['conservative']);

    const lib = JSON.parse(fs.readFileSync(path.join(path.dirname(TRAINED), 'model_library.json'), 'utf8'));
    const md = d.getDict('metadata')!;
    const entry = lib.models[md.getString('model_id')!];
    expect(entry).toBeDefined();
    for (const k of ['name', 'description', 'dataset_name', 'training_date', 'save_date']) expect(md.getString(k)).toBe(entry[k]);
    for (const k of ['dataset_file_count', 'training_epochs', 'n_active_components']) expect(md.getInt(k)).toBe(entry[k]);
    for (const k of ['final_train_loss', 'final_val_loss', 'dataset_total_duration_s']) expect(md.getNumber(k)).toBe(entry[k]);
    expect(md.getList('tags')).toEqual(entry.tags);
    expect(md.getBool('has_analysis')).toBe(true);

    const la = d.getDict('latent_analysis')!;
    const comps = la.get('pca_components') as NumpyArray;
    expect(comps).toBeInstanceOf(NumpyArray);
    expect(comps.shape).toEqual([19, 64]);
    expect(comps.dtype?.str).toBe('<f4');
    expect(comps.fortranOrder).toBe(false);
    expect(comps.data!.length).toBe(19 * 64 * 4);
    expect(comps.toFloat32Array().length).toBe(19 * 64);
    expect(la.get('n_active_components')).toBe(19n);
  });

  test('20.3 sample-only model has no encoder heads and no analysis', () => {
    const d = top(files.get(SAMPLE_ONLY)!.file);
    const sd = d.get('model_state_dict') as PyOrderedDict;
    expect(sd.size).toBe(53);
    expect(sd.has('encoder.fc_mu.weight')).toBe(false);
    expect(d.get('latent_analysis')).toBeNull();
    expect(d.get('latent_dim')).toBe(32n);
  });

  test('20.4 checkpoint: optimizer state has int keys, Enum BALANCED, metrics history', () => {
    const d = top(files.get(CHECKPOINT)!.file);
    expect(d.get('epoch')).toBe(7n);
    const opt = d.getDict('optimizer_state_dict')!;
    const st = opt.getDict('state')!;
    expect([...st.keys()]).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(i)));
    expect(st.getDict(0)?.getTensor('exp_avg')?.dtype).toBe('float32');
    const groups = opt.getList('param_groups')!;
    expect((groups[0] as PyDict).getList('params')).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(i)));
    const preset = d.getDict('training_config')!.get('preset') as PyObject;
    expect(preset.argItems).toEqual(['balanced']);
    expect((d.getDict('metrics_history')!.getList('epoch_metrics') ?? []).length).toBe(8);
  });

  test('20.5 converted .sda keeps checkpoint weights', () => {
    const ck = (top(files.get(CHECKPOINT)!.file).get('model_state_dict') as PyDict).getTensor('decoder.fc.weight')!;
    const cv = (top(files.get(CONVERTED)!.file).get('model_state_dict') as PyDict).getTensor('decoder.fc.weight')!;
    expect(Buffer.compare(Buffer.from(ck.bytes()), Buffer.from(cv.bytes()))).toBe(0);
    expect(top(files.get(CONVERTED)!.file).getDict('metadata')!.getInt('training_epochs')).toBe(7);
  });

  test('20.6 storages: lazy reads the same bytes on demand, skip reads none, copy owns its bytes', async () => {
    const full = files.get(TRAINED)!.file;
    const lazy = readTorchFileSync(TRAINED, { storages: 'lazy' });
    const skip = readTorchFileSync(TRAINED, { storages: 'skip' });
    const copy = await readTorchFile(TRAINED, { storages: 'copy' });
    expect(sortedJson(describeValue(copy.value))).toBe(sortedJson(describeValue(full.value)));
    expect(lazy.storages.every((s) => !s.loaded)).toBe(true);
    expect(sortedJson(describeValue(lazy.value))).toBe(sortedJson(describeValue(full.value)));
    expect(skip.storages.every((s) => !s.loaded)).toBe(true);
    const t = (top(skip).get('model_state_dict') as PyDict).getTensor('decoder.fc.weight')!;
    expect(t.shape.length).toBe(2);
    expect(() => t.bytes()).toThrow(TorchFileError);
    expect(top(skip).getDict('metadata')!.getString('name')).toBe('Genuine Trained Fixture (v1)!');
    const c = (top(copy).get('model_state_dict') as PyDict).getTensor('decoder.fc.weight')!;
    expect(c.bytes().buffer.byteLength).toBe(c.bytes().byteLength);
  });

  test('20.7 async and sync reads agree; a path read names the file in errors', async () => {
    const a = await readTorchFile(CONVERTED);
    expect(sortedJson(describeValue(a.value))).toBe(sortedJson(describeValue(files.get(CONVERTED)!.file.value)));
    const err = await readTorchFile(path.join(GENUINE, 'pickle_scan.json')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TorchFileError);
    expect((err as TorchFileError).file).toBe(path.join(GENUINE, 'pickle_scan.json'));
    expect((err as TorchFileError).code).toBe('ERR_SDA_TORCH_FILE');
  });

  test('20.8 toFloat32Array converts float16 / bfloat16 / int64', () => {
    const half = TorchTensor.fromTypedArray('float16', [3], new Uint16Array([0x3c00, 0xc000, 0x3555]));
    expect(Array.from(half.toFloat32Array())).toEqual([1, -2, Math.fround(0.333251953125)]);
    const bf = TorchTensor.fromTypedArray('bfloat16', [2], new Uint16Array([0x3f80, 0x4049]));
    expect(Array.from(bf.toFloat32Array())).toEqual([1, 3.140625]);
    const i = TorchTensor.fromTypedArray('int64', [2], new BigInt64Array([-3n, 5n]));
    expect(Array.from(i.toFloat32Array())).toEqual([-3, 5]);
    const nc = new TorchTensor({ storage: TorchTensor.fromTypedArray('float32', [6], new Float32Array([0, 1, 2, 3, 4, 5])).storage, shape: [3, 2], stride: [1, 3] });
    expect(nc.isContiguous()).toBe(false);
    expect(Array.from(nc.toFloat32Array())).toEqual([0, 3, 1, 4, 2, 5]);
  });
});
