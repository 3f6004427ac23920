// Files that are not usable models: each is a typed error with a message that says what is wrong.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DeviceUnavailableError, InvalidArgumentError, ModelFormatError, ModelVersionError, loadModel } from '../lib';
import { TorchFileError } from '../lib/torchfile';
import { GENUINE } from './helpers/paths';
import { runPython } from './helpers/python';

const TRAINED = path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-variants-'));
  runPython(path.join(__dirname, 'python/make_model_variants.py'), [TRAINED, dir]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function failure(file: string, options = {}): Promise<Error> {
  try {
    const m = await loadModel(file, { device: 'cpu', ...options });
    m.dispose();
  } catch (e) {
    return e as Error;
  }
  throw new Error(`${file} loaded`);
}

test('31.1 another format marker', async () => {
  const e = await failure(path.join(dir, 'wrong_marker.sda'));
  expect(e).toBeInstanceOf(ModelFormatError);
  expect(e.message).toMatch(/wrong_marker\.sda: is not a saved model: expected format "sda_model" or "distill_model", found "not_a_model"/);
  expect((e as ModelFormatError).key).toBe('format');
});

test('31.2 a newer format version says to update', async () => {
  const e = await failure(path.join(dir, 'newer_version.sda'));
  expect(e).toBeInstanceOf(ModelVersionError);
  expect(e.message).toMatch(/saved-model format version 2 is newer than this package reads \(version 1\); update small-dataset-audio/);
});

test('31.3 a truncated file', async () => {
  const bytes = fs.readFileSync(TRAINED);
  const cut = path.join(dir, 'truncated.sda');
  fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
  const e = await failure(cut);
  expect(e).toBeInstanceOf(TorchFileError);
  expect(e.message).toMatch(/truncated\.sda/);
});

test('31.4 a missing weight names the key and the shape expected', async () => {
  const e = await failure(path.join(dir, 'missing_key.sda'));
  expect(e).toBeInstanceOf(ModelFormatError);
  expect(e.message).toMatch(/model_state_dict has no decoder\.fc\.bias \(expected a tensor of shape \[12288\]\)/);
  expect((e as ModelFormatError).key).toBe('decoder.fc.bias');
});

test('31.5 weights that disagree with the spectrogram config name key, expected and actual shape', async () => {
  const e = await failure(path.join(dir, 'config_mismatch.sda'));
  expect(e).toBeInstanceOf(ModelFormatError);
  expect(e.message).toMatch(/model_state_dict\.encoder\.fc_mu\.weight has shape \[64, 12288\], expected \[64, 6144\] \(latent_dim 64, 64 mel bins x 94 frames/);
  const l = await failure(path.join(dir, 'latent_mismatch.sda'));
  expect(l.message).toMatch(/encoder\.fc_mu\.weight has shape \[64, 12288\], expected \[32, 12288\] \(latent_dim 32/);
});

test('31.6 an unexpected weight is refused as PyTorch strict loading would', async () => {
  const e = await failure(path.join(dir, 'extra_key.sda'));
  expect(e).toBeInstanceOf(ModelFormatError);
  expect(e.message).toMatch(/unexpected key decoder\.extra\.weight/);
});

test('31.7 unknown or unavailable devices', async () => {
  const bad = await failure(TRAINED, { device: 'gpu' });
  expect(bad).toBeInstanceOf(InvalidArgumentError);
  expect(bad.message).toMatch(/Unknown device "gpu"/);
  const cuda = await failure(TRAINED, { device: 'cuda:0' });
  expect(cuda).toBeInstanceOf(DeviceUnavailableError);
  expect(cuda.message).toMatch(/no CUDA device is available\. Available devices: cpu/);
});

test('31.8 a training checkpoint is not a saved model, and the error says how to convert it', async () => {
  const e = await failure(path.join(GENUINE, 'checkpoint/checkpoint_epoch0007.pt'));
  expect(e).toBeInstanceOf(ModelFormatError);
  expect(e.message).toMatch(/found no format marker\. It looks like a training checkpoint/);
});

test('31.9 a file without latent_dim uses 64, as the Python app does', async () => {
  const m = await loadModel(path.join(dir, 'no_latent_dim.sda'), { device: 'cpu' });
  expect(m.latentDim).toBe(64);
  m.dispose();
});
