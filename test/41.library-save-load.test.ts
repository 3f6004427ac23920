// saveModel / loadModel / deleteModel and interop with the Python app: files we save load with real
// torch.load into the same structure and types as the Python app's own.
import * as fs from 'fs';
import * as path from 'path';
import {
  InvalidArgumentError,
  ModelFormatError,
  ModelLibrary,
  deleteModel,
  loadModel,
  saveModel,
  saveModelDetailed,
  type LoadedModel,
} from '../lib';
import { analysisFromPy } from '../lib/model/analysis';
import { PyDict, readTorchFile } from '../lib/torchfile';
import { GENUINE } from './helpers/paths';
import { readNpy } from './helpers/npy';
import { runPython } from './helpers/python';
import { copyModelsDir, tempDir } from './helpers/library-util';

const TRAINED = path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda');
const COMPARE = path.join(__dirname, 'python/library_compare.py');
let tmp: string;
let trained: LoadedModel;

interface Report {
  diffs: string[];
  keys: string[];
  metadata_types: Record<string, string>;
  metadata: Record<string, unknown>;
  uuid4: boolean;
  save_date_utc: boolean;
  state_dict_type: string;
  analysis_types: Record<string, string> | null;
  preset: string | null;
}
const compare = (ours: string, ref: string, ...skip: string[]): Report => JSON.parse(runPython(COMPARE, [ours, ref, ...skip]));

const PY_METADATA_TYPES = {
  model_id: 'str', name: 'str', description: 'str', dataset_name: 'str', dataset_file_count: 'int', dataset_total_duration_s: 'float',
  training_date: 'str', save_date: 'str', training_epochs: 'int', final_train_loss: 'float', final_val_loss: 'float', tags: 'list',
  has_analysis: 'bool', n_active_components: 'int',
};

beforeAll(async () => {
  tmp = tempDir('lib41');
  trained = await loadModel(TRAINED, { device: 'cpu' });
});
afterAll(() => {
  trained?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('41.1 a LoadedModel saved again equals the Python file except model_id and save_date', async () => {
  const dir = copyModelsDir(path.join(GENUINE, 'trained/models'), path.join(tmp, 'again'));
  const { path: file, metadata } = await saveModelDetailed(trained, { modelsDir: dir });
  expect(path.basename(file)).toBe('genuine_trained_fixture_v1_1.sda'); // the name was taken
  expect(metadata.modelId).not.toBe(trained.metadata.modelId);
  const r = compare(file, TRAINED, 'root.metadata.model_id', 'root.metadata.save_date');
  expect(r.diffs).toEqual([]);
  expect(r.uuid4).toBe(true);
  expect(r.save_date_utc).toBe(true);
  expect(r.metadata.model_id).toBe(metadata.modelId);
  expect(r.preset).toBe("<OverfittingPreset.CONSERVATIVE: 'conservative'>");
  const lib = new ModelLibrary(dir);
  expect(await lib.count()).toBe(2);
  const entry = (await lib.get(metadata.modelId))!;
  expect(entry.filePath).toBe('genuine_trained_fixture_v1_1.sda');
  expect(entry.fileSizeBytes).toBe(fs.statSync(file).size);
  expect(entry.hasAnalysis).toBe(true);
  expect(entry.nActiveComponents).toBe(19);
  // Same outputs from both files.
  const copy = await loadModel(file, { device: 'cpu' });
  try {
    const z = readNpy(path.join(GENUINE, 'trained/refs/z.npy'));
    const a = await trained.model.decode(z.data);
    const b = await copy.model.decode(z.data);
    expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
    expect(copy.analysis).toEqual(trained.analysis);
    expect(copy.metadata).toEqual(metadata);
  } finally {
    copy.dispose();
  }
});

test('41.2 from a state dict and an AnalysisResult: numpy arrays stay float32 numpy arrays, metadata has Python types', async () => {
  const dir = path.join(tmp, 'parts');
  const { value } = await readTorchFile(TRAINED, { storages: 'copy' });
  const d = value as PyDict;
  const analysis = analysisFromPy(d.get('latent_analysis'))!;
  const file = await saveModel(d.get('model_state_dict') as PyDict, {
    modelsDir: dir,
    spectrogramConfig: trained.spectrogram,
    trainingConfig: d.get('training_config')!,
    analysis,
    metadata: {
      name: 'Genuine Trained Fixture (v1)!',
      description: trained.metadata.description,
      datasetName: 'synthetic_tones_48k',
      datasetFileCount: 12,
      datasetTotalDurationS: 36,
      trainingDate: trained.metadata.trainingDate,
      trainingEpochs: 16,
      finalTrainLoss: trained.metadata.finalTrainLoss,
      finalValLoss: trained.metadata.finalValLoss,
      tags: ['fixture', 'synthetic', 'trained'],
      hasAnalysis: false, // follows the analysis on save
      nActiveComponents: 3,
    },
  });
  expect(path.basename(file)).toBe('genuine_trained_fixture_v1.sda');
  const r = compare(file, TRAINED, 'root.metadata.model_id', 'root.metadata.save_date');
  expect(r.diffs).toEqual([]); // analysis dict, state dict (with _metadata), configs, metadata values and types
  expect(r.metadata_types).toEqual(PY_METADATA_TYPES);
  expect(r.analysis_types).toMatchObject({ pca_components: 'ndarray:float32', safe_min: 'ndarray:float32', n_steps: 'int', feature_correlations: 'dict' });
  expect(r.state_dict_type).toBe('OrderedDict');
  // Plain JS training config and defaults; a model without analysis.
  const sample = path.join(GENUINE, 'sample_only/models/sample_only_fixture.sda');
  const s = (await readTorchFile(sample, { storages: 'copy' })).value as PyDict;
  const plain = await saveModelDetailed(s.get('model_state_dict') as PyDict, {
    modelsDir: dir,
    trainingConfig: { latent_dim: 32, learning_rate: 0.001, regularization: { dropout: 0.2 }, device: 'auto', flags: [true, null] },
  });
  expect(path.basename(plain.path)).toBe('untitled_model.sda');
  const r2 = compare(plain.path, sample, 'root.metadata', 'root.training_config');
  expect(r2.diffs).toEqual([]);
  expect(r2.metadata_types).toEqual(PY_METADATA_TYPES);
  expect(r2.metadata).toMatchObject({ name: 'Untitled Model', has_analysis: false, n_active_components: 0, tags: [] });
  const m = await loadModel(plain.path, { device: 'cpu' });
  try {
    expect(m.latentDim).toBe(32);
    expect(m.analysis).toBeNull();
    expect((m.trainingConfig as PyDict).get('learning_rate')).toBe(0.001);
    expect((m.trainingConfig as PyDict).get('latent_dim')).toBe(32n);
  } finally {
    m.dispose();
  }
});

test('41.3 deleteModel removes the file and the entry', async () => {
  const dir = copyModelsDir(path.join(GENUINE, 'sample_only/models'), path.join(tmp, 'delete'));
  const lib = new ModelLibrary(dir);
  const [entry] = await lib.listAll();
  expect(await deleteModel(entry!.modelId, { modelsDir: dir })).toBe(true);
  expect(fs.existsSync(path.join(dir, entry!.filePath))).toBe(false);
  expect(await lib.get(entry!.modelId)).toBeUndefined();
  expect(await deleteModel(entry!.modelId, { modelsDir: dir })).toBe(false);
  expect(fs.readFileSync(path.join(dir, 'model_library.json'), 'utf8')).toBe('{\n  "version": 1,\n  "models": {}\n}');
});

test('41.4 bad inputs are refused before anything is written', async () => {
  const dir = path.join(tmp, 'bad');
  fs.mkdirSync(dir);
  const sd = ((await readTorchFile(TRAINED, { storages: 'copy' })).value as PyDict).get('model_state_dict') as PyDict;
  await expect(saveModel(sd, { modelsDir: dir, spectrogramConfig: { ...trained.spectrogram, nMels: 64 } })).rejects.toThrow(ModelFormatError);
  await expect(saveModel(undefined as never, { modelsDir: dir })).rejects.toThrow(/saveModel needs the model to save/);
  // The 0.1 call shape (everything in one object) is refused with the message naming what is missing.
  await expect(saveModel({ modelsDir: dir, model: trained } as never, undefined as never)).rejects.toThrow(/saveModel needs options\.modelsDir/);
  await expect(saveModel(trained, { modelsDir: dir, metadata: { datasetFileCount: 1.5 } })).rejects.toThrow(/datasetFileCount must be an integer/);
  await expect(saveModel(trained, { modelsDir: dir, format: 'other' as never })).rejects.toThrow(/format must be one of sda_model, distill_model/);
  await expect(saveModel(path.join(GENUINE, 'checkpoint/checkpoint_epoch0007.pt'), { modelsDir: dir })).rejects.toThrow(/not a saved model/);
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.sda'))).toEqual([]);
  await expect(deleteModel('', { modelsDir: dir })).rejects.toThrow(InvalidArgumentError);
});

test('41.5 a given modelId and saveDate are kept; the distill format saves as .distill', async () => {
  const dir = path.join(tmp, 'ids');
  const saved = await saveModelDetailed(path.join(GENUINE, 'sample_only/models/sample_only_fixture.sda'), {
    modelsDir: dir,
    metadata: { modelId: 'my-id', saveDate: '2020-01-01T00:00:00+00:00', name: 'Mine' },
    format: 'distill_model',
    allowActivationChange: true, // a .sda source: its Sigmoid decoder would run as Softplus
  });
  expect(path.basename(saved.path)).toBe('mine.distill');
  expect(saved.metadata).toMatchObject({ modelId: 'my-id', saveDate: '2020-01-01T00:00:00+00:00', description: 'decoder initialised only by model.sample()' });
  const m = await loadModel(saved.path, { device: 'cpu' });
  try {
    expect(m.format).toBe('distill_model');
  } finally {
    m.dispose();
  }
  expect((await new ModelLibrary(dir).get('my-id'))!.filePath).toBe('mine.distill');
});
