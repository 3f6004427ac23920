// saveModelFromCheckpoint: the genuine checkpoint converts to exactly the Python app's converted model
// (checked with real torch.load); the latent size comes from the weights.
import * as fs from 'fs';
import * as path from 'path';
import { ModelFormatError, ModelLibrary, loadModel, saveModelFromCheckpoint } from '../lib';
import { GENUINE } from './helpers/paths';
import { runPython } from './helpers/python';
import { tempDir } from './helpers/library-util';

const CKPT = path.join(GENUINE, 'checkpoint/checkpoint_epoch0007.pt');
const CONVERTED = path.join(GENUINE, 'checkpoint/models/converted_checkpoint_fixture.sda');
const COMPARE = path.join(__dirname, 'python/library_compare.py');
let tmp: string;

beforeAll(() => {
  tmp = tempDir('lib42');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('42.1 the genuine checkpoint converts to the Python app\'s .sda (all but model_id and save_date)', async () => {
  const dir = path.join(tmp, 'models');
  const file = await saveModelFromCheckpoint(CKPT, {
    modelsDir: dir,
    metadata: { name: 'Converted Checkpoint Fixture', description: 'save_model_from_checkpoint() output', tags: ['fixture', 'converted'] },
  });
  expect(path.basename(file)).toBe('converted_checkpoint_fixture.sda');
  const r = JSON.parse(runPython(COMPARE, [file, CONVERTED, 'root.metadata.model_id', 'root.metadata.save_date']));
  expect(r.diffs).toEqual([]); // every key, tensors torch.equal, _metadata, Enum identity, types
  expect(r.keys).toEqual(['format', 'version', 'model_state_dict', 'latent_dim', 'spectrogram_config', 'latent_analysis', 'training_config', 'metadata']);
  expect(r.preset).toBe("<OverfittingPreset.BALANCED: 'balanced'>");
  expect(r.uuid4).toBe(true);
  expect(r.save_date_utc).toBe(true);
  expect(fs.statSync(file).size).toBe(fs.statSync(CONVERTED).size);
  // The catalog entry equals the Python app's, but for id and date.
  const ours = (await new ModelLibrary(dir).listAll())[0]!;
  const theirs = (await new ModelLibrary(copyIndexDir()).listAll())[0]!;
  expect({ ...ours, modelId: '', saveDate: '' }).toEqual({ ...theirs, modelId: '', saveDate: '' });
  const m = await loadModel(file, { device: 'cpu' });
  try {
    expect(m.latentDim).toBe(64);
    expect(m.metadata.trainingEpochs).toBe(7);
  } finally {
    m.dispose();
  }
});

function copyIndexDir(): string {
  const d = path.join(tmp, 'genuine-index');
  fs.mkdirSync(d, { recursive: true });
  fs.copyFileSync(path.join(GENUINE, 'checkpoint/models/model_library.json'), path.join(d, 'model_library.json'));
  fs.copyFileSync(CONVERTED, path.join(d, 'converted_checkpoint_fixture.sda'));
  return d;
}

test('42.2 the latent size is inferred from the weights (32 here, where the Python app assumes 64)', async () => {
  const made = path.join(tmp, 'made');
  runPython(path.join(__dirname, 'python/library_make_checkpoint.py'), [path.join(GENUINE, 'sample_only/models/sample_only_fixture.sda'), made]);
  const dir = path.join(tmp, 'models32');
  const file = await saveModelFromCheckpoint(path.join(made, 'no_latent_dim.pt'), { modelsDir: dir, metadata: { name: 'From 32' } });
  const m = await loadModel(file, { device: 'cpu' });
  try {
    expect(m.latentDim).toBe(32);
    expect(m.metadata).toMatchObject({ name: 'From 32', trainingEpochs: 3, finalTrainLoss: 12.5, finalValLoss: 13.25, hasAnalysis: false });
  } finally {
    m.dispose();
  }
  await expect(saveModelFromCheckpoint(path.join(made, 'wrong_latent_dim.pt'), { modelsDir: dir })).rejects.toThrow(
    /latent_dim 64 disagrees with the weights \(decoder.fc.weight has latent size 32\)/,
  );
  await expect(saveModelFromCheckpoint(CONVERTED, { modelsDir: dir })).rejects.toThrow(/already a saved model/);
  await expect(saveModelFromCheckpoint(path.join(GENUINE, 'trained/refs/refs.json'), { modelsDir: dir })).rejects.toThrow();
  await expect(saveModelFromCheckpoint(CKPT, { modelsDir: dir }).then(() => 'ok')).resolves.toBe('ok'); // untitled_model.sda
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.sda')).sort()).toEqual(['from_32.sda', 'untitled_model.sda']);
  expect(ModelFormatError).toBeDefined();
});
